"""The finished-cut review in the API: its steps, the decider's queue and decision, the platform's
periodic report, losses (the compliance checklists and confirmations: ``checklists``)."""

from datetime import date

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter
from common.errors import PermissionDenied
from common.schema import error_response
from common.serializers import IdField, StrictSerializer
from common.spreadsheets import csv_text
from reviews.api.feedback import NewFeedbackItemSerializer
from reviews.api.filings import ProjectRefSerializer
from reviews.models import ProjectLoss, RegulatoryReview
from reviews.selectors import finals as selectors
from reviews.services import finals as services
from reviews.services.filings import Outcome
from workflow.api.directory import OrganisationRefSerializer
from workflow.services import COMMENT_MAX_LENGTH

# Finished-cut review steps -----------------------------------------------------------------


class FinalReviewSerializer(serializers.ModelSerializer):
    project = ProjectRefSerializer(read_only=True)
    authority = OrganisationRefSerializer(read_only=True)
    step = serializers.SerializerMethodField(
        help_text="The step in words: the first review, the national re-review, the joint review."
    )
    clearance_number = serializers.CharField(
        source="filing_number",
        read_only=True,
        help_text="The number the approval that completed the review recorded (else blank).",
    )
    decided_by = serializers.CharField(
        source="decided_by.get_username", read_only=True, allow_null=True, default=None
    )
    waiting_for_earlier_step = serializers.BooleanField(
        read_only=True,
        help_text="True while an earlier step of the round is not approved: this step cannot be "
        "decided yet.",
    )

    class Meta:
        model = RegulatoryReview
        fields = [
            "id",
            "project",
            "authority",
            "sequence",
            "step",
            "round",
            "tier",
            "status",
            "clearance_number",
            "comment",
            "decided_by",
            "decided_at",
            "waiting_for_earlier_step",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_step(self, obj) -> str:
        return services.step_name(obj.sequence, obj.authority.name)


class FinalDecisionSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.CHOICES)
    clearance_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.CLEARANCE_NUMBER_MAX_LENGTH,
        help_text="Required on the approval that completes the review (and refused on any "
        "other): the distribution licence (KEY), online filing registration (ORDINARY) or "
        "platform approval (OTHER) number.",
    )
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Optional, with the clearance number: the last day the number is valid.",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=COMMENT_MAX_LENGTH,
        help_text="Required to reject; shown to the producer and in the project's history.",
    )
    items = NewFeedbackItemSerializer(
        many=True,
        required=False,
        help_text="Required to request changes: the findings (at least one), with episode and "
        "timecode where they apply.",
    )


class FinalReviewFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    authority = IdFilter(field_name="authority_id")
    status = django_filters.MultipleChoiceFilter(choices=RegulatoryReview.Status.choices)
    round = IdFilter()
    sequence = IdFilter()

    class Meta:
        model = RegulatoryReview
        fields = ["project", "authority", "status", "round", "sequence"]


class PlatformReportRowSerializer(serializers.Serializer):
    platform = serializers.CharField(source="authority.name")
    project_id = serializers.IntegerField(source="project.pk")
    title = serializers.CharField(source="project.title")
    producer = serializers.CharField(source="project.producer.name")
    episode_count = serializers.IntegerField(source="project.episode_count")
    round = serializers.IntegerField()
    outcome = serializers.ChoiceField(source="status", choices=RegulatoryReview.Status.choices)
    approval_number = serializers.CharField(source="filing_number")
    decided_by = serializers.CharField(source="decided_by.get_username", default=None)
    decided_at = serializers.DateTimeField()


# The days ``selectors.validate_report_day`` accepts, as the schema can state them.
REPORT_DAY_PATTERN = r"^20[0-9]{2}-"


