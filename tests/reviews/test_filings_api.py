"""Regulatory reviews through the API: scope, the reviewer's queue, decisions, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import Clearance, FeedbackItem, RegulatoryReview
from workflow import services
from workflow.models import Project

LIST = "/api/v1/regulatory-reviews/"
QUEUE = LIST + "queue/"


def decide_url(review):
    return f"{LIST}{review.pk}/decide/"


def submit(world, budget="450000.00", *, producer=None, actor=None, make_project):
    project = make_project("draft", planned_budget=budget, producer=producer)
    return services.project_transition(
        project=project, name="submit", actor=actor or world.producer_a
    )


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def review_at(project, authority, status="pending"):
    return RegulatoryReview.objects.get(project=project, authority=authority, status=status)


@pytest.fixture
def filed(world, make_project):
    """A Shanghai ORDINARY project, a Shanghai KEY project and a Zhejiang ORDINARY project."""
    ordinary = submit(world, make_project=make_project)
    key = submit(world, "1200000.00", make_project=make_project)
    zhejiang = submit(
        world, producer=world.studio_b, actor=world.producer_b, make_project=make_project
    )
    return ordinary, key, zhejiang


def test_each_organisation_sees_its_reviews(world, filed, api):
    ordinary, key, zhejiang = filed
    sh_ordinary = review_at(ordinary, world.shanghai).pk
    sh_key = review_at(key, world.shanghai).pk
    nr_key = review_at(key, world.nrta).pk
    zj = review_at(zhejiang, world.zhejiang).pk

    assert ids(api(world.producer_a).get(LIST)) == {sh_ordinary, sh_key, nr_key}
    assert ids(api(world.producer_b).get(LIST)) == {zj}
    assert ids(api(world.content_manager).get(LIST)) == {sh_ordinary, sh_key, nr_key, zj}
    assert ids(api(world.other_content_manager).get(LIST)) == set()
    assert ids(api(world.shanghai_reviewer).get(LIST)) == {sh_ordinary, sh_key, nr_key}
    # The national administration sees the bureau's first check it re-checks, not ORDINARY files.
    assert ids(api(world.national_reviewer).get(LIST)) == {sh_key, nr_key}
    assert ids(api(world.zhejiang_reviewer).get(LIST)) == {zj}
    assert ids(api(world.outsider).get(LIST)) == set()


def test_a_regulator_keeps_seeing_its_own_review_after_a_re_route(world, make_project, api):
    key = submit(world, "1200000.00", make_project=make_project)
    national = review_at(key, world.nrta)
    Project.objects.filter(pk=key.pk).update(review_tier="ORDINARY")  # re-routed away

    assert national.pk in ids(api(world.national_reviewer).get(LIST))


def test_filters(world, filed, api):
    ordinary, key, _ = filed
    client = api(world.shanghai_reviewer)
    assert ids(client.get(LIST, {"project": key.pk})) == {
        r.pk for r in RegulatoryReview.objects.filter(project=key)
    }
    client.post(
        decide_url(review_at(ordinary, world.shanghai)),
        {"outcome": "approve", "filing_number": "SH-1"},
        format="json",
    )
    assert ids(client.get(LIST, {"status": "approved"})) == {
        review_at(ordinary, world.shanghai, "approved").pk
    }
    bad = client.get(LIST, {"status": "maybe"})
    assert bad.status_code == 400
    assert "status" in bad.json()["fields"]


def test_the_queue_holds_what_the_reviewer_can_decide_now(world, filed, api):
    ordinary, key, zhejiang = filed
    assert ids(api(world.shanghai_reviewer).get(QUEUE)) == {
        review_at(ordinary, world.shanghai).pk,
        review_at(key, world.shanghai).pk,
    }
    national = review_at(key, world.nrta)
    assert ids(api(world.national_reviewer).get(QUEUE)) == set()
    row = api(world.national_reviewer).get(f"{LIST}{national.pk}/").json()
    assert row["waiting_for_earlier_step"] is True

    api(world.shanghai_reviewer).post(
        decide_url(review_at(key, world.shanghai)),
        {"outcome": "approve", "filing_number": "SH-9"},
        format="json",
    )
    assert ids(api(world.national_reviewer).get(QUEUE)) == {national.pk}
    assert ids(api(world.producer_a).get(QUEUE)) == set()


def test_approve_through_the_api(world, filed, api):
    ordinary, _, _ = filed
    review = review_at(ordinary, world.shanghai)

    response = api(world.shanghai_reviewer).post(
        decide_url(review),
        {"outcome": "approve", "filing_number": "沪网剧备字（2025）第0417号", "comment": "Filed."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["filing_number"], body["decided_by"]) == (
        "approved",
        "沪网剧备字（2025）第0417号",
        "reviewer_sh",
    )
    assert Clearance.objects.get(project=ordinary).number == "沪网剧备字（2025）第0417号"


def test_a_reused_filing_number_is_400(world, filed, api):
    ordinary, key, _ = filed
    client = api(world.shanghai_reviewer)
    body = {"outcome": "approve", "filing_number": "SH-2025-001"}
    assert client.post(decide_url(review_at(ordinary, world.shanghai)), body).status_code == 200

    response = client.post(decide_url(review_at(key, world.shanghai)), body, format="json")

    assert response.status_code == 400
    assert "SH-2025-001" in response.json()["fields"]["filing_number"][0]
    assert review_at(key, world.shanghai).status == "pending"


def test_request_changes_through_the_api(world, filed, api):
    ordinary, _, _ = filed
    review = review_at(ordinary, world.shanghai)
    response = api(world.shanghai_reviewer).post(
        decide_url(review),
        {
            "outcome": "request_changes",
            "comment": "See the items.",
            "items": [
                {
                    "text": "The loan-shark subplot glamorises illegal lending.",
                    "category": "compliance",
                    "severity": "must_fix",
                    "episode": 12,
                    "timecode": "01:05",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "changes_requested"
    ordinary.refresh_from_db()
    assert ordinary.state == "revising"
    item = FeedbackItem.objects.get(project=ordinary)
    assert (item.stage, item.round, item.episode) == ("planning_filing", 1, 12)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "approve"}, "filing_number"),
        ({"outcome": "reject"}, "comment"),
        ({"outcome": "request_changes", "items": []}, "items"),
        (
            {
                "outcome": "request_changes",
                "items": [
                    {"text": "x", "category": "content", "severity": "must_fix", "episode": 81}
                ],
            },
            "items.0.episode",
        ),
        (
            {
                "outcome": "request_changes",
                "items": [{"text": "x", "category": "mood", "severity": "must_fix"}],
            },
            "items.0.category",
        ),
        ({"outcome": "approve", "filing_number": "X", "status": "approved"}, "status"),
        ({"outcome": "approve", "filing_number": "X", "project": 1}, "project"),
        ({"outcome": "veto"}, "outcome"),
    ],
)
def test_bad_decisions_are_400_and_write_nothing(world, filed, api, body, field):
    ordinary, _, _ = filed
    review = review_at(ordinary, world.shanghai)
    response = api(world.shanghai_reviewer).post(decide_url(review), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    review.refresh_from_db()
    assert review.status == "pending"
    assert not FeedbackItem.objects.exists()
    assert not Clearance.objects.exists()


def test_another_provinces_review_is_not_found(world, filed, api):
    ordinary, _, zhejiang = filed
    body = {"outcome": "approve", "filing_number": "ZJ-1"}
    response = api(world.zhejiang_reviewer).post(
        decide_url(review_at(ordinary, world.shanghai)), body, format="json"
    )
    assert response.status_code == 404
    assert (
        api(world.producer_a).get(f"{LIST}{review_at(zhejiang, world.zhejiang).pk}/").status_code
        == 404
    )
    assert review_at(ordinary, world.shanghai).status == "pending"


def test_a_visible_review_decided_by_the_wrong_role_is_403(world, filed, api):
    ordinary, key, _ = filed
    response = api(world.producer_a).post(
        decide_url(review_at(ordinary, world.shanghai)),
        {"outcome": "approve", "filing_number": "SH-1"},
        format="json",
    )
    assert response.status_code == 403
    # The bureau sees the national re-check but is not its authority.
    response = api(world.shanghai_reviewer).post(
        decide_url(review_at(key, world.nrta)),
        {"outcome": "approve", "filing_number": "SH-1"},
        format="json",
    )
    assert response.status_code == 403


def test_conflicts_are_409(world, filed, api):
    ordinary, key, _ = filed
    early = api(world.national_reviewer).post(
        decide_url(review_at(key, world.nrta)),
        {"outcome": "approve", "filing_number": "NR-1"},
        format="json",
    )
    assert early.status_code == 409
    assert early.json()["code"] == "earlier_step_pending"

    review = review_at(ordinary, world.shanghai)
    client = api(world.shanghai_reviewer)
    client.post(decide_url(review), {"outcome": "approve", "filing_number": "SH-1"}, format="json")
    again = client.post(decide_url(review), {"outcome": "reject", "comment": "no"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "review_not_pending"


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_list_costs_the_same_queries_for_few_and_many(world, make_project, api, user):
    client = api(getattr(world, user))
    for _ in range(2):
        submit(world, "1200000.00", make_project=make_project)
    client.get(LIST)  # warm
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).json()["count"] == 4
    for _ in range(12):
        submit(world, "1200000.00", make_project=make_project)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST, {"page_size": 50}).json()["results"]) == 28
    assert len(many) == len(few) <= 3
    with CaptureQueriesContext(connection) as queue:
        client.get(QUEUE)
    assert len(queue) <= 3
