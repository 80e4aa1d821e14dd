"""Read paths of the platform evaluation, with the blind rule.

Who sees what of an evaluation:

- a content manager of the platform: everything submitted (scorecards, the aggregate) and the
  invitation progress; never a rater's unsubmitted draft;
- an invited rater: their own scorecard; once they have submitted it, also the other submitted
  scorecards, the progress and the aggregate;
- the producer company: the status and, once decided, the decision, grade, granted budget,
  traffic support and reason; never a score;
- anyone else (regulators, other platforms, other companies): nothing (404).

A user who belongs to the producer company gets the producer's view whatever else they are.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from reviews.models import LOWEST_GRADE, Criterion, Evaluation, Rubric, Scorecard
from workflow.models import Membership, Organisation
from workflow.visibility import memberships_of

TWO_PLACES = Decimal("0.01")

MANAGER = "manager"
RATER = "rater"
PRODUCER = "producer"


def _ids(user, *, kind: str | None = None, role: str | None = None) -> set[int]:
    return {
        m.organisation_id
        for m in memberships_of(user)
        if (kind is None or m.organisation.kind == kind) and (role is None or m.role == role)
    }


def _scope_q(user) -> Q:
    producer_ids = _ids(user, kind=Organisation.Kind.PRODUCER)
    manager_ids = _ids(user, role=Membership.Role.CONTENT_MANAGER)
    rater_ids = _ids(user, role=Membership.Role.RATER)
    q = Q(project__producer_id__in=producer_ids) | Q(project__platform_id__in=manager_ids)
    if rater_ids:
        invited = Scorecard.objects.filter(rater=user).values("evaluation_id")
        q |= Q(project__platform_id__in=rater_ids, pk__in=invited)
    return q


def _scoring_prefetches() -> list[Prefetch]:
    return [
        Prefetch("rubric__criteria", queryset=Criterion.objects.order_by("position", "id")),
        Prefetch(
            "scorecards",
            queryset=Scorecard.objects.select_related("rater").prefetch_related("scores"),
        ),
    ]


def _with_scorecards(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    return queryset.select_related(
        "project__producer", "project__platform", "rubric", "decided_by"
    ).prefetch_related(*_scoring_prefetches())


def with_scores(evaluation: Evaluation) -> Evaluation:
    """The evaluation (its rubric already loaded) with what ``evaluation_aggregate`` reads."""
    prefetch_related_objects([evaluation], *_scoring_prefetches())
    return evaluation


def evaluation_list_for(user) -> QuerySet[Evaluation]:
    if user is None or not user.is_authenticated:
        return Evaluation.objects.none()
    if user.is_superuser:
        queryset = Evaluation.objects.all()
    else:
        queryset = Evaluation.objects.filter(_scope_q(user))
    return _with_scorecards(queryset).order_by("-created_at", "-id")


def viewer_role(evaluation: Evaluation, user) -> str | None:
    """How the user sees this evaluation: ``MANAGER``, ``RATER``, ``PRODUCER`` or ``None``.

    Uses the cached memberships and the prefetched scorecards: no query per row.
    """
    project = evaluation.project
    memberships = memberships_of(user)
    if any(m.organisation_id == project.producer_id for m in memberships):
        return PRODUCER
    own = own_scorecard(evaluation, user)
    if own is not None and own.status != Scorecard.Status.SUBMITTED:
        # Blind until they submit, even if they also manage the platform's content.
        return RATER
    if user.is_superuser or any(
        m.organisation_id == project.platform_id and m.role == Membership.Role.CONTENT_MANAGER
        for m in memberships
    ):
        return MANAGER
    if any(
        m.organisation_id == project.platform_id and m.role == Membership.Role.RATER
        for m in memberships
    ) and any(card.rater_id == user.pk for card in evaluation.scorecards.all()):
        return RATER
    return None


def own_scorecard(evaluation: Evaluation, user) -> Scorecard | None:
    return next((c for c in evaluation.scorecards.all() if c.rater_id == user.pk), None)


def sees_submitted_scorecards(evaluation: Evaluation, user) -> bool:
    """The blind rule: a content manager, or a rater who has submitted their own."""
    role = viewer_role(evaluation, user)
    if role == MANAGER:
        return True
    if role == RATER:
        own = own_scorecard(evaluation, user)
        return own is not None and own.status == Scorecard.Status.SUBMITTED
    return False


def visible_scorecards(evaluation: Evaluation, user) -> list[Scorecard]:
    """The scorecards whose scores the user may read, from the prefetched ones."""
    role = viewer_role(evaluation, user)
    if role is None or role == PRODUCER:
        return []
    cards = list(evaluation.scorecards.all())
    if sees_submitted_scorecards(evaluation, user):
        return [c for c in cards if c.status == Scorecard.Status.SUBMITTED or c.rater_id == user.pk]
    return [c for c in cards if c.rater_id == user.pk]


def scorecard_list_for(user) -> QuerySet[Scorecard]:
    """Scorecard rows the user may see: their own; a content manager every invitation of the
    platform's evaluations (with scores only once submitted, see ``scores_visible``); a rater
    who has submitted, the other submitted scorecards of that evaluation."""
    if user is None or not user.is_authenticated:
        return Scorecard.objects.none()
    queryset = Scorecard.objects.select_related(
        "rater",
        "evaluation__project__producer",
        "evaluation__project__platform",
        "evaluation__rubric",
    ).prefetch_related(
        "scores",
        Prefetch(
            "evaluation__rubric__criteria", queryset=Criterion.objects.order_by("position", "id")
        ),
    )
    queryset = queryset.annotate(viewer_pending=_viewer_pending(user))
    if user.is_superuser:
        return queryset.order_by("-created_at", "-id")
    producer_ids = _ids(user, kind=Organisation.Kind.PRODUCER)
    manager_ids = _ids(user, role=Membership.Role.CONTENT_MANAGER)
    rater_ids = _ids(user, role=Membership.Role.RATER)
    submitted_by_me = Scorecard.objects.filter(
        rater=user, status=Scorecard.Status.SUBMITTED
    ).values("evaluation_id")
    q = (
        Q(evaluation__project__platform_id__in=manager_ids)
        | Q(evaluation__project__platform_id__in=rater_ids, rater=user)
        | Q(
            evaluation__project__platform_id__in=rater_ids,
            evaluation_id__in=submitted_by_me,
            status=Scorecard.Status.SUBMITTED,
        )
    )
    return (
        queryset.filter(q)
        .exclude(evaluation__project__producer_id__in=producer_ids)
        .order_by("-created_at", "-id")
    )


def _viewer_pending(user) -> Exists:
    """Whether the user has an unsubmitted scorecard of their own in the row's evaluation."""
    return Exists(
        Scorecard.objects.filter(evaluation=OuterRef("evaluation"), rater=user).exclude(
            status=Scorecard.Status.SUBMITTED
        )
    )


