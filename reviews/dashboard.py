"""The reviews' dashboard panels: must-fix items, evaluations, cuts, scorecards, regulators' queue
and the score distribution. Registered with ``workflow.dashboard`` from ``ReviewsConfig.ready()``;
each panel runs one query whatever the number of rows."""

from django.db.models import Count, DateTimeField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from reviews.models import (
    CutSubmission,
    Evaluation,
    FeedbackItem,
    RegulatoryReview,
    Score,
    Scorecard,
)
from reviews.selectors.cuts import cut_submission_list_for
from reviews.selectors.evaluations import scorecard_list_for
from reviews.selectors.feedback import feedback_item_list_for
from reviews.selectors.filings import regulatory_review_queue_for, reviewer_authority_ids_of
from reviews.selectors.finals import final_review_queue_for
from reviews.services.feedback import ANSWERED_IN
from workflow.charts import Chart
from workflow.dashboard import (
    CONTENT_MANAGER,
    PRODUCER,
    RATER,
    REGULATOR,
    Item,
    Panel,
    admin_url,
    panel,
    when,
)
from workflow.dashboard_selectors import manager_platform_ids, producer_organisation_ids
from workflow.models import Deadline, ProjectState
from workflow.selectors import related_project_scope_q

LIMIT = 20
Review = RegulatoryReview


# Selectors ---------------------------------------------------------------------------------------


def open_must_fix_for(user):
    """Open must-fix items the producer can answer now: the current round's, any stage, while
    the project is back with the producer for that stage (not once it moved on or ended)."""
    answerable = Q()
    for stage, state in ANSWERED_IN.items():
        answerable |= Q(stage=stage, project__state=state)
    return (
        feedback_item_list_for(user)
        .filter(
            answerable,
            project__producer_id__in=producer_organisation_ids(user),
            severity=FeedbackItem.Severity.MUST_FIX,
            status=FeedbackItem.Status.OPEN,
            round=F("project__review_round"),
        )
        .order_by("project__title", "project_id", "pk")
    )


def evaluations_awaiting_for(user):
    """Open evaluations of submitted proposals on the user's platforms, with k of n scorecards."""
    return (
        Evaluation.objects.filter(
            related_project_scope_q(user),
            project__platform_id__in=manager_platform_ids(user),
            project__state=ProjectState.SUBMITTED,
            status=Evaluation.Status.OPEN,
        )
        .select_related("project")
        .annotate(
            # Counted per row shown (correlated), not grouped over every open evaluation: the
            # page reads the oldest 20 through ``evaluation_open_queue`` whatever the backlog.
            invited=_scorecard_count(),
            submitted=_scorecard_count(status="submitted"),
        )
        .order_by("created_at", "pk")
    )


