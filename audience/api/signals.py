"""Audience signals: bulk imports (JSON rows or a CSV file) and the signals they brought in.

Scoped by ``audience_projects_for``: a project outside the caller's scope is 404 (400 on
``project`` when named in a body); raters and regulators see nothing. The signals list leaves
out exact duplicates and suspected automated signals unless ``include_flagged=true``, and, for
the producer's writing team, whatever quiet mode hides from them.
"""

import csv
import io

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from audience.models import AudienceSignal, SignalImport
from audience.selectors import audience_projects_for
from audience.selectors.quiet import quiet_locks_for
from audience.selectors.revisions import citing_evidence
from audience.services import signal_rows
from audience.services import signals as services
from common.api import BoolFilter, DateTimeFilter, IdFilter, JSONParser
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, ROLE_MISSING, error_response
from common.serializers import ScopedIdField, ScopedRelatedField, StrictSerializer
from workflow.models import Project

MAX_UPLOAD_MB = 10
ERRORS = {
    400: INVALID_INPUT,
    403: ROLE_MISSING,
    404: NOT_IN_SCOPE,
}


# Serializers ---------------------------------------------------------------------------------


class SignalImportSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(source="project.title", read_only=True)
    imported_by = serializers.CharField(source="imported_by.get_username", read_only=True)
    rows = serializers.IntegerField(read_only=True, help_text="Signals imported.")
    duplicates = serializers.IntegerField(
        read_only=True, help_text="Of them, exact duplicates of a signal imported before."
    )
    automated = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Of them, suspected automated (the same text from many accounts within minutes); "
            "grows when a later import completes such a burst."
        ),
    )
    redactions = serializers.IntegerField(
        read_only=True, help_text="Phone numbers, ID-card numbers and e-mail addresses removed."
    )

    class Meta:
        model = SignalImport
        fields = [
            "id",
            "project",
            "project_title",
            "source",
            "filename",
            "imported_by",
            "rows",
            "duplicates",
            "automated",
            "redactions",
            "created_at",
        ]
        read_only_fields = fields


class SignalRowSerializer(StrictSerializer):
    """One row of a JSON import (documentation: the import service validates the rows)."""

    platform = serializers.CharField(max_length=40, help_text="e.g. douyin, kuaishou.")
    kind = serializers.ChoiceField(
        choices=AudienceSignal.Kind.choices, help_text="Also 评论, 弹幕, 转发, 标签."
    )
    episode = serializers.IntegerField(
        min_value=1, required=False, help_text="Episode number (or give `clip`)."
    )
    clip = serializers.CharField(required=False, help_text="A test clip's code (or `episode`).")
    posted_at = serializers.CharField(
        help_text="ISO 8601; without an offset, China time (e.g. `2026-03-01 20:15`)."
    )
    author_id = serializers.CharField(
        max_length=200, help_text="The platform's account id; stored only as a keyed hash."
    )
    text = serializers.CharField(
        max_length=5000,
        required=False,
        help_text="Required except for reposts; phone numbers, ID numbers, e-mails are redacted.",
    )
    likes = serializers.IntegerField(min_value=0, required=False, default=0)
    offset_seconds = serializers.IntegerField(
        min_value=0, required=False, help_text="Where in the episode (danmu)."
    )


class SignalImportRowsBodySerializer(StrictSerializer):
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    rows = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=services.BULK_MAX_ROWS,
        help_text=f"1 to {services.BULK_MAX_ROWS:,} rows, each as `SignalRow`.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = audience_projects_for(request.user)


class SignalImportRowsSerializer(StrictSerializer):
    project = ScopedIdField(help_text="The project (in your scope).")
    rows = SignalRowSerializer(
        many=True,
        min_length=1,
        max_length=services.BULK_MAX_ROWS,
        help_text=f"1 to {services.BULK_MAX_ROWS:,} rows.",
    )


class SignalImportUploadSerializer(StrictSerializer):
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    file = serializers.FileField(
        help_text=(
            f"CSV, UTF-8 (with or without byte-order mark), at most {MAX_UPLOAD_MB} MB; header "
            f"{','.join(signal_rows.COLUMNS)}."
        )
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = audience_projects_for(request.user)

    def validate_file(self, upload):
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise serializers.ValidationError(
                _("The file is larger than %(max)d MB; split it.") % {"max": MAX_UPLOAD_MB}
            )
        return upload


class CitingRevisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="revision.id")
    kind = serializers.CharField(source="revision.kind")
    summary = serializers.CharField(source="revision.summary")
    decided_at = serializers.DateTimeField(source="revision.decided_at")