def scores_visible(scorecard: Scorecard, user) -> bool:
    """Within ``scorecard_list_for``: a row's scores show when it is the user's own, or
    submitted while the user has no unsubmitted card of their own in that evaluation (blind
    until they submit, even a content manager who also rates)."""
    if scorecard.rater_id == user.pk:
        return True
    # Rows that come from ``visible_scorecards`` (not annotated) are already filtered by the same
    # rule through ``viewer_role``.
    pending = getattr(scorecard, "viewer_pending", False)
    return scorecard.status == Scorecard.Status.SUBMITTED and not pending


# Aggregation ------------------------------------------------------------------------------------


def grade_cutoffs(rubric: Rubric) -> list[tuple[str, Decimal]]:
    """The rubric version's cut-offs, highest first."""
    return sorted(
        ((grade, Decimal(str(minimum))) for grade, minimum in rubric.grade_cutoffs.items()),
        key=lambda item: item[1],
        reverse=True,
    )


def suggested_grade(overall: Decimal | None, rubric: Rubric) -> str | None:
    if overall is None:
        return None
    for grade, minimum in grade_cutoffs(rubric):
        if overall >= minimum:
            return grade
    return LOWEST_GRADE


def rounded(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _pstdev(values: list[Decimal]) -> Decimal:
    """Population standard deviation: the raters are the whole panel, not a sample of one."""
    mean = _mean(values)
    return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)).sqrt()


