"""Deadlines in the API: read only, scoped to the projects the caller sees; SLAs beside them."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from common.api import IdFilter
from common.conditional import ConditionalUpdateMixin
from common.schema import error_response
from common.serializers import StrictSerializer
from workflow import deadlines
from workflow.models import SLA, Deadline, DeadlineEvent, DeadlineKind, Membership, Project

from .directory import OrganisationRefSerializer


class DeadlineProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "title", "state"]
        read_only_fields = fields


class DeadlineEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineEvent
        fields = ["kind", "at", "due_before", "due_after", "note"]
        read_only_fields = fields


class ResponsibleSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer(source="responsible_organisation", read_only=True)
    role = serializers.ChoiceField(
        source="responsible_role", choices=Membership.Role.choices, read_only=True
    )


class DeadlineSerializer(serializers.ModelSerializer):
    project = DeadlineProjectSerializer(read_only=True)
    responsible = ResponsibleSerializer(
        source="*", read_only=True, help_text="Who must act: members in this role."
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_overdue = serializers.BooleanField(
        read_only=True, help_text="Open, running, and past its due time."
    )
    events = DeadlineEventSerializer(
        many=True, read_only=True, help_text="Its history, oldest first: pauses move `due_at`."
    )

    class Meta:
        model = Deadline
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "round",
            "due_at",
            "responsible",
            "status",
            "paused_at",
            "closed_at",
            "is_overdue",
            "events",
        ]
        read_only_fields = fields


class SLASerializer(StrictSerializer):
    kind = serializers.ChoiceField(
        choices=[(kind, DeadlineKind(kind).label) for kind in deadlines.DEFAULT_SLA_DAYS],
        read_only=True,
    )
    days = serializers.IntegerField(min_value=1, max_value=365)
    is_default = serializers.BooleanField(
        read_only=True, help_text="No administrator has set it: the built-in default applies."
    )


class DeadlineFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    status = django_filters.MultipleChoiceFilter(choices=Deadline.Status.choices)
    kind = django_filters.MultipleChoiceFilter(choices=DeadlineKind.choices)

    class Meta:
        model = Deadline
        fields = ["project", "status", "kind"]


NOT_FOUND = {404: error_response("Not in your scope.")}
KIND_PARAM = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(deadlines.DEFAULT_SLA_DAYS),
    description="The stage deadline kind.",
)


@extend_schema_view(
    list=extend_schema(
        summary="Deadlines of the projects in your scope",
        description="Soonest first. Filter by `project`, `status` and `kind` (repeatable).",
    ),
    retrieve=extend_schema(
        summary="A deadline with its history", responses={200: DeadlineSerializer, **NOT_FOUND}
    ),
)
class DeadlineViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter
    ordering_fields = ["due_at", "created_at"]
    ordering = ["due_at", "id"]
    # Only an SLA is edited here; it has an ETag of its content (a default has no row).
    conditional_actions = frozenset({"sla"})
    etag_actions = frozenset({"sla"})

    def lock_for_edit(self, instance):
        list(SLA.objects.select_for_update().filter(kind=instance))
        return next(item for item in deadlines.sla_list() if item["kind"] == instance)

    def _events(self):
        return Prefetch("events", queryset=DeadlineEvent.objects.order_by("at", "id"))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deadline.objects.none()
        return deadlines.deadline_list_for(self.request.user).prefetch_related(self._events())

    @extend_schema(
        summary="Your deadlines: running, yours to act on, overdue first",
        description=(
            "Open deadlines whose responsible organisation is one of yours and whose responsible "
            "role you hold (an organisation admin sees all of the organisation's). Paused clocks "
            "wait on the producer and are left out."
        ),
        responses={200: DeadlineSerializer(many=True)},
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def mine(self, request):
        queryset = deadlines.my_deadlines(request.user).prefetch_related(self._events())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="The SLA of each stage deadline (days from entering the state)",
        responses={200: SLASerializer(many=True)},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="slas",
        pagination_class=None,
        filterset_class=None,
        serializer_class=SLASerializer,
    )
    def slas(self, request):
        return Response(SLASerializer(deadlines.sla_list(), many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The SLA of one stage deadline",
        parameters=[KIND_PARAM],
        responses={200: SLASerializer, **NOT_FOUND},
        filters=False,
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change an SLA (administrators only); open deadlines keep their due times",
        parameters=[KIND_PARAM],
        request=SLASerializer,
        responses={
            200: SLASerializer,
            400: error_response("Days outside 1 to 365."),
            403: error_response("Administrators only."),
            **NOT_FOUND,
        },
        filters=False,
    )
    @action(
        detail=False,
        methods=["get", "patch"],
        url_path=r"slas/(?P<kind>[^/.]+)",
        pagination_class=None,
        filterset_class=None,
        serializer_class=SLASerializer,
    )
    def sla(self, request, kind=None):
        if kind not in deadlines.DEFAULT_SLA_DAYS:
            raise NotFound()
        if request.method == "PATCH":
            self.check_precondition(kind)
            body = SLASerializer(data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            deadlines.sla_update(
                kind=kind, days=body.validated_data.get("days"), actor=request.user
            )
        row = next(item for item in deadlines.sla_list() if item["kind"] == kind)
        return Response(SLASerializer(row).data)


ROUTES = [("deadlines", DeadlineViewSet, "deadline")]
