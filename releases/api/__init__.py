"""The release gate: credits confirmation and the release schedule, per project.

A project's release row appears with its first credits confirmation or schedule. Releasing by
hand is the workflow's transition (``POST /api/v1/projects/{id}/transitions/release/``); its
"why not" list names what the gate still needs. A project named in a body must be in the
caller's scope (404 otherwise, as in a path).
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import IdFilter
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, ROLE_MISSING, error_response
from common.serializers import ScopedIdField, StrictSerializer
from releases import services
from releases.models import Release
from releases.selectors import release_list_for
from reviews.models import Clearance
from workflow.models import ProjectState
from workflow.selectors import project_in_scope

ERRORS = {400: INVALID_INPUT, 403: ROLE_MISSING, 404: NOT_IN_SCOPE}
CONFLICT = {
    409: error_response(
        "`release_conflict` (the project's state does not allow it, or nothing is "
        "scheduled) or `concurrent_update`."
    )
}


class ReleaseClearanceSerializer(serializers.ModelSerializer):
    issued_by = serializers.CharField(source="issued_by.name", read_only=True)

    class Meta:
        model = Clearance
        fields = ["id", "kind", "number", "issued_by", "issued_at", "expires_on"]
        read_only_fields = fields


class ReleaseSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(source="project.title", read_only=True)
    project_state = serializers.ChoiceField(
        source="project.state", choices=ProjectState.choices, read_only=True
    )
    clearance = ReleaseClearanceSerializer(
        read_only=True, allow_null=True, help_text="The clearance whose number is in the credits."
    )
    credits_confirmed_by = serializers.CharField(
        source="credits_confirmed_by.get_username", read_only=True, allow_null=True, default=None
    )
    scheduled_by = serializers.CharField(
        source="scheduled_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Release
        fields = [
            "id",
            "project",
            "project_title",
            "project_state",
            "clearance",
            "credits_confirmed_by",
            "credits_confirmed_at",
            "scheduled_for",
            "scheduled_by",
            "released_at",
            "updated_at",
        ]
        read_only_fields = fields


class CreditsConfirmSerializer(StrictSerializer):
    project = ScopedIdField(help_text="The project (in your scope).")
    clearance = serializers.IntegerField(
        min_value=1, help_text="The project's clearance whose number is shown in the credits."
    )


class ReleaseScheduleSerializer(StrictSerializer):
    project = ScopedIdField(help_text="The project (in your scope).")
    on = serializers.DateField(
        help_text="The release day (China time): today or later, at most two years ahead."
    )


class ReleaseProjectSerializer(StrictSerializer):
    project = ScopedIdField(help_text="The project (in your scope).")


class ReleaseFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    state = django_filters.ChoiceFilter(
        choices=[("scheduled", _("Scheduled, not yet live")), ("released", _("Has gone live"))],
        method="filter_state",
        label=_("State"),
    )

    class Meta:
        model = Release
        fields = ["project", "state"]

    def filter_state(self, queryset, name, value):
        if value == "scheduled":
            return queryset.filter(Q(scheduled_for__isnull=False) & Q(released_at__isnull=True))
        return queryset.filter(released_at__isnull=False)


def _gate_action(summary: str, description: str, request, example: dict):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={200: ReleaseSerializer, **ERRORS, **CONFLICT},
        examples=[OpenApiExample("Example", request_only=True, value=example)],
    )


@extend_schema_view(
    list=extend_schema(
        summary="Release gates of the projects in your scope",
        description="`?project=`, `?state=scheduled` (not yet live) or `?state=released`.",
    ),
    retrieve=extend_schema(
        summary="A project's release gate", responses={200: ReleaseSerializer, 404: ERRORS[404]}
    ),
)
class ReleaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReleaseSerializer
    filterset_class = ReleaseFilter
    ordering_fields = ["updated_at", "scheduled_for", "released_at"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return release_list_for(self.request.user)

    def _respond(self, gate: Release) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=gate.pk)).data)

    @_gate_action(
        "Confirm the clearance number is shown in the opening credits",
        "A producer of the project's company, while it is cleared or taken down. The "
        "confirmation belongs to that clearance (of the tier's kind, not expired): a new "
        "clearance needs a new confirmation.",
        CreditsConfirmSerializer,
        {"project": 7, "clearance": 12},
    )
    @action(detail=False, methods=["post"], url_path="confirm-credits", filterset_class=None)
    def confirm_credits(self, request):
        body = CreditsConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = project_in_scope(request.user, body.validated_data["project"])
        clearance = Clearance.objects.filter(
            pk=body.validated_data["clearance"], project=project
        ).first()
        if clearance is None:
            raise serializers.ValidationError(
                {"clearance": [_("This project has no such clearance.")]}
            )
        gate = services.credits_confirm(project=project, actor=request.user, clearance=clearance)
        return self._respond(gate)

    @_gate_action(
        "Schedule the release",
        "A content manager of the commissioning platform, while the project is cleared. On "
        "that day (China time) the drama is released as you, if the gate's conditions hold "
        "then; scheduling again moves the date.",
        ReleaseScheduleSerializer,
        {"project": 7, "on": "2026-12-01"},
    )
    @action(detail=False, methods=["post"], filterset_class=None)
    def schedule(self, request):
        body = ReleaseScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = project_in_scope(request.user, body.validated_data["project"])
        gate = services.release_schedule(
            project=project, actor=request.user, on=body.validated_data["on"]
        )
        return self._respond(gate)

    @_gate_action(
        "Cancel the scheduled release",
        "A content manager of the commissioning platform, while the project is cleared.",
        ReleaseProjectSerializer,
        {"project": 7},
    )
    @action(detail=False, methods=["post"], filterset_class=None)
    def unschedule(self, request):
        body = ReleaseProjectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        project = project_in_scope(request.user, body.validated_data["project"])
        gate = services.release_unschedule(project=project, actor=request.user)
        return self._respond(gate)


ROUTES: list = [("releases", ReleaseViewSet, "release")]