@dataclass
class CriterionAggregate:
    criterion_id: int
    name: str
    weight: Decimal
    mean: Decimal | None
    stdev: Decimal | None


@dataclass
class Aggregate:
    """The submitted scorecards, combined. Means and deviations are rounded half-up to two
    places; the grade and the disagreement flag are read from the rounded figures, the ones
    people see."""

    scorecards: int
    overall: Decimal | None
    stdev: Decimal | None
    disagreement: bool
    suggested_grade: str | None
    criteria: list[CriterionAggregate] = field(default_factory=list)
    rater_overall: dict[int, Decimal] = field(default_factory=dict)


def weighted_overall(scorecard: Scorecard, criteria: list[Criterion]) -> Decimal | None:
    """One rater's weighted mean over the criteria (``None`` until every one is scored)."""
    values = {s.criterion_id: Decimal(s.value) for s in scorecard.scores.all()}
    if not criteria or any(c.pk not in values for c in criteria):
        return None
    total_weight = sum((c.weight for c in criteria), Decimal(0))
    return sum((c.weight * values[c.pk] for c in criteria), Decimal(0)) / total_weight


def evaluation_aggregate(evaluation: Evaluation) -> Aggregate:
    """Weighted mean overall (the mean of the raters' weighted means) and per criterion, the
    population standard deviation of both, the disagreement flag (the deviation of the raters'
    overall scores above the rubric version's threshold) and the suggested grade (its
    cut-offs). Only submitted scorecards count. Reads prefetched rows."""
    criteria = list(evaluation.rubric.criteria.all())
    cards = [c for c in evaluation.scorecards.all() if c.status == Scorecard.Status.SUBMITTED]
    per_rater = {c.pk: weighted_overall(c, criteria) for c in cards}
    per_rater = {pk: value for pk, value in per_rater.items() if value is not None}
    rows = []
    for criterion in criteria:
        values = [
            Decimal(s.value)
            for c in cards
            for s in c.scores.all()
            if s.criterion_id == criterion.pk
        ]
        rows.append(
            CriterionAggregate(
                criterion_id=criterion.pk,
                name=criterion.name,
                weight=criterion.weight,
                mean=rounded(_mean(values)) if values else None,
                stdev=rounded(_pstdev(values)) if values else None,
            )
        )
    overalls = list(per_rater.values())
    overall = rounded(_mean(overalls)) if overalls else None
    stdev = rounded(_pstdev(overalls)) if overalls else None
    return Aggregate(
        scorecards=len(overalls),
        overall=overall,
        stdev=stdev,
        disagreement=stdev is not None and stdev > evaluation.rubric.disagreement_threshold,
        suggested_grade=suggested_grade(overall, evaluation.rubric),
        criteria=rows,
        rater_overall={pk: rounded(value) for pk, value in per_rater.items()},
    )


@dataclass
class Progress:
    invited: int
    submitted: int
    by_function: dict[str, dict[str, int]]


def evaluation_progress(evaluation: Evaluation) -> Progress:
    """k of n scorecards submitted, overall and per function, from the prefetched rows."""
    by_function = {f: {"invited": 0, "submitted": 0} for f in Membership.RaterFunction.values}
    for card in evaluation.scorecards.all():
        by_function[card.function]["invited"] += 1
        if card.status == Scorecard.Status.SUBMITTED:
            by_function[card.function]["submitted"] += 1
    return Progress(
        invited=sum(v["invited"] for v in by_function.values()),
        submitted=sum(v["submitted"] for v in by_function.values()),
        by_function=by_function,
    )


def eligible_raters(evaluation: Evaluation) -> QuerySet[Membership]:
    """Rater memberships of the platform that may still be invited: not yet invited, and not
    members of the producer company."""
    project = evaluation.project
    return (
        Membership.objects.filter(organisation_id=project.platform_id, role=Membership.Role.RATER)
        .exclude(user__memberships__organisation_id=project.producer_id)
        .exclude(user__scorecards__evaluation=evaluation)
        .select_related("user")
        .order_by("rater_function", "user__username")
    )
