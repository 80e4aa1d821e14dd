from decimal import Decimal

import django_filters
import django_filters.rest_framework
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import IdFilter, Rows
from common.conditional import ConditionalUpdateMixin
from common.errors import PermissionDenied
from common.rows import RowPlan
from common.schema import INVALID_INPUT, ROLE_MISSING, error_response
from common.serializers import PlainFieldsMixin, ScopedRelatedField, StrictSerializer
from common.values import MONEY
from workflow import selectors, services
from workflow.models import (
    Membership,
    Organisation,
    Project,
    ProjectState,
    ProjectTransition,
    ReviewTier,
)
from workflow.models.preferences import time_zone_names
from workflow.preferences import time_zone_of, user_preference_update
from workflow.visibility import memberships_of

from .directory import OrganisationRefSerializer


class StateLabelField(serializers.CharField):
    """The state's label. Not ``get_state_display``: that hashes every lazy choice label on each
    call, half the time of a page of 50 projects."""

    def to_representation(self, value):
        return self.rows_representation()(value)

    def rows_representation(self):
        """The labels of the request's language, looked up once for a page of rows."""
        language = get_language()
        labels = _STATE_LABELS.get(language)
        if labels is None:
            labels = _STATE_LABELS[language] = {s.value: str(s.label) for s in ProjectState}
        return labels.__getitem__


_STATE_LABELS: dict[str | None, dict[str, str]] = {}  # per language


class ProjectSerializer(PlainFieldsMixin, StrictSerializer, serializers.ModelSerializer):
    genre_tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False
    )
    paywall_positions = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=500, required=False
    )
    planned_budget = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        required=False,
        help_text="Planned budget in CNY, as a decimal string.",
    )
    platform = ScopedRelatedField(queryset=selectors.platform_list())
    producer = OrganisationRefSerializer(read_only=True)
    # Blank until the proposal is submitted: the schema's enum must allow it.
    review_tier = serializers.ChoiceField(
        choices=ReviewTier.choices, allow_blank=True, read_only=True
    )
    state_display = StateLabelField(source="state", read_only=True)
    joint_review_required = serializers.BooleanField(
        read_only=True, help_text="A special subject also needs the joint review."
    )

    class Meta:
        model = Project
        read_only_fields = [
            "id",
            "state",
            "review_tier",
            "tier_reason",
            "tier_changed_at",
            "review_round",
            "submitted_at",
            "created_at",
            "updated_at",
        ]
        # The proposal is what project_create and project_update accept; the workflow owns the rest.
        fields = [
            *read_only_fields,
            *services.PROPOSAL_FIELDS,
            "producer",
            "state_display",
            "joint_review_required",
        ]


_ROW_PLANS: dict[str, RowPlan] = {}


def project_row_plan() -> RowPlan:
    """``ProjectSerializer``'s representation from rows, compiled once per process."""
    plan = _ROW_PLANS.get("project")
    if plan is None:
        plan = _ROW_PLANS["project"] = RowPlan(
            ProjectSerializer(), sources={"joint_review_required": "special_subject"}
        )
    return plan


class TransitionRequestSerializer(StrictSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.COMMENT_MAX_LENGTH,
        help_text="Why: shown in the project's history and sent to the other side.",
    )


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.ChoiceField(choices=ProjectState.choices)
    sources = serializers.ListField(child=serializers.ChoiceField(choices=ProjectState.choices))
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why it is not allowed now (empty if allowed)."
    )


class ProjectTransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = ProjectTransition
        fields = [
            "id",
            "name",
            "source_state",
            "target_state",
            "actor",
            "organisation",
            "comment",
            "review_round",
            "created_at",
        ]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)
    # Blank for everyone but raters: the schema's enum must allow it.
    rater_function = serializers.ChoiceField(
        choices=Membership.RaterFunction.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Membership
        fields = ["organisation", "role", "rater_function"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    memberships = MembershipSerializer(many=True)
    time_zone = serializers.CharField(
        help_text="The IANA time zone pages show your times in (default Asia/Shanghai). "
        "API answers are ISO 8601 with their offset whatever it is."
    )


class MeUpdateSerializer(StrictSerializer):
    time_zone = serializers.CharField(
        max_length=64, help_text="An IANA time zone name, e.g. Asia/Shanghai or Europe/Berlin."
    )

    def validate_time_zone(self, value: str) -> str:
        if value not in time_zone_names():
            raise ValidationError(
                _("Unknown time zone “%(value)s”: use an IANA name such as Asia/Shanghai.")
                % {"value": value}
            )
        return value


class NamedFiltersBackend(django_filters.rest_framework.DjangoFilterBackend):
    """Builds the filter set (a form, validated) only when the request names one of its
    filters: an unfiltered page of the list skips that work, a filtered one is unchanged."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ProjectFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ProjectState.choices)
    platform = IdFilter(field_name="platform_id")
    producer = IdFilter(field_name="producer_id")
    review_tier = django_filters.CharFilter()

    class Meta:
        model = Project
        fields = ["state", "platform", "producer", "review_tier"]


ERRORS = {
    400: INVALID_INPUT,
    403: ROLE_MISSING,
    404: error_response("No such project in your scope."),
}
CONFLICT = {
    409: error_response(
        "`transition_not_allowed` (wrong state), `decision_required` (a transition only a "
        "decision makes; the message names its endpoint), `conditions_not_met` (with "
        "`reasons`), `concurrent_update` (someone else is changing the project) or "
        "`project_locked`."
    )
}
PRODUCER_ORG_PARAM = OpenApiParameter(
    "organisation",
    OpenApiTypes.INT,
    description=(
        "For users who produce for several companies: the company the new proposal belongs to. "
        "Not needed when you belong to one."
    ),
)


@extend_schema_view(
    list=extend_schema(summary="List the projects in your scope"),
    retrieve=extend_schema(summary="A project", responses={200: ProjectSerializer, **ERRORS}),
    create=extend_schema(
        summary="Create a proposal in your producer company",
        parameters=[PRODUCER_ORG_PARAM],
        responses={201: ProjectSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "A vertical pay-to-unlock drama",
                request_only=True,
                value={
                    "title": "闪婚后，豪门老公藏不住了",
                    "logline": "A flash marriage to a stranger who turns out to own the city.",
                    "synopsis": "She married a stranger to escape her family...",
                    "genre_tags": ["romance", "CEO"],
                    "episode_count": 80,
                    "episode_length_seconds": 90,
                    "monetisation": "pay_to_unlock",
                    "free_episodes": 10,
                    "paywall_positions": [11, 30],
                    "platform": 3,
                    "planned_budget": "450000.00",
                },
            )
        ],
    ),
    update=extend_schema(
        summary="Replace the proposal", responses={200: ProjectSerializer, **ERRORS, **CONFLICT}
    ),
    partial_update=extend_schema(
        summary="Edit the proposal (draft or revising only)",
        responses={200: ProjectSerializer, **ERRORS, **CONFLICT},
    ),
)
class ProjectViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    filter_backends = [NamedFiltersBackend, filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["title"]
    ordering_fields = ["created_at", "updated_at", "title", "planned_budget", "state"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        # The serializer shows the platform as its id: no join, no organisation per row.
        return (
            selectors.project_list_for(self.request.user)
            .select_related(None)
            .select_related("producer")
        )

    def list(self, request, *args, **kwargs):
        # Rows, not instances: the same body as the serializer's, a fraction of the time.
        queryset = self.filter_queryset(self.get_queryset())
        plan = project_row_plan()
        page = self.paginate_queryset(Rows(queryset, plan.columns))
        return self.get_paginated_response(plan.render(page))

    def lock_for_edit(self, instance):
        return services.project_lock(instance.pk)

    def _producer_for_create(self) -> Organisation:
        companies = selectors.producer_organisations_of(self.request.user)
        wanted = self.request.query_params.get("organisation")
        if wanted is not None:
            match = [c for c in companies if str(c.pk) == wanted]
            if not match:
                raise ValidationError(
                    {"organisation": [_("You are not a producer of this company.")]}
                )
            return match[0]
        if len(companies) == 1:
            return companies[0]
        if not companies:
            raise PermissionDenied(_("Only producers can create proposals."))
        raise ValidationError(
            {
                "organisation": [
                    _("You produce for several companies; name one with ?organisation=.")
                ]
            }
        )

    def perform_create(self, serializer):
        serializer.instance = services.project_create(
            actor=self.request.user,
            producer=self._producer_for_create(),
            data=dict(serializer.validated_data),
        )

    def perform_update(self, serializer):
        serializer.instance = services.project_update(
            project=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    @extend_schema(
        summary="Every transition, whether you can take it now, and why not",
        responses={200: TransitionOptionSerializer(many=True), 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], url_path="transitions", pagination_class=None)
    def transitions(self, request, pk=None):
        project = self.get_object()
        options = selectors.transition_options(project, request.user)
        return Response(TransitionOptionSerializer(options, many=True).data)

    @extend_schema(
        summary="Fire a transition",
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=selectors.fireable_transition_names(),
                description=(
                    "The transition; `GET .../transitions/` lists them with reasons. The "
                    "transitions a decision makes ("
                    + ", ".join(
                        f"`{name}`"
                        for name in selectors.transition_names()
                        if selectors.decided_by(name)
                    )
                    + ") are not fired here: they answer 409 `decision_required`, naming the "
                    "decide endpoint to use."
                ),
            )
        ],
        request=TransitionRequestSerializer,
        responses={200: ProjectSerializer, **ERRORS, **CONFLICT},
        examples=[
            OpenApiExample(
                "With a comment",
                request_only=True,
                value={"comment": "Budget reduced to 280,000 as agreed."},
            ),
            OpenApiExample(
                "Wrong state",
                response_only=True,
                status_codes=["409"],
                value={
                    "code": "transition_not_allowed",
                    "detail": "“greenlight” is not possible while the project is Draft.",
                },
            ),
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"transitions/(?P<name>[^/.]+)",
        serializer_class=TransitionRequestSerializer,
    )
    def transition(self, request, pk=None, name=None):
        body = TransitionRequestSerializer(data=request.data)
        if not body.is_valid():
            self.get_object()  # a project outside the caller's scope is 404 first
            raise ValidationError(body.errors)
        if not str(pk).isdigit():
            raise Http404
        try:
            # The scope is checked by the lock's query: one query, not a read and a lock.
            project = services.project_transition_in_scope(
                project_id=int(pk),
                scope=self.get_queryset(),
                name=name,
                actor=request.user,
                comment=body.validated_data.get("comment", ""),
            )
        except Project.DoesNotExist as exc:
            raise Http404 from exc
        return Response(ProjectSerializer(project, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The project's audit trail, oldest first",
        responses={200: ProjectTransitionSerializer(many=True), 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        project = self.get_object()
        entries = selectors.project_history(project)
        return Response(ProjectTransitionSerializer(entries, many=True).data)


class MeView(APIView):
    def _me(self, request, time_zone: str | None = None):
        return MeSerializer(
            {
                "username": request.user.get_username(),
                "memberships": memberships_of(request.user),
                "time_zone": time_zone or time_zone_of(request.user),
            }
        ).data

    @extend_schema(
        summary="Who you are, the organisations you act for and your time zone",
        responses=MeSerializer,
    )
    def get(self, request):
        return Response(self._me(request))

    @extend_schema(
        summary="Change your time zone",
        request=MeUpdateSerializer,
        responses={200: MeSerializer, 400: INVALID_INPUT},
    )
    def patch(self, request):
        # A PATCH: what is left out stays as it is (an empty body changes nothing).
        body = MeUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "time_zone" not in body.validated_data:
            return Response(self._me(request))
        preference = user_preference_update(
            user=request.user, time_zone=body.validated_data["time_zone"]
        )
        return Response(self._me(request, preference.time_zone))


ROUTES = [("projects", ProjectViewSet, "project")]
