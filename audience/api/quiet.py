"""Quiet mode: the rules that hide a project's episodes from its writers until they are ready.

``/api/v1/quiet-rules/`` lists the quiet mode rules of the projects in scope; the writing team
creates and ends them, and each writer reveals one for themselves (``POST .../{id}/reveal/``).
"""

import django_filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audience.api.feedback import (
    ENDED,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
)
from audience.models import QuietRule
from audience.selectors import is_writing_team
from audience.selectors.quiet import quiet_rule_list_for
from audience.services import quiet as services
from common.api import BoolFilter, IdFilter
from common.serializers import ScopedIdField, StrictSerializer

from .common import scoped_project


class QuietRuleSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(source="project.title", read_only=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    revealed_by_you = serializers.BooleanField(read_only=True)
    hides_from_you = serializers.SerializerMethodField(
        help_text="Active, you are in the writing team and have not revealed it."
    )

    class Meta:
        model = QuietRule
        fields = [
            "id",
            "project",
            "project_title",
            "first_episode",
            "last_episode",
            "active",
            "note",
            "created_by",
            "created_at",
            "updated_at",
            "revealed_by_you",
            "hides_from_you",
        ]
        read_only_fields = fields

    def get_hides_from_you(self, rule) -> bool:
        user = self.context["request"].user
        return rule.active and not rule.revealed_by_you and is_writing_team(user, rule.project)


class QuietRuleCreateSerializer(StrictSerializer):
    project = ScopedIdField(help_text="The project (in your scope).")
    first_episode = serializers.IntegerField(
        min_value=1,
        max_value=32767,
        required=False,
        allow_null=True,
        help_text="First locked episode; omit for episode 1.",
    )
    last_episode = serializers.IntegerField(
        min_value=1,
        max_value=32767,
        required=False,
        allow_null=True,
        help_text="Last locked episode; omit for the last. Omit both to lock the whole project, "
        "test clips included.",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class QuietRuleFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    active = BoolFilter(field_name="active")

    class Meta:
        model = QuietRule
        fields = ["project", "active"]


@extend_schema_view(
    list=extend_schema(
        summary="Quiet mode rules of the projects in your scope (`?project=`, `?active=`)",
        description="Producer company and the commissioning platform's content managers.",
    ),
    retrieve=extend_schema(
        summary="A quiet mode rule", responses={200: QuietRuleSerializer, **NOT_FOUND}
    ),
)
class QuietRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = QuietRuleSerializer
    filterset_class = QuietRuleFilter
    ordering_fields = ["created_at", "first_episode"]
    ordering = ["project_id", "-active", "first_episode", "id"]

    def get_queryset(self):
        return quiet_rule_list_for(self.request.user)

    def _respond(self, rule: QuietRule, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=rule.pk)).data, status=code)

    @extend_schema(
        summary="Lock episodes for the writing team (quiet mode)",
        description=(
            "The writing team (producers and org admins of the producer company). While active, "
            "the episodes' signals and release metrics are hidden from every writer who has not "
            "revealed the rule; platform staff are not affected."
        ),
        request=QuietRuleCreateSerializer,
        responses={201: QuietRuleSerializer, **INVALID, **FORBIDDEN},
        examples=[
            OpenApiExample(
                "Episodes 11 to 20",
                request_only=True,
                value={"project": 7, "first_episode": 11, "last_episode": 20, "note": "batch 2"},
            )
        ],
    )
    def create(self, request):
        body = QuietRuleCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        project = scoped_project(request.user, data["project"])
        rule = services.quiet_rule_create(
            project=project,
            actor=request.user,
            first_episode=data.get("first_episode"),
            last_episode=data.get("last_episode"),
            note=data["note"],
        )
        return self._respond(rule, status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a quiet mode rule: the whole writing team sees the episodes again",
        request=None,
        responses={200: QuietRuleSerializer, **FORBIDDEN, **NOT_FOUND, **ENDED},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def end(self, request, pk=None):
        rule = services.quiet_rule_end(rule=self.get_object(), actor=request.user)
        return self._respond(rule)

    @extend_schema(
        summary="Show me: see what a quiet mode rule hides (for you only)",
        description="A writer of the producer company; the rest of the team still does not see "
        "it. Revealing again changes nothing.",
        request=None,
        responses={200: QuietRuleSerializer, **FORBIDDEN, **NOT_FOUND, **ENDED},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reveal(self, request, pk=None):
        rule = self.get_object()
        services.quiet_rule_reveal(rule=rule, actor=request.user)
        return self._respond(rule)


ROUTES: list = [("quiet-rules", QuietRuleViewSet, "quiet-rule")]
