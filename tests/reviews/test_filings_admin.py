"""Regulatory reviews and feedback items in the admin: scope, the decision and answer forms,
reopening, and changelist query counts."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Clearance, FeedbackItem, RegulatoryReview
from reviews.services.feedback import feedback_item_respond, feedback_items_add
from tests.conftest import fire_transition
from tests.reviews.evaluation_helpers import put_decision
from workflow import services

REVIEWS = reverse("admin:reviews_regulatoryreview_changelist")
ITEMS = reverse("admin:reviews_feedbackitem_changelist")


def decide_url(review):
    return reverse("admin:reviews_regulatoryreview_decide", args=[review.pk])


def respond_url(item):
    return reverse("admin:reviews_feedbackitem_respond", args=[item.pk])


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def submit(world, make_project, budget="450000.00", *, producer=None, actor=None):
    project = make_project("draft", planned_budget=budget, producer=producer)
    return services.project_transition(
        project=project, name="submit", actor=actor or world.producer_a
    )


def review_at(project, authority, status="pending"):
    return RegulatoryReview.objects.get(project=project, authority=authority, status=status)


def test_review_list_is_scoped(client, world, make_project):
    ours = submit(world, make_project)
    theirs = submit(world, make_project, producer=world.studio_b, actor=world.producer_b)
    client.force_login(world.shanghai_reviewer)
    assert listed(client, REVIEWS) == {review_at(ours, world.shanghai).pk}
    response = client.get(
        reverse(
            "admin:reviews_regulatoryreview_change", args=[review_at(theirs, world.zhejiang).pk]
        )
    )
    assert response.status_code == 404
    assert client.get(decide_url(review_at(theirs, world.zhejiang))).status_code == 404


def test_reviewer_approves_through_the_form(client, world, make_project):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)
    client.force_login(world.shanghai_reviewer)
    page = client.get(REVIEWS)
    assert decide_url(review) in page.content.decode()
    assert client.get(decide_url(review)).status_code == 200

    response = client.post(decide_url(review), {"outcome": "approve", "category": "compliance"})
    assert response.status_code == 200
    assert "This field is required for this outcome." in response.content.decode()

    response = client.post(
        decide_url(review),
        {"outcome": "approve", "filing_number": "SH-2025-7", "category": "compliance"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.filing_number) == ("approved", "SH-2025-7")
    assert Clearance.objects.get(project=project).number == "SH-2025-7"


def test_reviewer_requests_changes_with_one_item_per_line(client, world, make_project):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)
    client.force_login(world.shanghai_reviewer)

    client.post(
        decide_url(review),
        {
            "outcome": "request_changes",
            "category": "compliance",
            "must_fix": "Remove the drink-driving scene.\n\nBlur the logo in episode 9.",
            "suggestions": "A shorter title.",
        },
    )

    project.refresh_from_db()
    assert project.state == "revising"
    assert sorted(FeedbackItem.objects.filter(project=project).values_list("severity", "text")) == [
        ("must_fix", "Blur the logo in episode 9."),
        ("must_fix", "Remove the drink-driving scene."),
        ("suggestion", "A shorter title."),
    ]


def test_others_cannot_open_the_decision_form(client, world, make_project):
    project = submit(world, make_project)
    client.force_login(world.producer_a)
    assert client.get(decide_url(review_at(project, world.shanghai))).status_code == 403


@pytest.fixture
def revising(world, make_project):
    project = make_project("revising", tier="OTHER")
    items = feedback_items_add(
        project=project,
        stage="evaluation",
        round=1,
        items=[
            {"text": "Move the reveal earlier.", "category": "content", "severity": "must_fix"},
            {"text": "Shorter title?", "category": "commercial", "severity": "suggestion"},
        ],
        actor=world.content_manager,
    )
    return project, items


def test_producer_answers_through_the_form(client, world, revising):
    project, (must_fix, _) = revising
    client.force_login(world.producer_a)
    assert respond_url(must_fix) in client.get(ITEMS).content.decode()

    response = client.post(respond_url(must_fix), {"status": "addressed", "response": "  "})
    assert response.status_code == 200
    must_fix.refresh_from_db()
    assert must_fix.status == "open"

    response = client.post(respond_url(must_fix), {"status": "addressed", "response": "Ep. 8."})
    assert response.status_code == 302
    must_fix.refresh_from_db()
    assert (must_fix.status, must_fix.response) == ("addressed", "Ep. 8.")


def test_answer_form_scope_and_role(client, world, revising):
    _, (must_fix, _) = revising
    client.force_login(world.content_manager)
    assert client.get(respond_url(must_fix)).status_code == 403
    client.force_login(world.producer_b)
    assert client.get(respond_url(must_fix)).status_code == 404
    assert listed(client, ITEMS) == set()


def test_reopen_action(client, world, revising):
    _, (must_fix, suggestion) = revising
    feedback_item_respond(item=must_fix, actor=world.producer_a, status="declined", response="No.")
    client.force_login(world.content_manager)

    response = client.post(
        ITEMS,
        {"action": "reopen_items", "_selected_action": [must_fix.pk, suggestion.pk]},
        follow=True,
    )

    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 item reopened." in messages
    assert any("already open" in m for m in messages)
    must_fix.refresh_from_db()
    assert must_fix.status == "open"


@pytest.mark.parametrize("username", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_changelists_cost_the_same_for_few_and_many(client, world, make_project, username):
    client.force_login(getattr(world, username))

    def add(count):
        for _ in range(count):
            project = submit(world, make_project, "1200000.00")
            put_decision(project, "revise")
            fire_transition(project=project, name="request_revision", actor=world.content_manager)
            feedback_items_add(
                project=project,
                stage="planning_filing",
                round=1,
                items=[{"text": "Fix it.", "category": "content", "severity": "must_fix"}] * 2,
                actor=world.shanghai_reviewer,
            )

    add(2)
    client.get(REVIEWS)
    client.get(ITEMS)
    with CaptureQueriesContext(connection) as reviews_few:
        client.get(REVIEWS)
    with CaptureQueriesContext(connection) as items_few:
        client.get(ITEMS)
    add(10)
    with CaptureQueriesContext(connection) as reviews_many:
        assert len(client.get(REVIEWS).context["cl"].result_list) == 24
    with CaptureQueriesContext(connection) as items_many:
        assert len(client.get(ITEMS).context["cl"].result_list) == 24
    assert len(reviews_many) == len(reviews_few)
    assert len(items_many) == len(items_few)
    assert len(reviews_many) <= 10
    assert len(items_many) <= 10