class AudienceSignalSerializer(serializers.ModelSerializer):
    episode_number = serializers.IntegerField(
        source="episode.number", read_only=True, allow_null=True, default=None
    )
    clip_code = serializers.CharField(
        source="clip.code", read_only=True, allow_null=True, default=None
    )
    author_hash = serializers.CharField(
        read_only=True, help_text="The author as a keyed hash (the same account, the same hash)."
    )
    terms = serializers.SerializerMethodField(help_text="The text's terms, as counted.")
    cited_by = CitingRevisionSerializer(
        many=True,
        read_only=True,
        help_text=(
            "The revisions citing this signal as evidence, oldest first "
            "(`/api/v1/revisions/<id>/` shows each one's outcome)."
        ),
    )

    class Meta:
        model = AudienceSignal
        fields = [
            "id",
            "project",
            "episode",
            "episode_number",
            "clip",
            "clip_code",
            "platform",
            "kind",
            "posted_at",
            "offset_seconds",
            "text",
            "author_hash",
            "likes",
            "redactions",
            "is_duplicate",
            "is_automated",
            "source_import",
            "terms",
            "cited_by",
        ]
        read_only_fields = fields

    def get_terms(self, signal) -> list[str]:
        return sorted(term.term for term in signal.terms.all())


# Filters -------------------------------------------------------------------------------------


class SignalImportFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")

    class Meta:
        model = SignalImport
        fields = ["project"]


class AudienceSignalFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    episode = IdFilter(field_name="episode__number", help_text="Episode number.")
    clip = django_filters.CharFilter(field_name="clip__code", help_text="Test clip code.")
    kind = django_filters.ChoiceFilter(choices=AudienceSignal.Kind.choices)
    platform = django_filters.CharFilter(method="filter_platform")
    posted_after = DateTimeFilter(
        field_name="posted_at", lookup_expr="gte", help_text="Posted at or after (ISO 8601)."
    )
    posted_before = DateTimeFilter(
        field_name="posted_at", lookup_expr="lt", help_text="Posted before (ISO 8601)."
    )
    source_import = IdFilter(field_name="source_import_id")
    include_flagged = BoolFilter(
        method="filter_include_flagged",
        help_text="true: also exact duplicates and suspected automated signals.",
    )

    class Meta:
        model = AudienceSignal
        fields = [
            "project",
            "episode",
            "clip",
            "kind",
            "platform",
            "posted_after",
            "posted_before",
            "source_import",
            "include_flagged",
        ]

    def filter_platform(self, queryset, name, value):
        return queryset.filter(platform=value.strip().lower())

    def filter_include_flagged(self, queryset, name, value):
        return queryset  # read in filter_queryset: the default (absent) is what filters

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_flagged"):
            queryset = queryset.filter(is_duplicate=False, is_automated=False)
        return queryset


# Views ---------------------------------------------------------------------------------------


def _json_row_errors(exc: services.SignalRowsInvalid) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in exc.row_errors:
        fields.setdefault(f"rows.{error.row}.{error.field}", []).append(error.message)
    if exc.error_count > len(exc.row_errors):
        fields["rows"] = [exc.messages[-1]]
    return fields


