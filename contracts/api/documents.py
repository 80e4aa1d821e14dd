"""Documents: upload (multipart), list and read their metadata; the file itself comes from
``/api/v1/documents/{id}/download/`` (``contracts.views``).

Each kind is visible to whoever may see the object it belongs to (``contracts.selectors.
documents``); anything else is 404. Documents are append-only: a newer upload of the same kind
supersedes the older one (``superseded`` is true on it); there is no update or delete.
"""

import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api import IdFilter
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, ROLE_MISSING, error_response
from common.serializers import ScopedRelatedField, StrictSerializer
from contracts.models import Contract, Document
from contracts.selectors.agreements import contract_list_for
from contracts.selectors.documents import document_list_for
from contracts.services.documents import ALLOWED_TYPES, allowed_types_label, document_upload
from reviews.models import Clearance
from reviews.selectors.clearances import clearance_list_for
from workflow.models import Project
from workflow.selectors import project_list_for

ERRORS = {
    400: INVALID_INPUT,
    403: ROLE_MISSING,
    404: NOT_IN_SCOPE,
}
KIND_RULES = "; ".join(f"`{kind}`: {allowed_types_label(kind)}" for kind in ALLOWED_TYPES)


class DocumentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.get_username", read_only=True)
    superseded = serializers.BooleanField(
        read_only=True, help_text="A later upload of the same kind (for the same object) exists."
    )
    download_url = serializers.SerializerMethodField(
        help_text="Where the file is streamed from (same credentials as this request)."
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "contract",
            "clearance",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "superseded",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, document: Document) -> str:
        path = reverse("v1:document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class DocumentUploadSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices, help_text=KIND_RULES)
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    contract = ScopedRelatedField(
        queryset=Contract.objects.none(),
        required=False,
        allow_null=True,
        help_text="For a signed contract: the contract version it is a copy of (signed or later).",
    )
    clearance = ScopedRelatedField(
        queryset=Clearance.objects.none(),
        required=False,
        allow_null=True,
        help_text="For a clearance scan: the clearance it is a scan of.",
    )
    file = serializers.FileField(
        allow_empty_file=True,  # the service refuses it, with the same message everywhere
        help_text="The file; its type is read from its bytes and must match its extension.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["project"].queryset = project_list_for(user)
            self.fields["contract"].queryset = contract_list_for(user)
            self.fields["clearance"].queryset = clearance_list_for(user)


class DocumentFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    kind = django_filters.ChoiceFilter(choices=Document.Kind.choices)
    contract = IdFilter(field_name="contract_id")
    clearance = IdFilter(field_name="clearance_id")

    class Meta:
        model = Document
        fields = ["project", "kind", "contract", "clearance"]


@extend_schema_view(
    list=extend_schema(
        summary="Documents you may see, newest first",
        description="Filter with `?project=`, `?kind=`, `?contract=` and `?clearance=`.",
    ),
    retrieve=extend_schema(
        summary="A document's metadata and download address",
        responses={200: DocumentSerializer, 404: ERRORS[404]},
    ),
    create=extend_schema(
        summary="Upload a document (multipart/form-data)",
        description=(
            "A signed contract (either party, once the producer has signed), a clearance's "
            "scan (the issuer or the producer), a script or synopsis (the producer, while the "
            "project is open; under a work-for-hire contract the platform's content manager "
            f"uploads the script). Allowed types by kind: {KIND_RULES}. The type is read from "
            "the file's bytes. An empty file or one above the size limit "
            "(`MDPROD_DOCUMENT_MAX_MB`, default 20) is refused on `file`."
        ),
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: DocumentSerializer,
            **ERRORS,
            409: error_response(
                "`documents_closed` (the project is completed, rejected or "
                "withdrawn) or `concurrent_update`."
            ),
        },
        examples=[
            OpenApiExample(
                "A clearance's scan",
                request_only=True,
                value={"kind": "clearance_scan", "project": 7, "clearance": 3, "file": "..."},
            )
        ],
    ),
)
class DocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["uploaded_at", "size"]
    ordering = ["-uploaded_at", "-id"]

    def get_queryset(self):
        return document_list_for(self.request.user)

    def create(self, request, *args, **kwargs):
        body = DocumentUploadSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        document = document_upload(
            project=data["project"],
            kind=data["kind"],
            file=data["file"],
            actor=request.user,
            contract=data.get("contract"),
            clearance=data.get("clearance"),
        )
        fresh = self.get_queryset().get(pk=document.pk)  # every uploader may see it
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


ROUTES: list = [("documents", DocumentViewSet, "document")]
