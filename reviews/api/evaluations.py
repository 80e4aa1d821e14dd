"""The platform evaluation over REST: evaluations, invitations, decisions (scorecards: ``scorecards``).

The blind rule (``reviews.selectors.evaluations``) decides what each caller sees; what they may
change is the services' business. Evaluations and scorecards outside the caller's scope are 404.
"""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from common.api import IdFilter
from common.errors import PermissionDenied
from common.schema import INVALID_INPUT, ROLE_MISSING, error_response
from common.serializers import IdField, StrictSerializer
from common.values import MONEY
from reviews.api.rubrics import RubricRulesSerializer
from reviews.models import Evaluation, FeedbackItem, Scorecard
from reviews.selectors import evaluations as selectors
from reviews.selectors import explanations
from reviews.services import evaluations as services
from reviews.services import scorecards
from workflow.models import Membership, ProjectState

User = get_user_model()

# Serializers: reading ---------------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    position = serializers.IntegerField()


class RubricSerializer(RubricRulesSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    criteria = CriterionSerializer(many=True, source="criteria.all")


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    value = serializers.IntegerField(min_value=1, max_value=10)


class ScorecardSerializer(serializers.Serializer):
    """A scorecard row. ``scores``, ``comment`` and ``overall`` are null where the blind rule
    hides them (another rater's unsubmitted card, seen by a content manager)."""

    id = serializers.IntegerField()
    evaluation = serializers.IntegerField(source="evaluation_id")
    project = serializers.IntegerField(source="evaluation.project_id")
    project_title = serializers.CharField(source="evaluation.project.title")
    round = serializers.IntegerField(source="evaluation.round")
    rater = PersonSerializer()
    rater_function = serializers.ChoiceField(
        source="function", choices=Membership.RaterFunction.choices
    )
    status = serializers.ChoiceField(choices=Scorecard.Status.choices)
    submitted_at = serializers.DateTimeField(allow_null=True)
    scores = serializers.SerializerMethodField()
    comment = serializers.SerializerMethodField()
    overall = serializers.SerializerMethodField(
        help_text="This rater's weighted mean over the criteria, once every one is scored."
    )

    def _visible(self, card) -> bool:
        return selectors.scores_visible(card, self.context["request"].user)

    @extend_schema_field(ScoreSerializer(many=True, allow_null=True))
    def get_scores(self, card):
        if not self._visible(card):
            return None
        return ScoreSerializer(card.scores.all(), many=True).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_comment(self, card):
        return card.comment if self._visible(card) else None

    @extend_schema_field(serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True))
    def get_overall(self, card):
        if not self._visible(card):
            return None
        value = selectors.weighted_overall(card, list(card.evaluation.rubric.criteria.all()))
        return None if value is None else str(selectors.rounded(value))


class FunctionProgressSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    submitted = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    submitted = serializers.IntegerField()
    by_function = serializers.DictField(child=FunctionProgressSerializer())


class CriterionAggregateSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    name = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    mean = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    stdev = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)


class AggregateSerializer(serializers.Serializer):
    scorecards = serializers.IntegerField(help_text="Submitted scorecards counted.")
    overall = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text="Weighted mean on the 1-10 scale.",
    )
    stdev = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text="Population standard deviation of the raters' weighted overall scores.",
    )
    disagreement = serializers.BooleanField(
        help_text="The standard deviation is above the configured spread."
    )
    suggested_grade = serializers.CharField(
        allow_null=True,
        help_text="S, A, B or C from the configured cut-offs; null without scorecards.",
    )
    criteria = CriterionAggregateSerializer(many=True)


class ExplainedCriterionSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    mean = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text="Over all the raters."
    )
    spread = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text="Population standard deviation over all the raters.",
    )


class CutoffSerializer(serializers.Serializer):
    grade = serializers.CharField()
    minimum = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        allow_null=True,
        help_text="The lowest weighted score of the grade; null for C (below B's).",
    )


class ExplanationSerializer(serializers.Serializer):
    """How a decided evaluation was reached, without any one rater's scores."""

    rubric = serializers.CharField()
    version = serializers.IntegerField()
    raters = serializers.IntegerField(help_text="Submitted scorecards counted.")
    criteria_shown = serializers.BooleanField(
        help_text="False below MDPROD_EXPLANATION_MIN_RATERS raters (3 by default): the "
        "per-criterion figures would give away each rater's scores, so they are null."
    )
    criteria = ExplainedCriterionSerializer(many=True)
    weighted_score = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    cutoffs = serializers.SerializerMethodField()
    suggested_grade = serializers.CharField(allow_null=True)
    decision = serializers.ChoiceField(choices=Evaluation.Decision.choices)
    grade = serializers.CharField(help_text="The grade chosen (greenlight only).")
    grade_differs = serializers.BooleanField(
        help_text="The grade chosen is not the one the scores suggested."
    )
    reason = serializers.CharField(help_text="The content manager's reason.")
    disagreement = serializers.BooleanField()

    @extend_schema_field(CutoffSerializer(many=True))
    def get_cutoffs(self, explanation):
        return [
            CutoffSerializer({"grade": grade, "minimum": minimum}).data
            for grade, minimum in explanation.cutoffs
        ]


