"""Feedback items through the API: scope, filters, answers, reopen, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import FeedbackItem
from reviews.services.feedback import feedback_items_add

LIST = "/api/v1/feedback-items/"

ITEMS = [
    {"text": "Move the reveal before the paywall.", "category": "content", "severity": "must_fix"},
    {"text": "Consider a shorter title.", "category": "commercial", "severity": "suggestion"},
]


def raise_items(world, project, items=ITEMS, *, round=1, by_bureau=False):  # noqa: A002
    if by_bureau:
        return feedback_items_add(
            project=project,
            stage="planning_filing",
            round=round,
            items=items,
            actor=world.shanghai_reviewer,
        )
    return feedback_items_add(
        project=project, stage="evaluation", round=round, items=items, actor=world.content_manager
    )


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def revising(world, make_project):
    project = make_project("revising", tier="ORDINARY")
    return project, raise_items(world, project)


def test_whoever_sees_the_project_sees_its_feedback(world, make_project, revising, api):
    project, items = revising
    theirs = make_project("revising", producer=world.studio_b)
    their_items = raise_items(world, theirs)
    ours = {i.pk for i in items}

    filing_items = {i.pk for i in raise_items(world, project, ITEMS[:1], by_bureau=True)}

    assert ids(api(world.producer_a).get(LIST)) == ours | filing_items
    # The platform's evaluation feedback stays between the producer and the platform.
    assert ids(api(world.shanghai_reviewer).get(LIST)) == filing_items
    assert ids(api(world.content_manager).get(LIST)) == (
        ours | filing_items | {i.pk for i in their_items}
    )
    assert ids(api(world.national_reviewer).get(LIST)) == set()  # ORDINARY: not routed there
    assert ids(api(world.outsider).get(LIST)) == set()
    assert api(world.producer_a).get(f"{LIST}{their_items[0].pk}/").status_code == 404


def test_filters(world, revising, api):
    project, (must_fix, suggestion) = revising
    client = api(world.producer_a)
    assert ids(client.get(LIST, {"project": project.pk, "severity": "must_fix"})) == {must_fix.pk}
    assert ids(client.get(LIST, {"round": 2})) == set()
    assert ids(client.get(LIST, {"status": ["open", "addressed"]})) == {must_fix.pk, suggestion.pk}
    assert client.get(LIST, {"severity": "urgent"}).status_code == 400


def test_producer_responds(world, revising, api):
    _, (must_fix, _) = revising
    response = api(world.producer_a).post(
        f"{LIST}{must_fix.pk}/respond/",
        {"status": "addressed", "response": "Reveal moved to episode 8."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["response"], body["resolved_by"]) == (
        "addressed",
        "Reveal moved to episode 8.",
        "producer_a",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "addressed"}, "response"),
        ({"status": "open", "response": "x"}, "status"),
        ({"status": "addressed", "response": "x", "severity": "suggestion"}, "severity"),
        ({"status": "addressed", "response": "x", "resolved_by": 1}, "resolved_by"),
    ],
)
def test_bad_answers_are_400(world, revising, api, body, field):
    _, (must_fix, _) = revising
    response = api(world.producer_a).post(f"{LIST}{must_fix.pk}/respond/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    must_fix.refresh_from_db()
    assert (must_fix.status, must_fix.severity) == ("open", "must_fix")


def test_answer_errors(world, make_project, revising, api):
    project, (must_fix, _) = revising
    url = f"{LIST}{must_fix.pk}/respond/"
    body = {"status": "addressed", "response": "x"}
    assert api(world.content_manager).post(url, body, format="json").status_code == 403
    assert api(world.producer_b).post(url, body, format="json").status_code == 404

    submitted = make_project("submitted")
    [item] = raise_items(world, submitted, ITEMS[:1])
    response = api(world.producer_a).post(f"{LIST}{item.pk}/respond/", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "feedback_closed"


def test_reopen(world, revising, api):
    _, (must_fix, _) = revising
    api(world.producer_a).post(
        f"{LIST}{must_fix.pk}/respond/", {"status": "declined", "response": "No."}, format="json"
    )
    assert api(world.producer_a).post(f"{LIST}{must_fix.pk}/reopen/").status_code == 403
    response = api(world.content_manager).post(f"{LIST}{must_fix.pk}/reopen/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    again = api(world.content_manager).post(f"{LIST}{must_fix.pk}/reopen/", {"x": 1}, format="json")
    assert again.status_code == 400


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_list_costs_the_same_queries_for_few_and_many(world, make_project, api, user):
    client = api(getattr(world, user))
    by_bureau = user == "shanghai_reviewer"
    project = make_project("revising")
    raise_items(world, project, by_bureau=by_bureau)
    client.get(LIST)  # warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).json()["count"] == 2
    for _ in range(5):
        other = make_project("revising")
        items = raise_items(world, other, ITEMS * 4, by_bureau=by_bureau)
        FeedbackItem.objects.filter(pk=items[0].pk).update(
            status="addressed", resolved_by=world.producer_a, resolved_at=items[0].created_at
        )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST, {"page_size": 50}).json()["results"]) == 42
    assert len(many) == len(few) <= 3
