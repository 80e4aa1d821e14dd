"""The finished-cut review through the API: scope, queue, decisions, the platform's report, the
compliance checklist, losses and query counts."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import (
    ChecklistConfirmation,
    Clearance,
    FeedbackItem,
    ProjectLoss,
    RegulatoryReview,
)
from reviews.selectors.finals import platform_report
from reviews.services import checklists
from tests.reviews.finals_helpers import (
    decide,
    licence,
    registration,
    step_at,
    to_final_review,
)
from workflow.models import Project

LIST = "/api/v1/final-reviews/"
QUEUE = LIST + "queue/"
REPORT = LIST + "platform-report/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHECKLISTS = "/api/v1/compliance-checklists/"
CONFIRMATIONS = "/api/v1/checklist-confirmations/"
LOSSES = "/api/v1/project-losses/"


def decide_url(review):
    return f"{LIST}{review.pk}/decide/"


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def routed(world, make_project):
    """A Shanghai ORDINARY project, a Shanghai KEY home-page project, a Zhejiang ORDINARY one."""
    ordinary = to_final_review(world, make_project)
    key = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
    zhejiang = to_final_review(world, make_project, producer=world.studio_b)
    return ordinary, key, zhejiang


# Scope and queue ----------------------------------------------------------------------------


def test_each_party_sees_its_steps(world, routed, api):
    ordinary, key, zhejiang = routed
    sh = step_at(ordinary, world.shanghai).pk
    key_sh, key_nat = step_at(key, world.shanghai).pk, step_at(key, world.nrta).pk
    zj = step_at(zhejiang, world.zhejiang).pk

    assert ids(api(world.producer_a).get(LIST)) == {sh, key_sh, key_nat}
    assert ids(api(world.producer_b).get(LIST)) == {zj}
    assert ids(api(world.content_manager).get(LIST)) == {sh, key_sh, key_nat, zj}
    assert ids(api(world.other_content_manager).get(LIST)) == set()
    assert ids(api(world.shanghai_reviewer).get(LIST)) == {sh, key_sh, key_nat}
    assert ids(api(world.national_reviewer).get(LIST)) == {key_sh, key_nat}
    assert ids(api(world.outsider).get(LIST)) == set()


def test_the_detail_names_the_step(world, routed, api):
    _, key, _ = routed
    body = api(world.producer_a).get(f"{LIST}{step_at(key, world.nrta).pk}/").json()
    assert body["step"] == "The national re-review at National administration"
    assert (body["sequence"], body["waiting_for_earlier_step"]) == (2, True)


def test_the_queue_holds_what_the_user_can_decide_now(world, routed, api):
    ordinary, key, _ = routed
    assert ids(api(world.shanghai_reviewer).get(QUEUE)) == {
        step_at(ordinary, world.shanghai).pk,
        step_at(key, world.shanghai).pk,
    }
    assert ids(api(world.national_reviewer).get(QUEUE)) == set()  # waiting for the bureau
    decide(step_at(key, world.shanghai), world.shanghai_reviewer)
    assert ids(api(world.national_reviewer).get(QUEUE)) == {step_at(key, world.nrta).pk}


def test_the_platform_queues_its_other_projects(world, make_project, api):
    other = to_final_review(world, make_project, tier="OTHER")
    assert ids(api(world.content_manager).get(QUEUE)) == {step_at(other, world.platform).pk}
    assert ids(api(world.other_content_manager).get(QUEUE)) == set()


# Deciding -----------------------------------------------------------------------------------


def test_approve_through_the_api_clears_the_project(world, routed, api):
    ordinary, _, _ = routed
    number = registration()
    response = api(world.shanghai_reviewer).post(
        decide_url(step_at(ordinary, world.shanghai)),
        {"outcome": "approve", "clearance_number": number},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["clearance_number"]) == ("approved", number)
    assert Project.objects.get(pk=ordinary.pk).state == "cleared"
    assert Clearance.objects.get(project=ordinary).number == number


def test_request_changes_through_the_api(world, routed, api):
    ordinary, _, _ = routed
    response = api(world.shanghai_reviewer).post(
        decide_url(step_at(ordinary, world.shanghai)),
        {
            "outcome": "request_changes",
            "comment": "One point.",
            "items": [
                {
                    "text": "Blur the logo.",
                    "category": "compliance",
                    "severity": "must_fix",
                    "episode": 3,
                    "timecode": "00:41",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert Project.objects.get(pk=ordinary.pk).state == "final_changes"
    item = FeedbackItem.objects.get(project=ordinary)
    assert (item.stage, item.episode, item.timecode) == ("final_review", 3, "00:41")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "approve"}, "clearance_number"),
        (
            {"outcome": "approve", "clearance_number": "（沪）网剧备字（1999）第015号"},
            "clearance_number",
        ),
        ({"outcome": "reject"}, "comment"),
        ({"outcome": "request_changes"}, "items"),
        (
            {
                "outcome": "request_changes",
                "items": [
                    {"text": "x", "category": "content", "severity": "must_fix", "episode": 999}
                ],
            },
            "items.0.episode",
        ),
        ({"outcome": "approve", "clearance_number": "X", "status": "approved"}, "status"),
        ({"outcome": "veto"}, "outcome"),
        ({"outcome": "approve", "clearance_number": "X", "expires_on": "soon"}, "expires_on"),
    ],
)
def test_bad_decisions_are_400_and_write_nothing(world, routed, api, body, field):
    ordinary, _, _ = routed
    review = step_at(ordinary, world.shanghai)
    response = api(world.shanghai_reviewer).post(decide_url(review), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    review.refresh_from_db()
    assert review.status == "pending"
    assert Project.objects.get(pk=ordinary.pk).state == "final_review"
    assert not FeedbackItem.objects.exists()
    assert not Clearance.objects.filter(project=ordinary).exists()
    assert not ProjectLoss.objects.exists()


def test_another_provinces_step_is_not_found(world, routed, api):
    ordinary, _, zhejiang = routed
    body = {"outcome": "approve", "clearance_number": registration(issuer="浙")}
    response = api(world.zhejiang_reviewer).post(
        decide_url(step_at(ordinary, world.shanghai)), body, format="json"
    )
    assert response.status_code == 404
    assert (
        api(world.producer_a).get(f"{LIST}{step_at(zhejiang, world.zhejiang).pk}/").status_code
        == 404
    )
    assert (
        api(world.other_content_manager)
        .get(f"{LIST}{step_at(ordinary, world.shanghai).pk}/")
        .status_code
        == 404
    )


def test_a_visible_step_decided_by_the_wrong_party_is_403(world, routed, api):
    ordinary, key, _ = routed
    response = api(world.producer_a).post(
        decide_url(step_at(ordinary, world.shanghai)),
        {"outcome": "approve", "clearance_number": registration()},
        format="json",
    )
    assert response.status_code == 403
    response = api(world.shanghai_reviewer).post(
        decide_url(step_at(key, world.nrta)), {"outcome": "approve"}, format="json"
    )
    assert response.status_code == 403


def test_conflicts_are_409(world, routed, api):
    _, key, _ = routed
    early = api(world.national_reviewer).post(
        decide_url(step_at(key, world.nrta)),
        {"outcome": "approve", "clearance_number": licence("012", "总局")},
        format="json",
    )
    assert early.status_code == 409
    assert early.json()["code"] == "earlier_step_pending"
    review = step_at(key, world.shanghai)
    client = api(world.shanghai_reviewer)
    assert client.post(decide_url(review), {"outcome": "approve"}, format="json").status_code == 200
    again = client.post(decide_url(review), {"outcome": "reject", "comment": "no"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "review_not_pending"


def test_the_generic_transition_endpoint_cannot_bypass_the_review(world, routed, api):
    ordinary, _, _ = routed
    for name in ("clear", "reject", "request_final_changes"):
        response = api(world.shanghai_reviewer).post(
            f"/api/v1/projects/{ordinary.pk}/transitions/{name}/", {"comment": "x"}, format="json"
        )
        assert (response.status_code, response.json()["code"]) == (409, "decision_required")
        assert "POST /api/v1/final-reviews/{id}/decide/" in response.json()["detail"]
    assert Project.objects.get(pk=ordinary.pk).state == "final_review"


# The platform's periodic report -------------------------------------------------------------


def _decided_on(review, day: str) -> None:
    moment = datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=SHANGHAI)
    RegulatoryReview.objects.filter(pk=review.pk).update(decided_at=moment)


@pytest.fixture
def reviewed_by_platform(world, make_project):
    early = to_final_review(world, make_project, tier="OTHER", title="早期")
    inside = to_final_review(world, make_project, tier="OTHER", title="闪婚总裁")
    changes = to_final_review(world, make_project, tier="OTHER", title="Changes")
    elsewhere = to_final_review(world, make_project, tier="OTHER", platform=world.other_platform)
    pending = to_final_review(world, make_project, tier="OTHER")
    ordinary = to_final_review(world, make_project)
    for project, number in ((early, "PP-0001"), (inside, "PP-0002")):
        decide(step_at(project, world.platform), world.content_manager, clearance_number=number)
    decide(
        step_at(changes, world.platform),
        world.content_manager,
        outcome="request_changes",
        items=[{"text": "Cut ep 3.", "category": "content", "severity": "must_fix"}],
    )
    decide(
        step_at(elsewhere, world.other_platform),
        world.other_content_manager,
        clearance_number="PQ-0001",
    )
    decide(
        step_at(ordinary, world.shanghai), world.shanghai_reviewer, clearance_number=registration()
    )
    _decided_on(step_at(early, world.platform, "approved"), "2026-09-30")
    _decided_on(step_at(inside, world.platform, "approved"), "2026-10-15")
    _decided_on(step_at(changes, world.platform, "changes_requested"), "2026-10-31")
    _decided_on(step_at(elsewhere, world.other_platform, "approved"), "2026-10-15")
    return {"inside": inside, "changes": changes, "pending": pending}


def test_the_report_lists_the_titles_the_platform_decided_in_the_period(
    world, reviewed_by_platform, api
):
    response = api(world.content_manager).get(REPORT, {"from": "2026-10-01", "to": "2026-10-31"})
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [(r["title"], r["outcome"], r["approval_number"]) for r in rows] == [
        ("闪婚总裁", "approved", "PP-0002"),
        ("Changes", "changes_requested", ""),
    ]
    assert rows[0]["producer"] == "Studio A"
    assert rows[0]["platform"] == "Platform P"


@pytest.mark.parametrize("how", ["format", "accept"])
def test_the_report_as_csv(world, reviewed_by_platform, api, how):
    client = api(world.content_manager)
    period = {"from": "2026-10-01", "to": "2026-10-31"}
    if how == "format":
        response = client.get(REPORT, {**period, "format": "csv"})
    else:
        response = client.get(REPORT, period, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["platform", "project_id", "title"]
    assert [row[2] for row in rows[1:]] == ["闪婚总裁", "Changes"]


def test_the_report_is_for_the_platforms_content_managers(world, reviewed_by_platform, api):
    period = {"from": "2026-10-01", "to": "2026-10-31"}
    for user in (world.producer_a, world.shanghai_reviewer, world.rater):
        assert api(user).get(REPORT, period).status_code == 403
    theirs = api(world.other_content_manager).get(REPORT, period).json()
    assert [r["approval_number"] for r in theirs] == ["PQ-0001"]
    assert (
        api(world.content_manager)
        .get(REPORT, {**period, "platform": world.other_platform.pk})
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-10-31"}, "from"),
        ({"from": "2026-10-01", "to": "31/10/2026"}, "to"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "to"),
    ],
)
def test_a_bad_period_is_400(world, api, params, field):
    response = api(world.content_manager).get(REPORT, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


# The checklist ------------------------------------------------------------------------------


def test_the_checklists_that_apply_to_a_project(world, make_project, api):
    project = make_project("in_production", tier="KEY", special_subject=True)
    national = checklists.compliance_checklist_publish(
        authority=world.nrta,
        actor=world.national_reviewer,
        items=[{"code": "joint-form", "label": "Joint review form"}],
    )
    response = api(world.producer_a).get(CHECKLISTS, {"project": project.pk})
    assert response.status_code == 200
    results = response.json()["results"]
    by_owner = {(r["authority"] or {}).get("name"): r for r in results}
    assert set(by_owner) == {None, "National administration"}
    assert by_owner["National administration"]["id"] == national.pk
    assert [i["code"] for i in by_owner[None]["items"]][:2] == [
        "cost-allocation-report",
        "cast-fee-pledge",
    ]
    # Another company's project is not a way to look.
    assert api(world.producer_b).get(CHECKLISTS, {"project": project.pk}).json()["count"] == 0


def test_confirm_list_and_withdraw_through_the_api(world, make_project, api):
    project = make_project("in_production")
    item = checklists.applicable_checklists(project)[0].items[1]
    client = api(world.producer_a)

    created = client.post(
        CONFIRMATIONS,
        {"project": project.pk, "item": item.pk, "reference": "oss://pledge.pdf"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["item"]["code"], body["reference"], body["confirmed_by"]) == (
        "cast-fee-pledge",
        "oss://pledge.pdf",
        "producer_a",
    )
    assert ids(client.get(CONFIRMATIONS, {"project": project.pk})) == {body["id"]}
    assert ids(api(world.content_manager).get(CONFIRMATIONS)) == {body["id"]}
    assert ids(api(world.producer_b).get(CONFIRMATIONS)) == set()
    assert client.delete(f"{CONFIRMATIONS}{body['id']}/").status_code == 204
    assert not ChecklistConfirmation.objects.exists()


def test_confirmation_refusals(world, make_project, api):
    project = make_project("in_production")
    item = checklists.applicable_checklists(project)[0].items[0]
    body = {"project": project.pk, "item": item.pk}

    outside = api(world.producer_b).post(CONFIRMATIONS, body, format="json")
    assert outside.status_code == 404
    assert outside.json() == {"code": "not_found", "detail": "No such project in your scope."}
    assert api(world.content_manager).post(CONFIRMATIONS, body, format="json").status_code == 403
    unknown = api(world.producer_a).post(CONFIRMATIONS, {**body, "confirmed_by": 1}, format="json")
    assert unknown.status_code == 400
    unknown_item = api(world.producer_a).post(
        CONFIRMATIONS, {**body, "item": item.pk + 10_000}, format="json"
    )
    assert unknown_item.status_code == 404
    assert unknown_item.json()["detail"] == "No such item in your scope."
    locked = make_project("final_review")
    response = api(world.producer_a).post(
        CONFIRMATIONS, {"project": locked.pk, "item": item.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "checklist_locked")
    assert not ChecklistConfirmation.objects.exists()

    mine = checklists.checklist_item_confirm(project=project, item=item, actor=world.producer_a)
    assert api(world.producer_b).delete(f"{CONFIRMATIONS}{mine.pk}/").status_code == 404
    assert api(world.content_manager).delete(f"{CONFIRMATIONS}{mine.pk}/").status_code == 403
    assert ChecklistConfirmation.objects.filter(pk=mine.pk).exists()


# Losses -------------------------------------------------------------------------------------


def test_losses_are_visible_to_the_parties_and_the_rejecting_authority(world, routed, api):
    ordinary, _, zhejiang = routed
    decide(
        step_at(ordinary, world.shanghai), world.shanghai_reviewer, outcome="reject", comment="No."
    )
    decide(
        step_at(zhejiang, world.zhejiang), world.zhejiang_reviewer, outcome="reject", comment="No."
    )
    ours, theirs = (
        ProjectLoss.objects.get(project=ordinary),
        ProjectLoss.objects.get(project=zhejiang),
    )

    assert ids(api(world.producer_a).get(LOSSES)) == {ours.pk}
    assert ids(api(world.content_manager).get(LOSSES)) == {ours.pk, theirs.pk}
    assert ids(api(world.shanghai_reviewer).get(LOSSES)) == {ours.pk}
    assert api(world.producer_b).get(f"{LOSSES}{ours.pk}/").status_code == 404
    body = api(world.producer_a).get(f"{LOSSES}{ours.pk}/").json()
    assert (body["amount"], body["authority"]["name"], body["note"]) == (
        "450000.00",
        "Shanghai bureau",
        "No.",
    )


# Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_lists_cost_the_same_queries_for_few_and_many(world, make_project, api, user):
    client = api(getattr(world, user))

    def make(n):
        for _ in range(n):
            project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
            decide(
                step_at(project, world.shanghai),
                world.shanghai_reviewer,
                outcome="reject",
                comment="No.",
            )

    def counts():
        sizes = {}
        for url in (LIST, QUEUE, CONFIRMATIONS, LOSSES, CHECKLISTS):
            client.get(url)  # warm
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, {"page_size": 100})
            assert response.status_code == 200
            sizes[url] = (len(queries), response.json()["count"])
        return sizes

    make(2)
    few = counts()
    make(6)
    many = counts()
    assert {url: n for url, (n, _) in few.items()} == {url: n for url, (n, _) in many.items()}
    assert many[LIST][1] > few[LIST][1] or user == "other"
    assert max(n for n, _ in many.values()) <= 4


def test_the_period_is_in_local_dates(world, make_project):
    project = to_final_review(world, make_project, tier="OTHER")
    review = decide(
        step_at(project, world.platform), world.content_manager, clearance_number="PP-9"
    )
    # 00:30 on 1 November in Shanghai is still 31 October in UTC: it belongs to November.
    moment = datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI)
    RegulatoryReview.objects.filter(pk=review.pk).update(decided_at=moment)

    october = platform_report([world.platform.pk], date(2026, 10, 1), date(2026, 10, 31))
    november = platform_report([world.platform.pk], date(2026, 11, 1), date(2026, 11, 30))

    assert list(october) == []
    assert [r.pk for r in november] == [review.pk]


def test_a_step_cannot_be_decided_as_a_planning_filing(world, routed, api):
    ordinary, _, _ = routed
    review = step_at(ordinary, world.shanghai)
    client = api(world.shanghai_reviewer)

    response = client.post(
        f"/api/v1/regulatory-reviews/{review.pk}/decide/",
        {"outcome": "approve", "filing_number": "SH-1"},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (409, "not_a_planning_filing")
    review.refresh_from_db()
    assert review.status == "pending"
    assert not Clearance.objects.filter(project=ordinary).exists()
    assert review.pk not in ids(client.get("/api/v1/regulatory-reviews/queue/"))