def _scorecard_count(**filters):
    cards = (
        Scorecard.objects.filter(evaluation=OuterRef("pk"), **filters)
        .order_by()
        .values("evaluation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(cards), 0)


def cuts_awaiting_for(user):
    """The latest cut round of each project under the platform's cut review."""
    later = CutSubmission.objects.filter(project=OuterRef("project"), round__gt=OuterRef("round"))
    return (
        cut_submission_list_for(user)
        .filter(
            project__platform_id__in=manager_platform_ids(user),
            project__state=ProjectState.CUT_REVIEW,
        )
        .exclude(Exists(later))
        .order_by("created_at", "pk")
    )


def pending_scorecards_for(user):
    return (
        scorecard_list_for(user)
        .filter(rater=user, evaluation__status=Evaluation.Status.OPEN)
        .exclude(status="submitted")
        .prefetch_related(None)
        .order_by("created_at", "pk")
    )


def _with_due(queryset):
    deadline = Deadline.objects.filter(
        project_id=OuterRef("project_id"), kind=OuterRef("kind"), status=Deadline.Status.OPEN
    ).order_by("due_at")
    return queryset.annotate(
        deadline_due=Subquery(deadline.values("due_at")[:1]),
        due_at=Coalesce(F("deadline_due"), F("created_at"), output_field=DateTimeField()),
    )


def reviews_due_for(user) -> list[RegulatoryReview]:
    """Planning filings and finished-cut steps the user's authorities can decide now, by due date
    (the open deadline of that kind, else when the step was opened)."""
    authorities = reviewer_authority_ids_of(user)
    filings = _with_due(regulatory_review_queue_for(user))
    finals = _with_due(final_review_queue_for(user).filter(authority_id__in=authorities))
    rows = [*filings[:LIMIT], *finals[:LIMIT]]
    return sorted(rows, key=lambda review: (review.due_at, review.pk))[:LIMIT]


def score_distribution_for(user) -> list[tuple[str, int]]:
    """Submitted criterion scores 1-10 the user may read (the blind rule of
    ``scorecard_list_for``: never while their own card in that evaluation is unsubmitted)."""
    readable = scorecard_list_for(user).filter(status="submitted", viewer_pending=False)
    counts = dict(
        Score.objects.filter(scorecard__in=Subquery(readable.values("pk")))
        .order_by()
        .values_list("value")
        .annotate(n=Count("pk"))
        .values_list("value", "n")
    )
    return [(str(value), counts.get(value, 0)) for value in range(1, 11)]


# Panels ------------------------------------------------------------------------------------------


def _feedback_url(item: FeedbackItem) -> str:
    project = item.project
    if project.state == ANSWERED_IN.get(item.stage):
        return reverse("admin:reviews_feedbackitem_respond", args=[item.pk])
    return admin_url(item)


@panel(PRODUCER, order=20)
def open_must_fix_panel(user) -> Panel:
    items = [
        Item(
            label=f"{item.project.title}: {item.text}",
            url=_feedback_url(item),
            detail=str(item.get_stage_display()),
        )
        for item in open_must_fix_for(user)[:LIMIT]
    ]
    return Panel(
        key="open_must_fix",
        title=gettext("My open must-fix items"),
        items=items,
        empty=gettext("No open must-fix items."),
    )


@panel(CONTENT_MANAGER, order=40)
def evaluations_awaiting_panel(user) -> Panel:
    items = [
        Item(
            label=evaluation.project.title,
            url=admin_url(evaluation),
            detail=gettext("%(k)s of %(n)s scorecards")
            % {"k": evaluation.submitted, "n": evaluation.invited},
        )
        for evaluation in evaluations_awaiting_for(user)[:LIMIT]
    ]
    return Panel(
        key="evaluations_awaiting",
        title=gettext("Proposals awaiting evaluation"),
        items=items,
        empty=gettext("No proposal awaits evaluation."),
    )


@panel(CONTENT_MANAGER, order=50)
def cuts_awaiting_panel(user) -> Panel:
    items = [
        Item(
            label=cut.project.title,
            url=admin_url(cut),
            detail=gettext("round %(round)s, submitted %(when)s")
            % {"round": cut.round, "when": when(cut.created_at)},
        )
        for cut in cuts_awaiting_for(user)[:LIMIT]
    ]
    return Panel(
        key="cuts_awaiting",
        title=gettext("Cuts awaiting review"),
        items=items,
        empty=gettext("No cut awaits review."),
    )


@panel(RATER, order=60)
def pending_scorecards_panel(user) -> Panel:
    items = [
        Item(
            label=card.evaluation.project.title,
            url=admin_url(card),
            detail=gettext("invited %(when)s") % {"when": when(card.created_at)},
        )
        for card in pending_scorecards_for(user)[:LIMIT]
    ]
    return Panel(
        key="pending_scorecards",
        title=gettext("My pending scorecards"),
        items=items,
        empty=gettext("No scorecard to fill in."),
    )


@panel(REGULATOR, order=70)
def reviews_due_panel(user) -> Panel:
    now = timezone.now()
    items = []
    for review in reviews_due_for(user):
        url_name = (
            "admin:reviews_finalreview_change"
            if review.kind == Review.Kind.FINAL_REVIEW
            else "admin:reviews_regulatoryreview_change"
        )
        items.append(
            Item(
                label=f"{review.project.title}: {review.get_kind_display()}",
                url=reverse(url_name, args=[review.pk]),
                detail=gettext("due %(when)s") % {"when": when(review.due_at)},
                highlight=review.deadline_due is not None and review.deadline_due < now,
            )
        )
    return Panel(
        key="reviews_due",
        title=gettext("Reviews due"),
        items=items,
        empty=gettext("No review is due."),
    )


def _score_chart(user) -> Panel:
    chart = Chart(
        key="score-distribution",
        title=gettext("Score distribution"),
        rows=score_distribution_for(user),
    )
    return Panel(
        key="chart_scores",
        title=chart.title,
        chart=chart,
        empty=gettext("No score you may see yet."),
    )


def scores_stamp(user) -> tuple:
    """Moves whenever a scorecard is invited or submitted (scores come with the submission):
    the score chart's cache key (two primary-key probes)."""
    return (
        Scorecard.objects.aggregate(top=Max("pk"))["top"],
        Score.objects.aggregate(top=Max("pk"))["top"],
    )


panel(CONTENT_MANAGER, order=230, cached=scores_stamp)(_score_chart)
panel(RATER, order=230, cached=scores_stamp)(_score_chart)
