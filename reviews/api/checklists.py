"""Compliance checklists over REST: the versions, an authority publishing a new one, and the
producer's confirmations."""

import django_filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from common.api import BoolFilter, IdFilter
from common.schema import error_response
from common.serializers import ScopedRelatedField, StrictSerializer
from reviews.api.filings import ProjectRefSerializer
from reviews.api.finals import (
    NOT_FOUND,
)
from reviews.models import ChecklistConfirmation, ChecklistItem, ComplianceChecklist
from reviews.selectors import finals as selectors
from reviews.services import checklists
from workflow.api.directory import OrganisationRefSerializer
from workflow.models import Organisation, Project
from workflow.selectors import organisations_of, project_list_for


class ChecklistItemSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistItem
        fields = ["id", "code", "label", "help_text", "position"]
        read_only_fields = fields

    def get_label(self, obj) -> str:
        return checklists.item_label(obj)


class ComplianceChecklistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    authority = OrganisationRefSerializer(
        allow_null=True, help_text="Null for the default checklist of authorities without one."
    )
    version = serializers.IntegerField()
    is_active = serializers.BooleanField()
    items = ChecklistItemSerializer(many=True, source="items.all")


class ChecklistFilter(django_filters.FilterSet):
    authority = IdFilter(field_name="authority_id")
    is_active = BoolFilter()
    project = IdFilter(
        method="filter_project",
        help_text="Only the checklists that apply to this project (in your scope).",
    )

    class Meta:
        model = ComplianceChecklist
        fields = ["authority", "is_active", "project"]

    def filter_project(self, queryset, name, value):
        project = project_list_for(self.request.user).filter(pk=value).first()
        if project is None:
            return queryset.none()
        return queryset.filter(
            pk__in=[entry.checklist.pk for entry in checklists.applicable_checklists(project)]
        )


class ChecklistItemInputSerializer(StrictSerializer):
    code = serializers.SlugField(
        max_length=50, help_text="Short and unique in the checklist, e.g. `music-licence`."
    )
    label = serializers.CharField(max_length=200)
    help_text = serializers.CharField(required=False, allow_blank=True)


