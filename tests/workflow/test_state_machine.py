"""The state graph and the role rules, exhaustively: every state x every transition x every role."""

import pytest
from django.core import mail

from common.errors import PermissionDenied
from tests.conftest import fire_transition
from workflow import services
from workflow.exceptions import (
    DecisionRequired,
    GuardsNotMet,
    TransitionNotAllowed,
    UnknownTransition,
)
from workflow.models import Project, ProjectState, ProjectTransition
from workflow.selectors import decided_by, transition_names

S = ProjectState

# The design's state graph: transition -> (sources, target).
GRAPH = {
    "submit": ({S.DRAFT}, S.SUBMITTED),
    "withdraw": ({S.DRAFT, S.REVISING, S.GREENLIT, S.IN_PRODUCTION}, S.WITHDRAWN),
    "greenlight": ({S.SUBMITTED}, S.GREENLIT),
    "request_revision": ({S.SUBMITTED}, S.REVISING),
    "reject": ({S.SUBMITTED, S.FINAL_REVIEW}, S.REJECTED),
    "resubmit": ({S.REVISING}, S.SUBMITTED),
    "start_production": ({S.GREENLIT}, S.IN_PRODUCTION),
    "submit_cut": ({S.IN_PRODUCTION}, S.CUT_REVIEW),
    "approve_cut": ({S.CUT_REVIEW}, S.FINAL_REVIEW),
    "request_cut_changes": ({S.CUT_REVIEW}, S.CUT_CHANGES),
    "resubmit_cut": ({S.CUT_CHANGES}, S.CUT_REVIEW),
    "clear": ({S.FINAL_REVIEW}, S.CLEARED),
    "request_final_changes": ({S.FINAL_REVIEW}, S.FINAL_CHANGES),
    "resubmit_final": ({S.FINAL_CHANGES}, S.FINAL_REVIEW),
    "release": ({S.CLEARED}, S.RELEASED),
    "take_down": ({S.RELEASED}, S.TAKEN_DOWN),
    "reinstate": ({S.TAKEN_DOWN}, S.RELEASED),
    "complete": ({S.RELEASED, S.TAKEN_DOWN}, S.COMPLETED),
}

# Who may fire each transition, per source state, for an ORDINARY project of Studio A
# (Shanghai) on Platform P. Names are attributes of the `world` fixture.
PRODUCER = {"producer_a"}
CM = {"content_manager"}
REGULATORS = {"shanghai_reviewer"}  # ORDINARY: the home-province bureau, not the national one
ROLES = {
    "submit": PRODUCER,
    "withdraw": PRODUCER,
    "greenlight": CM,
    "request_revision": CM | REGULATORS,
    "reject": {S.SUBMITTED: CM | REGULATORS, S.FINAL_REVIEW: REGULATORS},
    "resubmit": PRODUCER,
    "start_production": PRODUCER,
    "submit_cut": PRODUCER,
    "approve_cut": CM,
    "request_cut_changes": CM,
    "resubmit_cut": PRODUCER,
    "clear": REGULATORS,
    "request_final_changes": REGULATORS,
    "resubmit_final": PRODUCER,
    "release": CM,
    "take_down": CM | REGULATORS,
    "reinstate": REGULATORS,
    "complete": CM,
}
EVERYONE = [
    "producer_a",
    "admin_a",
    "producer_b",
    "content_manager",
    "other_content_manager",
    "rater",
    "shanghai_reviewer",
    "zhejiang_reviewer",
    "national_reviewer",
    "outsider",
]


@pytest.fixture(autouse=True)
def _only_the_proposal_guard(monkeypatch):
    """The graph and the role rules, apart from the guards later stages add (each stage tests
    its own guards); the workflow's own proposal-completeness guard stays."""
    from collections import defaultdict

    from workflow import guards

    registry = defaultdict(list, submit=[guards.proposal_complete])
    monkeypatch.setattr(guards, "_registry", registry)


def allowed_users(name, source):
    roles = ROLES[name]
    return roles[source] if isinstance(roles, dict) else roles


def test_the_machine_has_exactly_the_designed_transitions():
    assert set(transition_names()) == set(GRAPH)


@pytest.mark.parametrize("name", sorted(GRAPH))
@pytest.mark.parametrize("state", list(S))
def test_every_transition_from_every_state(world, make_project, name, state):
    sources, target = GRAPH[name]
    project = make_project(state)
    if state not in sources:
        with pytest.raises(TransitionNotAllowed):
            fire_transition(project=project, name=name, actor=world.producer_a)
        assert not ProjectTransition.objects.filter(project=project).exists()
        return

    for username in EVERYONE:
        if username in allowed_users(name, state):
            continue
        with pytest.raises(PermissionDenied):
            fire_transition(project=project, name=name, actor=getattr(world, username))
    project.refresh_from_db()
    assert project.state == state
    assert not ProjectTransition.objects.filter(project=project).exists()

    for username in sorted(allowed_users(name, state)):
        fresh = make_project(state)
        actor = getattr(world, username)
        moved = fire_transition(project=fresh, name=name, actor=actor, comment="ok")
        assert moved.state == target
        entry = ProjectTransition.objects.get(project=fresh)
        assert (entry.name, entry.source_state, entry.target_state) == (name, state, target)
        assert entry.actor == actor
        assert entry.comment == "ok"