@extend_schema_view(
    list=extend_schema(
        summary="Signal imports of the projects you see, newest first (`?project=`)",
    ),
    retrieve=extend_schema(
        summary="One signal import and its counts",
        responses={200: SignalImportSerializer, 404: ERRORS[404]},
    ),
    create=extend_schema(
        summary="Import audience signals: JSON rows or a CSV file",
        description=(
            "The producer company's producers and org admins, and the commissioning platform's "
            "content managers. All rows or none: a bad JSON row answers 400 with its messages "
            "on `rows.<index>.<field>` (index from 0); a bad CSV file on `file`, as "
            "`row N: field: message` (N = line in the file, the header is line 1). Author ids "
            "are stored only as a keyed hash; phone numbers, ID-card numbers and e-mail "
            "addresses in the text are redacted. Exact duplicates and suspected automated "
            "signals (the same text from many accounts within minutes) are imported but "
            "flagged, and left out of the signals list by default. A project outside your "
            "scope is a 400 on `project`; another import of the same project running is 409 "
            "`concurrent_update`."
        ),
        request={
            "application/json": SignalImportRowsSerializer,
            "multipart/form-data": SignalImportUploadSerializer,
        },
        responses={
            201: SignalImportSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            409: error_response("`concurrent_update`."),
        },
        examples=[
            OpenApiExample(
                "Two comments",
                request_only=True,
                media_type="application/json",
                value={
                    "project": 7,
                    "rows": [
                        {
                            "platform": "douyin",
                            "kind": "comment",
                            "episode": 3,
                            "posted_at": "2026-03-02 20:15",
                            "author_id": "u1029",
                            "text": "男主演技太好了",
                            "likes": 12,
                        },
                        {
                            "platform": "douyin",
                            "kind": "danmu",
                            "episode": 3,
                            "posted_at": "2026-03-02T12:16:05Z",
                            "author_id": "u3311",
                            "text": "反转来了",
                            "offset_seconds": 41,
                        },
                    ],
                },
            )
        ],
    ),
)
class SignalImportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SignalImportSerializer
    filterset_class = SignalImportFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    ordering_fields = ["created_at", "rows"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return SignalImport.objects.filter(
            project__in=audience_projects_for(self.request.user).values("pk")
        ).select_related("project", "imported_by")

    def create(self, request, *args, **kwargs):
        if request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
            signal_import = self._import_file(request)
        else:
            signal_import = self._import_rows(request)
        signal_import = self.get_queryset().get(pk=signal_import.pk)
        return Response(SignalImportSerializer(signal_import).data, status=status.HTTP_201_CREATED)

    def _import_rows(self, request) -> SignalImport:
        body = SignalImportRowsBodySerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        try:
            return services.signals_import(
                project=body.validated_data["project"],
                rows=enumerate(body.validated_data["rows"]),
                source=SignalImport.Source.API,
                user=request.user,
            )
        except services.SignalRowsInvalid as exc:
            raise DRFValidationError(_json_row_errors(exc)) from exc

    def _import_file(self, request) -> SignalImport:
        body = SignalImportUploadSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
        try:
            return services.signals_import(
                project=body.validated_data["project"],
                rows=signal_rows.signals_csv_rows(stream),
                source=SignalImport.Source.CSV,
                filename=upload.name or "",
                user=request.user,
            )
        except services.SignalRowsInvalid as exc:
            raise DRFValidationError({"file": exc.messages}) from exc
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict") and "header" in exc.error_dict:
                messages = [f"row 1: header: {' '.join(exc.message_dict['header'])}"]
                raise DRFValidationError({"file": messages}) from exc
            raise
        except (UnicodeDecodeError, csv.Error) as exc:
            raise DRFValidationError({"file": [_("This is not a UTF-8 CSV file.")]}) from exc
        finally:
            stream.detach()


@extend_schema_view(
    list=extend_schema(
        summary="Audience signals, newest first",
        description=(
            "Without `include_flagged=true`, exact duplicates and suspected automated signals "
            "are left out. For the producer's writing team, the signals of episodes that quiet "
            "mode locks (and not yet revealed) are left out too. `episode` is the episode "
            "number, `clip` the test clip's code; `search` looks in the text."
        ),
        parameters=[OpenApiParameter("search", str, description="Words in the text.")],
    ),
    retrieve=extend_schema(
        summary="One audience signal (flagged ones too)",
        responses={200: AudienceSignalSerializer, 404: ERRORS[404]},
    ),
)
class AudienceSignalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = AudienceSignalSerializer
    filterset_class = AudienceSignalFilter
    search_fields = ["text"]
    ordering_fields = ["posted_at", "likes"]
    ordering = ["-posted_at", "-id"]

    def get_queryset(self):
        user = self.request.user
        queryset = (
            AudienceSignal.objects.filter(project__in=audience_projects_for(user).values("pk"))
            .select_related("episode", "clip")
            .prefetch_related("terms", Prefetch("cited_by", queryset=citing_evidence()))
        )
        visible = quiet_locks_for(user).visible_q(
            project_field="project_id", episode_field="episode__number"
        )
        return queryset if visible is None else queryset.filter(visible)

    def filter_queryset(self, queryset):
        if self.action == "retrieve":
            return queryset  # the list's filters (and its default of no flagged) are for lists
        return super().filter_queryset(queryset)


# (prefix, viewset, basename) triples registered under /api/v1/ by audience/urls.py
ROUTES = [
    ("signal-imports", SignalImportViewSet, "signal-import"),
    ("signals", AudienceSignalViewSet, "audience-signal"),
]
