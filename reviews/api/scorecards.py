"""The scorecards API: a rater's blind scores on a proposal, saved as drafts and submitted once."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from common.api import BoolFilter, IdFilter
from common.conditional import ConditionalUpdateMixin
from common.serializers import IdField, StrictSerializer
from reviews.api.evaluations import (
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    ScorecardSerializer,
    conflict,
)
from reviews.models import Evaluation, Scorecard
from reviews.selectors import evaluations as selectors
from reviews.services import evaluations as services
from reviews.services import scorecards


class ScoreInputSerializer(StrictSerializer):
    criterion = IdField(help_text="A criterion id of the evaluation's rubric.")
    value = serializers.IntegerField(
        min_value=1, max_value=10, allow_null=True, help_text="1 to 10; null clears the score."
    )


class ScorecardInputSerializer(StrictSerializer):
    scores = ScoreInputSerializer(many=True, required=False)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=services.COMMENT_MAX_LENGTH
    )

    def validate_scores(self, value):
        seen = [item["criterion"] for item in value]
        if len(seen) != len(set(seen)):
            raise ValidationError(_("Score each criterion once."))
        return value

    def service_kwargs(self) -> dict:
        data = self.validated_data
        kwargs = {"comment": data.get("comment")}
        if "scores" in data:
            kwargs["scores"] = {item["criterion"]: item["value"] for item in data["scores"]}
        return kwargs


class ScorecardFilter(django_filters.FilterSet):
    evaluation = IdFilter(field_name="evaluation_id")
    project = IdFilter(field_name="evaluation__project_id")
    status = django_filters.ChoiceFilter(choices=Scorecard.Status.choices)
    mine = BoolFilter(
        method="filter_mine", label="Only your own scorecards (`mine=true&status=invited`: to do)."
    )

    class Meta:
        model = Scorecard
        fields = ["evaluation", "project", "status", "mine"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(rater=user) if value else queryset.exclude(rater=user)


@extend_schema_view(
    list=extend_schema(
        summary="List the scorecards you may see",
        description=(
            "Raters: their own (`?mine=true&status=invited` are the ones to fill in) and, "
            "for evaluations where they have submitted, the other submitted ones. Content "
            "managers: every invitation of their platform, with scores once submitted."
        ),
    ),
    retrieve=extend_schema(
        summary="A scorecard", responses={200: ScorecardSerializer, **NOT_FOUND}
    ),
)
class ScorecardViewSet(
    ConditionalUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    ordering_fields = ["created_at", "submitted_at"]
    ordering = ["-created_at", "-id"]
    conditional_actions = frozenset({"partial_update"})
    etag_actions = frozenset({"retrieve", "partial_update"})

    def get_queryset(self):
        return selectors.scorecard_list_for(self.request.user)

    def lock_for_edit(self, instance):
        # The scorecard services lock the evaluation, then the card: the same order here.
        Evaluation.objects.select_for_update(of=("self",)).filter(pk=instance.evaluation_id).first()
        return Scorecard.objects.select_for_update(of=("self",)).get(pk=instance.pk)

    def _answer(self, card):
        card = self.get_queryset().get(pk=card.pk)
        return Response(ScorecardSerializer(card, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Save your scores and comment (until you submit)",
        description=(
            "Scores not named keep their value; `value: null` clears one. Last write wins."
        ),
        request=ScorecardInputSerializer,
        responses={
            200: ScorecardSerializer,
            **INVALID,
            **FORBIDDEN,
            **NOT_FOUND,
            **conflict("`scorecard_submitted` or `evaluation_closed`."),
        },
        examples=[
            OpenApiExample(
                "Two scores and a comment",
                request_only=True,
                value={
                    "scores": [{"criterion": 1, "value": 8}, {"criterion": 2, "value": 6}],
                    "comment": "Strong hook, familiar premise.",
                },
            )
        ],
    )
    def partial_update(self, request, pk=None):
        card = self.get_object()
        body = ScorecardInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = scorecards.scorecard_save(
            scorecard=card, actor=request.user, **body.service_kwargs()
        )
        return self._answer(card)

    @extend_schema(
        summary="Submit your scorecard (every criterion scored); it cannot change afterwards",
        request=ScorecardInputSerializer,
        responses={
            200: ScorecardSerializer,
            **INVALID,
            **FORBIDDEN,
            **NOT_FOUND,
            **conflict("`scorecard_submitted` or `evaluation_closed`."),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=ScorecardInputSerializer)
    def submit(self, request, pk=None):
        card = self.get_object()
        body = ScorecardInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = scorecards.scorecard_submit(
            scorecard=card, actor=request.user, **body.service_kwargs()
        )
        return self._answer(card)


ROUTES = [("scorecards", ScorecardViewSet, "scorecard")]