class ChecklistPublishSerializer(StrictSerializer):
    authority = ScopedRelatedField(
        queryset=Organisation.objects.none(),
        allow_null=True,
        help_text="The regulator or platform whose checklist this is (one you administer or "
        "review for); null for the default checklist of authorities without their own "
        "(superusers).",
    )
    items = ChecklistItemInputSerializer(many=True, allow_empty=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # The authorities the caller belongs to (any role: the service says 403 to a member
            # who may not publish); others are 404.
            authorities = Organisation.objects.filter(kind__in=checklists.AUTHORITY_KINDS)
            if not request.user.is_superuser:
                authorities = authorities.filter(
                    pk__in=[o.pk for o in organisations_of(request.user)]
                )
            self.fields["authority"].queryset = authorities


@extend_schema_view(
    list=extend_schema(
        summary="List the compliance checklists",
        description="Each authority's versions and the default one; `?project=` gives those "
        "the project's producer must confirm before its cut goes to the finished-cut review.",
    ),
    retrieve=extend_schema(
        summary="A compliance checklist",
        responses={200: ComplianceChecklistSerializer, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Publish a new version of an authority's checklist",
        description="The new version is in use at once: the previous one is retired, and "
        "projects whose cut has not yet gone to the finished-cut review confirm the new "
        "version's items. Administrators and reviewers of the authority publish its "
        "checklist; superusers any, and the default one (`authority: null`).",
        request=ChecklistPublishSerializer,
        responses={
            201: ComplianceChecklistSerializer,
            400: error_response(
                "Invalid input (see `fields`): no items, an item without a code or label, two "
                "items with one code (`items.N.code`)."
            ),
            403: error_response(
                "A member of the authority who is neither its administrator nor a reviewer (or, "
                "for the default checklist, not a superuser)."
            ),
            404: error_response("An authority you do not belong to, or not an authority."),
        },
    ),
)
class ComplianceChecklistViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ComplianceChecklistSerializer
    filterset_class = ChecklistFilter
    ordering_fields = ["version", "created_at"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.checklist_list()

    def create(self, request, *args, **kwargs):
        body = ChecklistPublishSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        checklist = checklists.compliance_checklist_publish(
            authority=body.validated_data["authority"],
            actor=request.user,
            items=[dict(item) for item in body.validated_data["items"]],
        )
        fresh = self.get_queryset().get(pk=checklist.pk)
        return Response(ComplianceChecklistSerializer(fresh).data, status=status.HTTP_201_CREATED)


class ChecklistConfirmationSerializer(serializers.ModelSerializer):
    project = ProjectRefSerializer(read_only=True)
    item = ChecklistItemSerializer(read_only=True)
    checklist = serializers.IntegerField(source="item.checklist_id", read_only=True)
    checklist_version = serializers.IntegerField(source="item.checklist.version", read_only=True)
    authority = OrganisationRefSerializer(
        source="item.checklist.authority", read_only=True, allow_null=True
    )
    confirmed_by = serializers.CharField(source="confirmed_by.get_username", read_only=True)

    class Meta:
        model = ChecklistConfirmation
        fields = [
            "id",
            "project",
            "item",
            "checklist",
            "checklist_version",
            "authority",
            "reference",
            "confirmed_by",
            "confirmed_at",
        ]
        read_only_fields = fields


class NewChecklistConfirmationSerializer(StrictSerializer):
    project = ScopedRelatedField(
        queryset=Project.objects.none(), help_text="The project (in your scope)."
    )
    item = ScopedRelatedField(
        queryset=ChecklistItem.objects.all(), help_text="An item of a checklist that applies."
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=checklists.REFERENCE_MAX_LENGTH,
        help_text="Where the document is (a URL or storage key), or a note.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = project_list_for(request.user)


class ConfirmationFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    checklist = IdFilter(field_name="item__checklist_id")

    class Meta:
        model = ChecklistConfirmation
        fields = ["project", "checklist"]


CONFIRM_ERRORS = {
    403: error_response("You are not a producer of the project's company."),
    409: error_response(
        "`checklist_locked`: the project is not in a state where its checklist "
        "changes (from greenlit until the cut goes to the finished-cut review, or in final "
        "changes); `concurrent_update`."
    ),
}


@extend_schema_view(
    list=extend_schema(summary="List the checklist confirmations of your projects"),
    retrieve=extend_schema(
        summary="A checklist confirmation",
        responses={200: ChecklistConfirmationSerializer, **NOT_FOUND},
    ),
    create=extend_schema(
        summary="Confirm a checklist item for a project",
        description="Confirming an item again updates its reference.",
        request=NewChecklistConfirmationSerializer,
        responses={
            201: ChecklistConfirmationSerializer,
            400: error_response(
                "A project outside your scope, an unknown item or one of a "
                "checklist that does not apply to the project."
            ),
            **CONFIRM_ERRORS,
        },
    ),
    destroy=extend_schema(
        summary="Withdraw a checklist confirmation",
        responses={204: None, **CONFIRM_ERRORS, **NOT_FOUND},
    ),
)
class ChecklistConfirmationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ChecklistConfirmationSerializer
    filterset_class = ConfirmationFilter
    ordering_fields = ["confirmed_at"]
    ordering = ["project_id", "item__checklist_id", "item__position", "item_id"]

    def get_queryset(self):
        return selectors.checklist_confirmation_list_for(self.request.user)

    def create(self, request, *args, **kwargs):
        body = NewChecklistConfirmationSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        confirmation = checklists.checklist_item_confirm(
            project=data["project"],
            item=data["item"],
            actor=request.user,
            reference=data.get("reference", ""),
        )
        fresh = self.get_queryset().get(pk=confirmation.pk)
        return Response(ChecklistConfirmationSerializer(fresh).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        checklists.checklist_item_unconfirm(confirmation=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


ROUTES: list = [
    ("compliance-checklists", ComplianceChecklistViewSet, "compliance-checklist"),
    ("checklist-confirmations", ChecklistConfirmationViewSet, "checklist-confirmation"),
]
