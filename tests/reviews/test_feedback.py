"""Feedback items: the producer's answers, reopening, and the resubmit guard."""

import pytest
from django.core.exceptions import ValidationError

from common.errors import PermissionDenied
from reviews.models import FeedbackItem
from reviews.rules.feedback import must_fix_items_addressed
from reviews.services.feedback import (
    FeedbackClosed,
    feedback_item_reopen,
    feedback_item_respond,
    feedback_items_add,
)
from workflow import services
from workflow.exceptions import GuardsNotMet

ITEMS = [
    {"text": "Move the reveal before the paywall.", "category": "content", "severity": "must_fix"},
    {"text": "Blur the brand logo in episode 9.", "category": "compliance", "severity": "must_fix"},
    {"text": "Consider a shorter title.", "category": "commercial", "severity": "suggestion"},
]


@pytest.fixture
def revising(world, make_project):
    """A proposal the platform sent back in round 1 with two must-fix items and a suggestion."""
    project = make_project("revising", tier="OTHER")
    feedback_items_add(
        project=project,
        stage="evaluation",
        round=1,
        items=ITEMS,
        actor=world.content_manager,
    )
    return project


def items_of(project):
    return list(FeedbackItem.objects.filter(project=project).order_by("pk"))


def test_producer_addresses_an_item(world, revising):
    item = items_of(revising)[0]

    answered = feedback_item_respond(
        item=item, actor=world.producer_a, status="addressed", response="Reveal moved to ep. 8."
    )

    assert (answered.status, answered.response) == ("addressed", "Reveal moved to ep. 8.")
    assert answered.resolved_by == world.producer_a
    assert answered.resolved_at is not None


@pytest.mark.parametrize(
    ("status", "response", "field"),
    [("addressed", "  ", "response"), ("open", "x", "status"), ("done", "x", "status")],
)
def test_an_answer_needs_a_status_and_a_response(world, revising, status, response, field):
    item = items_of(revising)[0]
    with pytest.raises(ValidationError) as excinfo:
        feedback_item_respond(item=item, actor=world.producer_a, status=status, response=response)
    assert field in excinfo.value.message_dict
    item.refresh_from_db()
    assert item.status == "open"


@pytest.mark.parametrize("who", ["content_manager", "producer_b", "admin_a", "shanghai_reviewer"])
def test_only_a_producer_of_the_company_answers(world, revising, who):
    item = items_of(revising)[0]
    with pytest.raises(PermissionDenied):
        feedback_item_respond(
            item=item, actor=getattr(world, who), status="addressed", response="x"
        )


def test_answers_only_while_the_round_is_being_revised(world, revising):
    item = items_of(revising)[0]
    services.project_transition(project=revising, name="withdraw", actor=world.producer_a)
    with pytest.raises(FeedbackClosed) as excinfo:
        feedback_item_respond(item=item, actor=world.producer_a, status="addressed", response="x")
    assert excinfo.value.status_code == 409


def test_items_of_an_earlier_round_are_closed(world, make_project):
    project = make_project("revising", tier="OTHER")
    from workflow.models import Project

    Project.objects.filter(pk=project.pk).update(review_round=2)
    [old] = feedback_items_add(
        project=project, stage="evaluation", round=1, items=ITEMS[:1], actor=world.content_manager
    )
    with pytest.raises(FeedbackClosed) as excinfo:
        feedback_item_respond(item=old, actor=world.producer_a, status="addressed", response="x")
    assert "round 1" in excinfo.value.detail


def test_resubmit_waits_for_every_must_fix_item(world, revising):
    with pytest.raises(GuardsNotMet) as excinfo:
        services.project_transition(project=revising, name="resubmit", actor=world.producer_a)
    assert excinfo.value.reasons == [
        "2 must-fix items of round 1 are still open: “Move the reveal before the paywall.”, "
        "“Blur the brand logo in episode 9.”."
    ]

    first, second, suggestion = items_of(revising)
    feedback_item_respond(item=first, actor=world.producer_a, status="addressed", response="Done.")
    feedback_item_respond(
        item=second, actor=world.producer_a, status="declined", response="It is our own brand."
    )
    assert must_fix_items_addressed(revising) == [
        "1 must-fix item of round 1 was declined; a must-fix item must be addressed: "
        "“Blur the brand logo in episode 9.”."
    ]

    # The answer can change while the round is open; the suggestion may stay open.
    feedback_item_respond(
        item=second, actor=world.producer_a, status="addressed", response="Logo blurred."
    )
    moved = services.project_transition(project=revising, name="resubmit", actor=world.producer_a)
    assert (moved.state, moved.review_round) == ("submitted", 2)
    suggestion.refresh_from_db()
    assert suggestion.status == "open"


def test_the_resubmit_guard_costs_one_query(world, revising, django_assert_num_queries):
    with django_assert_num_queries(1):
        must_fix_items_addressed(revising)


def test_the_raiser_or_a_content_manager_reopens(world, revising):
    item = items_of(revising)[0]
    feedback_item_respond(item=item, actor=world.producer_a, status="addressed", response="Done.")

    with pytest.raises(PermissionDenied):
        feedback_item_reopen(item=item, actor=world.producer_a)
    reopened = feedback_item_reopen(item=item, actor=world.content_manager)

    assert (reopened.status, reopened.resolved_by, reopened.resolved_at) == ("open", None, None)
    assert reopened.response == "Done."  # kept, so that the producer sees what was not enough
    with pytest.raises(FeedbackClosed):
        feedback_item_reopen(item=item, actor=world.content_manager)


def test_answers_and_reopenings_are_in_the_projects_activity(world, revising, api):
    item = items_of(revising)[0]
    feedback_item_respond(item=item, actor=world.producer_a, status="declined", response="No.")
    feedback_item_respond(
        item=item, actor=world.producer_a, status="declined", response="Still no."
    )
    feedback_item_reopen(item=item, actor=world.content_manager)

    response = api(world.producer_a).get(f"/api/v1/projects/{revising.pk}/activity/")

    assert response.status_code == 200
    changes = [
        (e["record_id"], e["from_status"], e["to_status"], e["actor"], e["comment"])
        for e in response.json()["results"]
        if e["record"] == "feedbackitem"
    ]
    assert changes == [
        (item.pk, "open", "declined", "producer_a", "No."),
        (item.pk, "declined", "open", "cm_p", ""),
    ]