def test_national_administration_reviews_key_projects_only(world, make_project):
    key = make_project(S.FINAL_REVIEW, tier="KEY")
    ordinary = make_project(S.FINAL_REVIEW, tier="ORDINARY")
    fire_transition(project=key, name="clear", actor=world.national_reviewer)
    with pytest.raises(PermissionDenied):
        fire_transition(project=ordinary, name="clear", actor=world.national_reviewer)


def test_platform_is_the_final_authority_for_tier_other(world, make_project):
    project = make_project(S.FINAL_REVIEW, tier="OTHER")
    with pytest.raises(PermissionDenied):
        fire_transition(project=project, name="clear", actor=world.shanghai_reviewer)
    cleared = fire_transition(project=project, name="clear", actor=world.content_manager)
    assert cleared.state == S.CLEARED
    assert ProjectTransition.objects.get(project=project).organisation == world.platform


def test_audit_row_records_acting_organisation_and_round(world, make_project):
    project = make_project(S.REVISING)
    moved = services.project_transition(project=project, name="resubmit", actor=world.producer_a)
    entry = ProjectTransition.objects.get(project=project)
    assert entry.organisation == world.studio_a
    assert moved.review_round == 2
    assert entry.review_round == 2


def test_submit_fixes_the_tier_and_opens_round_one(world, make_project):
    project = make_project(S.DRAFT, planned_budget="1200000.00")
    submitted = services.project_transition(project=project, name="submit", actor=world.producer_a)
    assert submitted.review_tier == "KEY"
    assert submitted.tier_reason == "KEY: investment ¥1,200,000.00 >= ¥1,000,000.00"
    assert submitted.review_round == 1
    assert submitted.submitted_at is not None


def test_incomplete_proposal_cannot_be_submitted_and_says_why(world, make_project):
    project = make_project(S.DRAFT, synopsis="", genre_tags=[])
    with pytest.raises(GuardsNotMet) as excinfo:
        services.project_transition(project=project, name="submit", actor=world.producer_a)
    assert any("synopsis" in reason for reason in excinfo.value.reasons)
    assert any("genre" in reason for reason in excinfo.value.reasons)
    project.refresh_from_db()
    assert project.state == S.DRAFT


def test_unknown_transition_is_refused(world, make_project):
    project = make_project(S.DRAFT)
    with pytest.raises(UnknownTransition):
        services.project_transition(project=project, name="delete", actor=world.producer_a)
    with pytest.raises(UnknownTransition):
        services.project_transition(project=project, name="save", actor=world.producer_a)


def test_the_other_side_is_emailed_after_commit(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project(S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.project_transition(project=project, name="submit", actor=world.producer_a)
        assert mail.outbox == []  # nothing leaves before the transaction commits
    # The task after the transition commits, then the e-mail after the notification commits:
    # to the platform, and to the bureau whose planning filing the submission opened.
    assert len(callbacks) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.content_manager.email, world.shanghai_reviewer.email]
    )
    assert project.title in mail.outbox[0].subject


def test_state_cannot_be_assigned_directly(make_project):
    project = make_project(S.DRAFT)
    with pytest.raises(AttributeError):
        project.state = S.RELEASED
    assert Project.objects.get(pk=project.pk).state == S.DRAFT


DECISION_ONLY = {"clear", "reject", "request_revision", "request_final_changes"}


def test_exactly_the_decided_transitions_are_decision_only():
    assert {name for name in GRAPH if decided_by(name)} == DECISION_ONLY


@pytest.mark.parametrize("name", sorted(DECISION_ONLY))
def test_the_generic_service_refuses_a_decision_only_transition_before_anything(
    world, make_project, name
):
    sources, _target = GRAPH[name]
    project = make_project(sorted(sources)[0])
    with pytest.raises(DecisionRequired) as excinfo:
        services.project_transition(project=project, name=name, actor=world.content_manager)
    assert "/decide/" in str(excinfo.value.detail)
    assert not ProjectTransition.objects.exists()


def test_a_decision_only_transition_needs_its_decision_in_the_service_too(world, make_project):
    from django.db import transaction

    project = make_project(S.FINAL_REVIEW)
    with pytest.raises(DecisionRequired), transaction.atomic():
        services.transition_fire(
            project=services.project_lock(project.pk), name="clear", actor=world.shanghai_reviewer
        )
    assert not ProjectTransition.objects.exists()