class EvaluationSerializer(serializers.Serializer):
    """An evaluation as the caller may see it (see ``viewer_role``): progress, aggregate and
    scorecards are null or empty where the blind rule hides them; the decision fields are
    empty until decided."""

    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    project_title = serializers.CharField(source="project.title")
    round = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Evaluation.Status.choices)
    rubric = RubricSerializer()
    viewer_role = serializers.SerializerMethodField(
        help_text="How you see it: content manager, invited rater or producer."
    )
    my_scorecard = serializers.SerializerMethodField(help_text="Your scorecard, if invited.")
    progress = serializers.SerializerMethodField()
    aggregate = serializers.SerializerMethodField()
    scorecards = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField(
        help_text="Once decided, for the producer and the platform's content managers: how the "
        "decision was reached (null otherwise)."
    )
    decision = serializers.ChoiceField(choices=Evaluation.Decision.choices, allow_blank=True)
    grade = serializers.ChoiceField(choices=Evaluation.Grade.choices, allow_blank=True)
    suggested_grade = serializers.ChoiceField(
        choices=Evaluation.Grade.choices,
        allow_blank=True,
        help_text="The grade the scores mapped to under the rubric's cut-offs when it was "
        "decided (empty before, and for decisions older than this record).",
    )
    granted_budget = serializers.DecimalField(**MONEY, allow_null=True)
    traffic_support = serializers.DecimalField(**MONEY, allow_null=True)
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[selectors.MANAGER, selectors.RATER, selectors.PRODUCER], allow_null=True
        )
    )
    def get_viewer_role(self, evaluation):
        return selectors.viewer_role(evaluation, self._user())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_my_scorecard(self, evaluation):
        own = selectors.own_scorecard(evaluation, self._user())
        return own.pk if own else None

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_progress(self, evaluation):
        if not selectors.sees_submitted_scorecards(evaluation, self._user()):
            return None
        return ProgressSerializer(selectors.evaluation_progress(evaluation)).data

    @extend_schema_field(AggregateSerializer(allow_null=True))
    def get_aggregate(self, evaluation):
        if not selectors.sees_submitted_scorecards(evaluation, self._user()):
            return None
        return AggregateSerializer(selectors.evaluation_aggregate(evaluation)).data

    @extend_schema_field(ExplanationSerializer(allow_null=True))
    def get_explanation(self, evaluation):
        if not explanations.explains_to(evaluation, self._user()):
            return None
        return ExplanationSerializer(explanations.evaluation_explanation(evaluation)).data

    @extend_schema_field(ScorecardSerializer(many=True))
    def get_scorecards(self, evaluation):
        cards = selectors.visible_scorecards(evaluation, self._user())
        for card in cards:
            card.evaluation = evaluation  # already fetched: no query per card
        return ScorecardSerializer(cards, many=True, context=self.context).data


class EligibleRaterSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    rater_function = serializers.ChoiceField(choices=Membership.RaterFunction.choices)


# Serializers: writing ---------------------------------------------------------------------------


class InviteSerializer(StrictSerializer):
    rater = IdField(help_text="The user id of a rater of the platform.")


class FeedbackItemInputSerializer(StrictSerializer):
    text = serializers.CharField()
    category = serializers.ChoiceField(choices=FeedbackItem.Category.choices)
    severity = serializers.ChoiceField(choices=FeedbackItem.Severity.choices)
    episode = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    timecode = serializers.CharField(required=False, allow_blank=True, max_length=12)


class DecideSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=Evaluation.Decision.choices)
    grade = serializers.ChoiceField(
        choices=Evaluation.Grade.choices,
        required=False,
        allow_null=True,
        help_text="Greenlight only (required there); the detail offers `aggregate.suggested_grade`.",
    )
    granted_budget = serializers.DecimalField(
        **MONEY,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Greenlight only (required there): CNY, as a decimal string.",
    )
    traffic_support = serializers.DecimalField(
        **MONEY,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Greenlight only (required there): CNY, as a decimal string.",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.REASON_MAX_LENGTH,
        help_text="Required to reject; also the comment of the project's transition.",
    )
    feedback_items = FeedbackItemInputSerializer(
        many=True, required=False, help_text="Revise only (at least one there)."
    )


class DecisionSerializer(serializers.Serializer):
    evaluation = EvaluationSerializer()
    project_state = serializers.ChoiceField(choices=ProjectState.choices)
    transition = serializers.ChoiceField(
        choices=["greenlight", "request_revision", "reject"],
        allow_null=True,
        help_text="The transition fired; null when a greenlight waits for `waiting_for`.",
    )
    waiting_for = serializers.ListField(
        child=serializers.CharField(),
        help_text="The project's other greenlight conditions still unmet (e.g. the planning "
        "filing); a content manager greenlights the project once they hold.",
    )


# Filters ----------------------------------------------------------------------------------------


class EvaluationFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    status = django_filters.ChoiceFilter(choices=Evaluation.Status.choices)

    class Meta:
        model = Evaluation
        fields = ["project", "status"]