class PlatformReportQuerySerializer(StrictSerializer):
    # "from" is a keyword: the fields are declared under other names and renamed below.
    date_from = serializers.DateField(validators=[selectors.validate_report_day])
    date_to = serializers.DateField(validators=[selectors.validate_report_day])
    platform = IdField(required=False)
    format = serializers.ChoiceField(choices=["json", "csv"], required=False)

    def to_internal_value(self, data):
        renamed = {
            {"from": "date_from", "to": "date_to"}.get(key, key): value
            for key, value in data.items()
        }
        try:
            return super().to_internal_value(renamed)
        except serializers.ValidationError as exc:
            names = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError(
                {names.get(key, key): value for key, value in exc.detail.items()}
            ) from exc

    def validate(self, attrs):
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": _("The period ends before it starts.")})
        return attrs


class ReportCSVRenderer(renderers.BaseRenderer):
    """Rows as CSV, through the CSV the admin's export writes too (``common.spreadsheets``)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):  # an error body
            text = csv_text(None, data.items())
        elif data:
            text = csv_text(list(data[0]), (row.values() for row in data))
        else:
            text = "\ufeff"
        return text.encode(self.charset)


NOT_FOUND = {404: error_response("No such object in your scope.")}
DECIDE_ERRORS = {
    400: error_response(
        "Invalid input (see `fields`): a missing comment or items, a clearance "
        "number missing on the completing approval or given on another step, a number already "
        "in the register or of the wrong shape, an invalid finding (`items.N.field`)."
    ),
    403: error_response(
        "You are not a reviewer of the step's authority (for OTHER: a content "
        "manager of the platform)."
    ),
    **NOT_FOUND,
    409: error_response(
        "`review_not_pending`, `earlier_step_pending`, "
        "`project_not_in_final_review`, `concurrent_update`, or a transition error."
    ),
}


@extend_schema_view(
    list=extend_schema(
        summary="List the finished-cut review steps in your scope",
        description="Producers and platforms see the steps of their projects; a regulator the "
        "steps it is the authority of and the other steps of the projects routed to it.",
    ),
    retrieve=extend_schema(
        summary="A finished-cut review step", responses={200: FinalReviewSerializer, **NOT_FOUND}
    ),
)
class FinalReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FinalReviewSerializer
    filterset_class = FinalReviewFilter
    search_fields = ["project__title", "filing_number"]
    ordering_fields = ["created_at", "decided_at", "round"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.final_review_list_for(self.request.user)

    @extend_schema(
        summary="Your queue: pending finished-cut steps you can decide now",
        description="Pending steps of the authorities you decide for (a regulator you review "
        "for; for OTHER projects, a platform you are a content manager of), oldest first, "
        "without those still waiting for an earlier step.",
        responses=FinalReviewSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filterset_class=None, ordering=None)
    def queue(self, request):
        page = self.paginate_queryset(selectors.final_review_queue_for(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Decide a pending step: approve, request changes or reject",
        request=FinalDecisionSerializer,
        responses={200: FinalReviewSerializer, **DECIDE_ERRORS},
        examples=[
            OpenApiExample(
                "Approve (completes the review)",
                request_only=True,
                value={"outcome": "approve", "clearance_number": "（沪）网剧备字（2026）第015号"},
            ),
            OpenApiExample(
                "Approve (an earlier step)", request_only=True, value={"outcome": "approve"}
            ),
            OpenApiExample(
                "Request changes",
                request_only=True,
                value={
                    "outcome": "request_changes",
                    "comment": "Fix before release.",
                    "items": [
                        {
                            "text": "Blur the brand logo.",
                            "category": "compliance",
                            "severity": "must_fix",
                            "episode": 12,
                            "timecode": "01:05",
                        }
                    ],
                },
            ),
            OpenApiExample(
                "Reject",
                request_only=True,
                value={"outcome": "reject", "comment": "The drama glorifies gambling."},
            ),
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=FinalDecisionSerializer)
    def decide(self, request, pk=None):
        review = self.get_object()
        body = FinalDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.final_review_decide(
            review=review,
            actor=request.user,
            outcome=data["outcome"],
            clearance_number=data.get("clearance_number", ""),
            expires_on=data.get("expires_on"),
            comment=data.get("comment", ""),
            items=[dict(item) for item in data.get("items", [])],
        )
        return Response(FinalReviewSerializer(self.get_queryset().get(pk=review.pk)).data)

    @extend_schema(
        summary="The platform's periodic report: titles it reviewed itself",
        description="The finished-cut steps your platform decided as the authority of OTHER "
        "projects, decided from `from` to `to` (local dates, inclusive), for the report to its "
        "provincial bureau. JSON, or CSV with `?format=csv` or `Accept: text/csv`. Content "
        "managers only.",
        parameters=[
            *(
                OpenApiParameter(
                    name,
                    OpenApiTypes.DATE,
                    required=True,
                    pattern=REPORT_DAY_PATTERN,
                    description=f"{what} day, from 2000-01-01 to 2099-12-31.",
                )
                for name, what in (("from", "The first"), ("to", "The last"))
            ),
            OpenApiParameter(
                "platform",
                {"type": "integer", "minimum": 1},
                description="One of your platforms (default: all of them).",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={
            200: PlatformReportRowSerializer(many=True),
            400: error_response(
                "A missing or invalid date, a day outside 2000-01-01 to 2099-12-31, "
                "or `from` after `to`."
            ),
            403: error_response("You are not a content manager of a platform."),
            **NOT_FOUND,
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="platform-report",
        filterset_class=None,
        ordering=None,
        pagination_class=None,
        renderer_classes=[renderers.JSONRenderer, ReportCSVRenderer],
    )
    def platform_report(self, request):
        query = PlatformReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        platforms = {p.pk: p for p in selectors.report_platforms_of(request.user)}
        if not platforms:
            raise PermissionDenied(_("Only a platform's content managers read its report."))
        wanted = query.validated_data.get("platform")
        if wanted is not None:
            if wanted not in platforms:
                raise Http404
            platforms = {wanted: platforms[wanted]}
        date_from: date = query.validated_data["date_from"]
        date_to: date = query.validated_data["date_to"]
        rows = selectors.platform_report(list(platforms), date_from, date_to)
        response = Response(PlatformReportRowSerializer(rows, many=True).data)
        if getattr(request.accepted_renderer, "format", "") == "csv":
            response["Content-Disposition"] = (
                f'attachment; filename="platform-report-{date_from}-{date_to}.csv"'
            )
        return response


# Compliance checklists ---------------------------------------------------------------------


# Losses ----------------------------------------------------------------------------------------


class ProjectLossSerializer(serializers.ModelSerializer):
    project = ProjectRefSerializer(read_only=True)
    review = serializers.IntegerField(source="review_id", read_only=True)
    authority = OrganisationRefSerializer(source="review.authority", read_only=True)

    class Meta:
        model = ProjectLoss
        fields = ["id", "project", "amount", "review", "authority", "recorded_at", "note"]
        read_only_fields = fields


class ProjectLossFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")

    class Meta:
        model = ProjectLoss
        fields = ["project"]


@extend_schema_view(
    list=extend_schema(
        summary="List the losses of rejected projects in your scope",
        description="Recorded when the finished-cut review rejects a project: the approved "
        "budget's total (else the planned budget).",
    ),
    retrieve=extend_schema(
        summary="A project's loss", responses={200: ProjectLossSerializer, **NOT_FOUND}
    ),
)
class ProjectLossViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProjectLossSerializer
    filterset_class = ProjectLossFilter
    ordering_fields = ["recorded_at", "amount"]
    ordering = ["-recorded_at", "-id"]

    def get_queryset(self):
        return selectors.project_loss_list_for(self.request.user)


# (prefix, viewset, basename) triples registered under /api/v1/ by reviews/urls.py
ROUTES: list = [
    ("final-reviews", FinalReviewViewSet, "final-review"),
    ("project-losses", ProjectLossViewSet, "project-loss"),
]
