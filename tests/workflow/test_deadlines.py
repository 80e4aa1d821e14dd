"""Stage deadlines open and close as the project moves; review clocks pause for the producer."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import fire_transition
from tests.factories import OrganisationFactory
from workflow import deadlines, guards
from workflow.models import SLA, Deadline, DeadlineEvent, DeadlineKind, ProjectState

K = DeadlineKind
S = ProjectState
OPEN, MET, MISSED, CANCELLED = (
    Deadline.Status.OPEN,
    Deadline.Status.MET,
    Deadline.Status.MISSED,
    Deadline.Status.CANCELLED,
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> datetime:
        self.at += timedelta(**delta)
        return self.at


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(T0)
    monkeypatch.setattr(deadlines, "now", clock)
    return clock


@pytest.fixture(autouse=True)
def _only_the_proposal_guard(monkeypatch):
    """The reviews' and contracts' guards are not the point here: the clocks are."""
    from workflow import guards

    monkeypatch.setattr(guards, "_registry", defaultdict(list, submit=[guards.proposal_complete]))


def move(project, name, actor):
    return fire_transition(project=project, name=name, actor=actor)


def deadline(project, kind) -> Deadline:
    return Deadline.objects.get(project=project, kind=kind)


def events(d: Deadline) -> list[tuple]:
    return [
        (e.kind, e.at, e.due_before, e.due_after)
        for e in DeadlineEvent.objects.filter(deadline=d).order_by("at", "id")
    ]


def submitted(world, make_project, **fields):
    project = make_project(S.DRAFT, **fields)
    return move(project, "submit", world.producer_a)


# Entering and leaving the proposal review ------------------------------------------------------


def test_submit_opens_the_evaluation_and_the_planning_filing(world, make_project, clock):
    project = submitted(world, make_project, planned_budget="450000.00")
    assert project.review_tier == "ORDINARY"

    evaluation = deadline(project, K.EVALUATION)
    assert evaluation.due_at == T0 + 10 * DAY
    assert (evaluation.responsible_organisation, evaluation.responsible_role) == (
        world.platform,
        "content_manager",
    )
    filing = deadline(project, K.PLANNING_FILING)
    assert filing.due_at == T0 + 20 * DAY
    assert (filing.responsible_organisation, filing.responsible_role) == (
        world.shanghai,
        "regulator_reviewer",
    )
    assert {d.status for d in (evaluation, filing)} == {OPEN}
    assert events(evaluation) == [("opened", T0, None, T0 + 10 * DAY)]


def test_tier_other_has_no_planning_filing(world, make_project, clock):
    project = make_project(S.REVISING, tier="OTHER")
    move(project, "resubmit", world.producer_a)
    assert set(Deadline.objects.filter(project=project).values_list("kind", flat=True)) == {
        K.EVALUATION
    }


def test_no_home_bureau_means_no_filing_deadline_and_no_error(world, make_project, clock):
    # The reviews app refuses such a submission itself; the clocks just do not fail on it.
    studio = OrganisationFactory(name="Studio Tibet", province="tibet")
    project = make_project(S.SUBMITTED, producer=studio)
    deadlines.deadlines_follow_transition(
        project=project, source=S.DRAFT, target=S.SUBMITTED, name="submit"
    )
    assert list(Deadline.objects.filter(project=project).values_list("kind", flat=True)) == [
        K.EVALUATION
    ]


def test_the_sla_rows_set_the_days_and_the_defaults_fill_in(world, make_project, clock):
    SLA.objects.filter(kind=K.EVALUATION).update(days=4)
    SLA.objects.filter(kind=K.PLANNING_FILING).delete()
    project = submitted(world, make_project)
    assert deadline(project, K.EVALUATION).due_at == T0 + 4 * DAY
    assert deadline(project, K.PLANNING_FILING).due_at == T0 + 20 * DAY


def test_the_migration_writes_the_default_slas(db):
    assert dict(SLA.objects.values_list("kind", "days")) == {
        "evaluation": 10,
        "planning_filing": 20,
        "producer_response": 7,
        "cut_review": 3,
        "final_review": 15,
    }


def test_greenlight_closes_met_before_the_due_time_and_missed_after(world, make_project, clock):
    project = submitted(world, make_project)
    clock.advance(days=12)
    move(project, "greenlight", world.content_manager)

    evaluation, filing = deadline(project, K.EVALUATION), deadline(project, K.PLANNING_FILING)
    assert (evaluation.status, evaluation.closed_at) == (MISSED, T0 + 12 * DAY)
    assert (filing.status, filing.closed_at) == (MET, T0 + 12 * DAY)
    assert events(evaluation)[-1] == ("missed", T0 + 12 * DAY, T0 + 10 * DAY, T0 + 10 * DAY)
    assert events(filing)[-1][0] == "met"


def test_closing_exactly_at_the_due_time_is_met(world, make_project, clock):
    project = submitted(world, make_project)
    clock.advance(days=10)
    move(project, "reject", world.content_manager)
    assert deadline(project, K.EVALUATION).status == MET


def test_reject_closes_the_review_deadlines(world, make_project, clock):
    project = submitted(world, make_project)
    clock.advance(days=1)
    move(project, "reject", world.shanghai_reviewer)
    assert set(Deadline.objects.filter(project=project).values_list("status", flat=True)) == {MET}


# Pause and resume ------------------------------------------------------------------------------


def test_revision_pauses_the_review_clocks_and_resubmit_resumes_them(world, make_project, clock):
    project = submitted(world, make_project)
    clock.advance(days=2)
    move(project, "request_revision", world.content_manager)

    evaluation = deadline(project, K.EVALUATION)
    assert (evaluation.status, evaluation.paused_at) == (OPEN, T0 + 2 * DAY)
    assert deadline(project, K.PLANNING_FILING).paused_at == T0 + 2 * DAY
    response = deadline(project, K.PRODUCER_RESPONSE)
    assert response.due_at == T0 + 2 * DAY + 7 * DAY
    assert (response.responsible_organisation, response.responsible_role) == (
        world.studio_a,
        "producer",
    )

    clock.advance(days=3)
    move(project, "resubmit", world.producer_a)

    evaluation.refresh_from_db()
    assert evaluation.status == OPEN
    assert evaluation.paused_at is None
    assert evaluation.due_at == T0 + 13 * DAY  # 10 days, plus the 3 it waited on the producer
    assert deadline(project, K.PLANNING_FILING).due_at == T0 + 23 * DAY
    assert events(evaluation) == [
        ("opened", T0, None, T0 + 10 * DAY),
        ("paused", T0 + 2 * DAY, T0 + 10 * DAY, T0 + 10 * DAY),
        ("resumed", T0 + 5 * DAY, T0 + 10 * DAY, T0 + 13 * DAY),
    ]
    # Resumed, not replaced: still one evaluation clock.
    assert Deadline.objects.filter(project=project, kind=K.EVALUATION).count() == 1
    response.refresh_from_db()
    assert (response.status, response.closed_at) == (MET, T0 + 5 * DAY)


def test_two_revision_rounds_add_up(world, make_project, clock):
    project = submitted(world, make_project)
    for pause in (3, 4):
        clock.advance(days=1)
        move(project, "request_revision", world.content_manager)
        clock.advance(days=pause)
        move(project, "resubmit", world.producer_a)
    assert deadline(project, K.EVALUATION).due_at == T0 + 17 * DAY
    responses = Deadline.objects.filter(project=project, kind=K.PRODUCER_RESPONSE)
    assert list(responses.values_list("round", "status")) == [(1, MET), (2, MET)]


def test_a_late_resubmission_misses_the_producer_response(world, make_project, clock):
    project = submitted(world, make_project)
    move(project, "request_revision", world.shanghai_reviewer)
    clock.advance(days=8)
    move(project, "resubmit", world.producer_a)
    assert deadline(project, K.PRODUCER_RESPONSE).status == MISSED
    assert deadline(project, K.EVALUATION).due_at == T0 + 18 * DAY


def test_a_paused_clock_is_not_overdue(world, make_project, clock):
    project = submitted(world, make_project)
    move(project, "request_revision", world.content_manager)
    late = T0 + 30 * DAY
    evaluation = deadlines.deadlines_of_project(project, at=late).get(kind=K.EVALUATION)
    assert evaluation.is_overdue is False
    response = deadlines.deadlines_of_project(project, at=late).get(kind=K.PRODUCER_RESPONSE)
    assert response.is_overdue is True


def test_withdraw_cancels_everything_open(world, make_project, clock):
    project = submitted(world, make_project)
    move(project, "request_revision", world.content_manager)
    clock.advance(days=1)
    move(project, "withdraw", world.producer_a)
    statuses = Deadline.objects.filter(project=project).values_list("kind", "status")
    assert set(statuses) == {
        (K.EVALUATION, CANCELLED),
        (K.PLANNING_FILING, CANCELLED),
        (K.PRODUCER_RESPONSE, CANCELLED),
    }
    assert events(deadline(project, K.EVALUATION))[-1][:2] == ("cancelled", T0 + DAY)


def test_cut_review_pauses_for_cut_changes(world, make_project, clock, monkeypatch):
    # The clocks, not the cut review's own rules (tests/reviews/test_cuts.py covers those).
    monkeypatch.setattr(guards, "_registry", defaultdict(list))
    project = make_project(S.IN_PRODUCTION)
    move(project, "submit_cut", world.producer_a)
    cut = deadline(project, K.CUT_REVIEW)
    assert cut.due_at == T0 + 3 * DAY
    assert (cut.responsible_organisation, cut.responsible_role) == (
        world.platform,
        "content_manager",
    )

    clock.advance(days=1)
    move(project, "request_cut_changes", world.content_manager)
    assert deadline(project, K.CUT_REVIEW).paused_at == T0 + DAY
    assert deadline(project, K.PRODUCER_RESPONSE).due_at == T0 + 8 * DAY

    clock.advance(days=5)
    move(project, "resubmit_cut", world.producer_a)
    assert deadline(project, K.CUT_REVIEW).due_at == T0 + 8 * DAY
    assert deadline(project, K.PRODUCER_RESPONSE).status == MET

    clock.advance(days=1)
    move(project, "approve_cut", world.content_manager)
    assert deadline(project, K.CUT_REVIEW).status == MET
    final = deadline(project, K.FINAL_REVIEW)
    assert (final.status, final.due_at) == (OPEN, T0 + 7 * DAY + 15 * DAY)
    assert (final.responsible_organisation, final.responsible_role) == (
        world.shanghai,
        "regulator_reviewer",
    )


@pytest.mark.parametrize(
    ("tier", "authority", "role"),
    [("ORDINARY", "shanghai", "regulator_reviewer"), ("OTHER", "platform", "content_manager")],
)
def test_final_review_pauses_for_final_changes(world, make_project, clock, tier, authority, role):
    project = make_project(S.CUT_REVIEW, tier=tier)
    move(project, "approve_cut", world.content_manager)
    final = deadline(project, K.FINAL_REVIEW)
    assert (final.responsible_organisation, final.responsible_role) == (
        getattr(world, authority),
        role,
    )
    decider = world.shanghai_reviewer if tier == "ORDINARY" else world.content_manager

    clock.advance(days=10)
    move(project, "request_final_changes", decider)
    clock.advance(days=4)
    move(project, "resubmit_final", world.producer_a)
    final.refresh_from_db()
    assert final.due_at == T0 + 19 * DAY
    assert [e[0] for e in events(final)] == ["opened", "paused", "resumed"]

    clock.advance(days=4)  # 18 days after it opened: late by the first due time, not the moved one
    move(project, "clear", decider)
    final.refresh_from_db()
    assert (final.status, final.closed_at) == (MET, T0 + 18 * DAY)


def test_moves_outside_the_review_states_leave_no_clock(world, make_project, clock):
    project = make_project(S.GREENLIT)
    move(project, "start_production", world.producer_a)
    project = make_project(S.CLEARED)
    move(project, "release", world.content_manager)
    assert not Deadline.objects.exists()


def test_a_tier_change_while_submitted_opens_the_filing(world, make_project, clock):
    project = make_project(S.SUBMITTED, tier="OTHER")
    move(project, "request_revision", world.content_manager)  # put the revising clocks in place
    move(project, "resubmit", world.producer_a)
    assert not Deadline.objects.filter(project=project, kind=K.PLANNING_FILING).exists()

    from workflow.models import Project

    Project.objects.filter(pk=project.pk).update(review_tier="ORDINARY")
    project.refresh_from_db()
    clock.advance(days=1)
    deadlines.deadlines_follow_tier(project=project)
    assert deadline(project, K.PLANNING_FILING).due_at == T0 + DAY + 20 * DAY

    Project.objects.filter(pk=project.pk).update(review_tier="OTHER")
    project.refresh_from_db()
    deadlines.deadlines_follow_tier(project=project)
    assert deadline(project, K.PLANNING_FILING).status == CANCELLED
    assert deadline(project, K.EVALUATION).status == OPEN


# My deadlines ----------------------------------------------------------------------------------


def test_my_deadlines_are_mine_only_overdue_first(world, make_project, clock):
    submitted(world, make_project, title="Early")
    clock.advance(days=5)
    submitted(world, make_project, title="Late")
    elsewhere = make_project(S.DRAFT, platform=world.other_platform, title="Elsewhere")
    move(elsewhere, "submit", world.producer_a)
    paused = submitted(world, make_project, title="Paused")
    move(paused, "request_revision", world.content_manager)

    at = T0 + 12 * DAY  # "Early" is overdue, "Late" is not yet
    mine = list(deadlines.my_deadlines(world.content_manager, at=at))
    assert [(d.project.title, d.is_overdue) for d in mine] == [("Early", True), ("Late", False)]
    assert all(d.kind == K.EVALUATION for d in mine)

    assert [d.project.title for d in deadlines.my_deadlines(world.other_content_manager)] == [
        "Elsewhere"
    ]
    assert list(deadlines.my_deadlines(world.rater)) == []  # the platform, but not the role
    assert {d.kind for d in deadlines.my_deadlines(world.shanghai_reviewer)} == {K.PLANNING_FILING}
    assert list(deadlines.my_deadlines(world.zhejiang_reviewer)) == []
    assert list(deadlines.my_deadlines(world.outsider)) == []
    # The producer answers the revision; the company's admin sees it too.
    for user in (world.producer_a, world.admin_a):
        assert [(d.project, d.kind) for d in deadlines.my_deadlines(user)] == [
            (paused, K.PRODUCER_RESPONSE)
        ]
    assert list(deadlines.my_deadlines(world.producer_b)) == []