# Errors -----------------------------------------------------------------------------------------

NOT_FOUND = {404: error_response("Not in your scope.")}
INVALID = {400: INVALID_INPUT}
FORBIDDEN = {403: ROLE_MISSING}


def conflict(description: str) -> dict:
    return {409: error_response(description)}


# Views ------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List the evaluations you may see",
        description=(
            "Content managers: their platform's evaluations; raters: those they are invited "
            "to; producers: their projects'. Regulators see none."
        ),
    ),
    retrieve=extend_schema(
        summary="An evaluation, as the blind rule lets you see it",
        responses={200: EvaluationSerializer, **NOT_FOUND},
    ),
)
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    search_fields = ["project__title"]
    ordering_fields = ["created_at", "round"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.evaluation_list_for(self.request.user)

    def _require_manager(self, evaluation) -> None:
        # Before looking anyone up, so that only content managers learn who is a rater.
        if selectors.viewer_role(evaluation, self.request.user) != selectors.MANAGER:
            raise PermissionDenied(_("Only the platform's content managers invite raters."))

    @extend_schema(
        summary="Invite a rater of the platform (content managers)",
        request=InviteSerializer,
        responses={
            201: ScorecardSerializer,
            **INVALID,
            **FORBIDDEN,
            **NOT_FOUND,
            **conflict("`already_invited` or `evaluation_closed`."),
        },
        examples=[
            OpenApiExample(
                "Conflict of interest",
                response_only=True,
                status_codes=["400"],
                value={
                    "code": "conflict_of_interest",
                    "detail": "Li Ma belongs to Studio A, the company that proposed this "
                    "project, and cannot rate it (conflict of interest).",
                },
            )
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=InviteSerializer)
    def invite(self, request, pk=None):
        evaluation = self.get_object()
        body = InviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._require_manager(evaluation)
        project = evaluation.project
        # Only people of the platform or the producer company can be named: no probing of
        # other organisations' users by id.
        rater = (
            User.objects.filter(
                Q(memberships__organisation_id=project.platform_id)
                | Q(memberships__organisation_id=project.producer_id),
                pk=body.validated_data["rater"],
            )
            .distinct()
            .first()
        )
        if rater is None:
            raise ValidationError(
                {"rater": [_("There is no rater of %(p)s with this id.") % {"p": project.platform}]}
            )
        card = scorecards.scorecard_invite(evaluation=evaluation, rater=rater, actor=request.user)
        card = selectors.scorecard_list_for(request.user).get(pk=card.pk)
        return Response(
            ScorecardSerializer(card, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="The platform's raters you may still invite (content managers)",
        responses={200: EligibleRaterSerializer(many=True), **FORBIDDEN, **NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def raters(self, request, pk=None):
        evaluation = self.get_object()
        self._require_manager(evaluation)
        return Response(
            EligibleRaterSerializer(selectors.eligible_raters(evaluation), many=True).data
        )

    @extend_schema(
        summary="Decide: greenlight, request a revision or reject (content managers)",
        description=(
            "Needs the quorum of submitted scorecards. Greenlight needs `grade`, "
            "`granted_budget` and `traffic_support`, and fires the project's greenlight when "
            "its other conditions hold (else `transition` is null and `waiting_for` says "
            "why); revise needs `feedback_items` and moves the project to revising; reject "
            "needs a `reason`. All or nothing."
        ),
        request=DecideSerializer,
        responses={
            200: DecisionSerializer,
            **INVALID,
            **FORBIDDEN,
            **NOT_FOUND,
            **conflict(
                "`quorum_not_met` (with `reasons`), `evaluation_closed` (already decided or "
                "closed), or a transition conflict (`concurrent_update`, ...)."
            ),
        },
        examples=[
            OpenApiExample(
                "Greenlight",
                request_only=True,
                value={
                    "decision": "greenlight",
                    "grade": "A",
                    "granted_budget": "450000.00",
                    "traffic_support": "200000.00",
                    "reason": "Strong hook; standard traffic support.",
                },
            ),
            OpenApiExample(
                "Revise",
                request_only=True,
                value={
                    "decision": "revise",
                    "reason": "Sharpen the first episode.",
                    "feedback_items": [
                        {
                            "text": "The hook comes too late: open on the wedding.",
                            "category": "content",
                            "severity": "must_fix",
                            "episode": 1,
                        }
                    ],
                },
            ),
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=DecideSerializer)
    def decide(self, request, pk=None):
        evaluation = self.get_object()
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        items = data.pop("feedback_items", None)
        outcome = services.evaluation_decide(
            evaluation=evaluation,
            actor=request.user,
            feedback_items=[dict(item) for item in items] if items is not None else None,
            **data,
        )
        fresh = self.get_queryset().get(pk=outcome.evaluation.pk)
        return Response(
            DecisionSerializer(
                {
                    "evaluation": fresh,
                    "project_state": outcome.project.state,
                    "transition": outcome.transition,
                    "waiting_for": outcome.waiting_for,
                },
                context=self.get_serializer_context(),
            ).data
        )


ROUTES = [("evaluations", EvaluationViewSet, "evaluation")]
