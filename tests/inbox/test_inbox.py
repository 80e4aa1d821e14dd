"""The role inbox: what waits on each user now, in their scope, overdue first, at a fixed cost."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inbox.selectors import Kind, inbox_for
from reviews.models import FeedbackItem, RegulatoryReview
from reviews.services import scorecards
from tests.contracts.contract_helpers import sent_contract, signed_contract
from tests.contracts.payments_support import add_installment, make_contract
from tests.reviews.evaluation_helpers import (
    add_rater,
    panel_fixture,  # noqa: F401 - the panel fixture
    put_greenlight_decision,
    reach_quorum,
    submit_proposal,
)
from tests.reviews.finals_helpers import to_final_review
from workflow.models import Deadline, DeadlineKind, Membership, ProjectState

pytestmark = pytest.mark.django_db

ORDINARY_BUDGET = "450000.00"


def kinds(items) -> list[tuple[str, str]]:
    return [(item.kind, item.project.title) for item in items]


def open_deadline(project, kind, *, due_in, organisation, role, round_=0):
    return Deadline.objects.create(
        project=project,
        kind=kind,
        round=round_,
        due_at=timezone.now() + due_in,
        responsible_organisation=organisation,
        responsible_role=role,
    )


# What each role sees --------------------------------------------------------------------------


def test_a_producer_sees_their_drafts_to_submit_and_never_another_studios(world, make_project):
    mine = make_project("draft", title="Flash Marriage")
    make_project("draft", title="Their Secret", producer=world.studio_b)

    items = inbox_for(world.producer_a)

    assert kinds(items) == [(Kind.SUBMIT, "Flash Marriage")]
    assert items[0].url == reverse("admin:workflow_project_change", args=[mine.pk])
    assert kinds(inbox_for(world.producer_b)) == [(Kind.SUBMIT, "Their Secret")]


def test_a_producer_sees_a_contract_to_sign_and_the_platform_one_to_countersign(
    world, make_project
):
    to_sign = make_project("greenlit", title="To Sign")
    to_countersign = make_project("greenlit", title="To Countersign")
    sent = sent_contract(to_sign, world)
    signed = signed_contract(to_countersign, world)

    producer = [(i.kind, i.project.title, i.url) for i in inbox_for(world.producer_a)]
    manager = [(i.kind, i.project.title, i.url) for i in inbox_for(world.content_manager)]

    assert (Kind.SIGN, "To Sign", reverse("admin:contracts_contract_change", args=[sent.pk])) in (
        producer
    )
    assert not any(kind == Kind.COUNTERSIGN for kind, *_ in producer)
    assert (
        Kind.COUNTERSIGN,
        "To Countersign",
        reverse("admin:contracts_contract_change", args=[signed.pk]),
    ) in manager
    assert not any(kind == Kind.SIGN for kind, *_ in manager)
    assert inbox_for(world.other_content_manager) == []


def test_an_invited_rater_sees_the_proposal_to_score_until_they_submit(world, panel):
    evaluation = submit_proposal(world, title="Rated Drama")
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    uninvited = add_rater(world.platform, "rater_uninvited", "business")

    items = inbox_for(world.rater)

    assert kinds(items) == [(Kind.SCORE, "Rated Drama")]
    assert items[0].url == reverse("admin:reviews_scorecard_change", args=[card.pk])
    # The evaluation's deadline times the scoring.
    deadline = Deadline.objects.get(project=evaluation.project, kind=DeadlineKind.EVALUATION)
    assert items[0].due_at == deadline.due_at
    assert inbox_for(uninvited) == []


def test_the_content_manager_is_asked_to_decide_once_quorum_is_reached(world, panel):
    evaluation = submit_proposal(world, title="Quorum Drama")
    assert not any(item.kind == Kind.DECIDE for item in inbox_for(world.content_manager))

    reach_quorum(world, panel, evaluation)
    items = [item for item in inbox_for(world.content_manager) if item.kind == Kind.DECIDE]

    assert [(item.project.title, item.url) for item in items] == [
        ("Quorum Drama", reverse("admin:reviews_evaluation_change", args=[evaluation.pk]))
    ]
    assert inbox_for(world.other_content_manager) == []


def test_without_quorum_the_decision_comes_to_the_inbox_when_its_deadline_is_near(world):
    evaluation = submit_proposal(world, title="Late Drama")
    Deadline.objects.filter(project=evaluation.project, kind=DeadlineKind.EVALUATION).update(
        due_at=timezone.now() - timedelta(hours=3)
    )

    items = [item for item in inbox_for(world.content_manager) if item.kind == Kind.DECIDE]

    assert [item.project.title for item in items] == ["Late Drama"]
    assert items[0].overdue is True


def test_the_regulator_sees_the_filings_routed_to_it_only(world):
    evaluation = submit_proposal(world, title="Filed Drama", planned_budget=ORDINARY_BUDGET)
    review = RegulatoryReview.objects.get(
        project=evaluation.project, kind=RegulatoryReview.Kind.PLANNING_FILING
    )

    items = inbox_for(world.shanghai_reviewer)

    assert kinds(items) == [(Kind.FILING, "Filed Drama")]
    assert items[0].url == reverse("admin:reviews_regulatoryreview_decide", args=[review.pk])
    assert inbox_for(world.zhejiang_reviewer) == []


def test_the_content_manager_sees_cut_rounds_and_releases_of_their_platform(world, make_project):
    make_project("cut_review", title="Cut Drama")
    make_project("cleared", title="Cleared Drama")
    make_project("cut_review", title="Elsewhere", platform=world.other_platform)

    assert sorted(kinds(inbox_for(world.content_manager))) == [
        (Kind.CUT_REVIEW, "Cut Drama"),
        (Kind.RELEASE, "Cleared Drama"),
    ]
    assert kinds(inbox_for(world.other_content_manager)) == [(Kind.CUT_REVIEW, "Elsewhere")]
    # The producer waits: nothing of these is theirs to do.
    assert inbox_for(world.producer_a) == []


def test_an_open_deadline_of_any_kind_reaches_the_one_responsible(world, make_project):
    project = make_project("released", title="Live Drama")
    open_deadline(
        project,
        DeadlineKind.EXCLUSIVITY_END,
        due_in=timedelta(days=5),
        organisation=world.platform,
        role=Membership.Role.CONTENT_MANAGER,
    )

    items = inbox_for(world.content_manager)

    assert [(i.kind, i.title, i.project.title) for i in items] == [
        (Kind.DEADLINE, "Exclusivity end", "Live Drama")
    ]
    assert inbox_for(world.producer_a) == []
    assert inbox_for(world.rater) == []


# Order ----------------------------------------------------------------------------------------


def test_overdue_first_then_by_due_time_then_undated(world, make_project):
    undated = make_project("draft", title="Undated")
    later = make_project("revising", title="Later")
    overdue = make_project("cut_changes", title="Overdue")
    sooner = make_project("final_changes", title="Sooner")
    producer = {"organisation": world.studio_a, "role": Membership.Role.PRODUCER}
    response = DeadlineKind.PRODUCER_RESPONSE
    open_deadline(later, response, due_in=timedelta(days=6), **producer)
    open_deadline(overdue, response, due_in=-timedelta(days=1), **producer)
    open_deadline(sooner, response, due_in=timedelta(days=2), **producer)

    items = inbox_for(world.producer_a)

    assert [(i.project.title, i.overdue) for i in items] == [
        ("Overdue", True),
        ("Sooner", False),
        ("Later", False),
        ("Undated", False),
    ]
    assert items[-1].due_at is None
    assert undated.pk == items[-1].project.pk


# Cost -----------------------------------------------------------------------------------------


def _grow(world, make_project, n: int) -> None:
    """n projects of each kind of work the content manager and the producer have."""
    for i in range(n):
        make_project("draft", title=f"Draft {n}-{i}")
        make_project("cut_review", title=f"Cut {n}-{i}")
        make_project("cleared", title=f"Cleared {n}-{i}")
        signed_contract(make_project("greenlit", title=f"Signed {n}-{i}"), world)
        sent_contract(make_project("greenlit", title=f"Sent {n}-{i}"), world)
        project = make_project("released", title=f"Live {n}-{i}")
        open_deadline(
            project,
            DeadlineKind.CLEARANCE_EXPIRY,
            due_in=timedelta(days=i + 1),
            organisation=world.platform,
            role=Membership.Role.CONTENT_MANAGER,
        )
        submit_proposal(world, title=f"Proposal {n}-{i}", planned_budget=ORDINARY_BUDGET)


def _queries(user) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        items = inbox_for(type(user).objects.get(pk=user.pk))
    return len(captured), len(items)


@pytest.mark.parametrize("who", ["content_manager", "producer_a", "shanghai_reviewer"])
def test_the_inbox_costs_the_same_queries_whatever_the_amount_of_work(
    world, make_project, who, django_assert_max_num_queries
):
    user = getattr(world, who)
    _grow(world, make_project, 1)
    few_queries, few_items = _queries(user)

    _grow(world, make_project, 4)
    with django_assert_max_num_queries(few_queries):
        items = inbox_for(type(user).objects.get(pk=user.pk))

    assert len(items) > few_items > 0
    assert few_queries <= 10


def test_a_user_without_membership_has_an_empty_inbox_without_queries(
    world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):  # the memberships
        assert inbox_for(world.outsider) == []


def test_states_the_project_waits_on_nobody_in_leave_the_inbox_empty(world, make_project):
    for state in (ProjectState.REJECTED, ProjectState.WITHDRAWN, ProjectState.COMPLETED):
        make_project(state, title=f"Done {state}")
    assert inbox_for(world.producer_a) == []
    assert inbox_for(world.content_manager) == []


def test_the_content_manager_sees_due_installments_of_their_platform_only(world, make_project):
    project = make_project("in_production", title="Paying Drama")
    contract = make_contract(world, project, status="active")
    today = timezone.localdate()
    by_date = add_installment(
        contract, 1, "100000.00", trigger="date", due_on_date=today - timedelta(days=3)
    )
    on_milestone = add_installment(contract, 2, "50000.00", status="due", due_on=today)
    add_installment(contract, 3, "50000.00", trigger="cleared")  # not due yet
    add_installment(
        contract,
        4,
        "20000.00",
        status="paid",
        due_on=today,
        paid_on=today,
        paid_recorded_by=world.content_manager,
    )

    items = [i for i in inbox_for(world.content_manager) if i.kind == Kind.PAY]

    assert [(i.url, i.overdue) for i in items] == [
        (reverse("admin:contracts_installment_pay", args=[by_date.pk]), True),
        (reverse("admin:contracts_installment_pay", args=[on_milestone.pk]), False),
    ]
    assert items[0].title == (
        f"Pay installment 1: ¥100,000.00, due since {(today - timedelta(days=3)).isoformat()}"
    )
    assert not any(i.kind == Kind.PAY for i in inbox_for(world.producer_a))
    assert inbox_for(world.other_content_manager) == []


def test_a_greenlight_comes_to_the_inbox_once_the_planning_filing_is_approved(world):
    evaluation = submit_proposal(world, title="Filed Drama", planned_budget=ORDINARY_BUDGET)
    project = evaluation.project
    put_greenlight_decision(project)
    assert not any(i.kind == Kind.GREENLIGHT for i in inbox_for(world.content_manager))

    RegulatoryReview.objects.filter(
        project=project, kind=RegulatoryReview.Kind.PLANNING_FILING
    ).update(status=RegulatoryReview.Status.APPROVED, decided_at=timezone.now())
    items = [i for i in inbox_for(world.content_manager) if i.kind == Kind.GREENLIGHT]

    assert [(i.project.title, i.url) for i in items] == [
        ("Filed Drama", reverse("admin:workflow_project_change", args=[project.pk]))
    ]
    assert inbox_for(world.shanghai_reviewer) == []


def test_the_producer_answers_each_open_must_fix_item_of_the_round(world, make_project):
    project = make_project("revising", title="Revised Drama")

    def feedback(text, **fields):
        values = {
            "project": project,
            "stage": FeedbackItem.Stage.EVALUATION,
            "round": 1,
            "category": FeedbackItem.Category.CONTENT,
            "severity": FeedbackItem.Severity.MUST_FIX,
            "text": text,
            "created_by": world.content_manager,
            **fields,
        }
        return FeedbackItem.objects.create(**values)

    must = feedback("Move the reveal\n  before the paywall.")
    feedback("Consider a brighter poster.", severity=FeedbackItem.Severity.SUGGESTION)
    feedback(
        "Already fixed.",
        status=FeedbackItem.Status.ADDRESSED,
        resolved_by=world.producer_a,
        resolved_at=timezone.now(),
    )
    feedback("An earlier round's.", round=0)

    items = [i for i in inbox_for(world.producer_a) if i.kind == Kind.MUST_FIX]

    assert [(i.title, i.url) for i in items] == [
        (
            "Move the reveal before the paywall.",
            reverse("admin:reviews_feedbackitem_respond", args=[must.pk]),
        )
    ]
    assert not any(i.kind == Kind.MUST_FIX for i in inbox_for(world.producer_b))


def test_the_finished_cut_goes_to_the_authority_of_the_step(world, make_project):
    project = to_final_review(world, make_project, title="Final Drama")
    step = RegulatoryReview.objects.get(
        project=project, kind=RegulatoryReview.Kind.FINAL_REVIEW, status="pending"
    )

    items = inbox_for(world.shanghai_reviewer)

    assert [(i.kind, i.url) for i in items] == [
        (Kind.FINAL_REVIEW, reverse("admin:reviews_finalreview_decide", args=[step.pk]))
    ]
    assert items[0].due_at == (
        Deadline.objects.get(project=project, kind=DeadlineKind.FINAL_REVIEW, status="open").due_at
    )
    assert inbox_for(world.zhejiang_reviewer) == []


def test_a_paused_clock_waits_on_someone_else_and_stays_out(world, make_project):
    project = make_project("cut_changes", title="Paused Drama")
    deadline = open_deadline(
        project,
        DeadlineKind.CUT_REVIEW,
        due_in=timedelta(days=-1),
        organisation=world.platform,
        role=Membership.Role.CONTENT_MANAGER,
    )
    Deadline.objects.filter(pk=deadline.pk).update(paused_at=timezone.now())

    assert inbox_for(world.content_manager) == []
