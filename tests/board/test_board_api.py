"""GET /api/v1/board/ and POST /api/v1/board/reminders/: the columns, counts and capped cards
under the page's filters, scoped; clear 400s and 404s; a constant query count; the schema."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflow.models import Notification

pytestmark = pytest.mark.django_db


def columns(response) -> dict:
    assert response.status_code == 200, response.content
    return {column["state"]: column for column in response.json()["columns"]}


def titles(column) -> list[str]:
    return [card["title"] for card in column["cards"]]


def test_anonymous_is_401(api):
    assert api().get("/api/v1/board/").status_code == 401


def test_the_board_lists_the_callers_projects_by_state_in_process_order(
    world, api, make_project, deadline
):
    project = make_project(
        "revising", tier="KEY", title="Flash marriage", planned_budget=Decimal("500000")
    )
    due = deadline(project, due_in=-timedelta(hours=1))
    make_project("submitted", producer=world.studio_b, title="Theirs")
    make_project("withdrawn", title="Given up")

    body = api(world.producer_a).get("/api/v1/board/").json()

    assert [c["state"] for c in body["columns"]][:3] == ["draft", "submitted", "revising"]
    assert "withdrawn" not in [c["state"] for c in body["columns"]]
    assert body["closed_count"] == 1
    assert body["time_zone"] == "Asia/Shanghai"
    by_state = {c["state"]: c for c in body["columns"]}
    assert by_state["submitted"]["count"] == 0
    [card] = by_state["revising"]["cards"]
    assert card["id"] == project.pk
    assert card["review_tier"] == "KEY"
    assert card["review_tier_display"] == "Key"
    assert card["platform"] == {"id": world.platform.pk, "name": "Platform P", "kind": "platform"}
    assert card["planned_budget"] == "500000.00"
    assert card["waiting_on"] == "producer"
    assert card["overdue"] is True
    assert datetime.fromisoformat(card["next_due_at"]) == due.due_at
    assert [t["name"] for t in card["transitions"]] == ["resubmit", "withdraw"]
    assert card["transitions"][1]["destructive"] is True
    assert "Theirs" not in str(body)


def test_each_role_sees_its_own_slice(world, api, make_project):
    make_project("draft", title="Draft")
    make_project("final_review", tier="ORDINARY", title="In final review")
    make_project("final_review", tier="ORDINARY", producer=world.studio_b, title="Zhejiang's")

    producer = columns(api(world.producer_a).get("/api/v1/board/"))
    platform = columns(api(world.other_content_manager).get("/api/v1/board/"))
    bureau = columns(api(world.shanghai_reviewer).get("/api/v1/board/"))

    assert (producer["draft"]["count"], producer["final_review"]["count"]) == (1, 1)
    assert platform["final_review"]["count"] == 0  # proposed to platform P, not Q
    assert titles(bureau["final_review"]) == ["In final review"]
    assert bureau["draft"]["count"] == 0


def test_filters_and_the_cap_per_column(world, api, make_project, deadline):
    for n in range(3):
        make_project("submitted", tier="KEY", title=f"Key {n}")
    make_project("submitted", tier="OTHER", title="Other")
    make_project("submitted", tier="KEY", platform=world.other_platform, title="On Q")
    late = make_project("cut_review", tier="KEY", title="Late")
    deadline(late, due_in=-timedelta(days=1))
    client = api(world.producer_a)

    capped = columns(
        client.get(
            "/api/v1/board/", {"tier": "KEY", "platform": world.platform.pk, "per_column": 2}
        )
    )
    assert capped["submitted"]["count"] == 3
    assert len(capped["submitted"]["cards"]) == 2

    overdue = columns(client.get("/api/v1/board/", {"overdue": "true"}))
    assert sum(c["count"] for c in overdue.values()) == 1
    assert titles(overdue["cut_review"]) == ["Late"]

    closed = columns(client.get("/api/v1/board/", {"closed": "true"}))
    assert {"completed", "rejected", "withdrawn"} <= set(closed)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"tier": "GOLD"}, "tier"),
        ({"overdue": "maybe"}, "overdue"),
        ({"platform": "x"}, "platform"),
        ({"platform": "１"}, "platform"),
        ({"per_column": "0"}, "per_column"),
        ({"per_column": "101"}, "per_column"),
    ],
)
def test_a_bad_filter_is_400_naming_it(world, api, query, field):
    response = api(world.producer_a).get("/api/v1/board/", query)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_an_id_that_is_no_platform_filters_everything_out(world, api, make_project):
    make_project("submitted")

    response = api(world.producer_a).get("/api/v1/board/", {"platform": world.studio_a.pk})

    assert response.status_code == 200
    assert sum(column["count"] for column in response.json()["columns"]) == 0


def test_the_board_costs_the_same_queries_whatever_the_number_of_projects(
    world, api, make_project, deadline
):
    client = api(world.content_manager)
    deadline(make_project("submitted"), due_in=timedelta(days=1))
    client.get("/api/v1/board/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/api/v1/board/", {"closed": "true"}).status_code == 200
        return len(context.captured_queries)

    few = queries()
    for state in ("submitted", "greenlit", "cut_review", "final_review", "cleared", "released"):
        for _ in range(3):
            deadline(make_project(state, tier="OTHER"), due_in=timedelta(days=-1))
    assert queries() == few


# Reminders -------------------------------------------------------------------------------------


def test_a_reminder_through_the_api_says_what_was_sent_and_why_not(world, api, make_project):
    waiting = make_project("submitted", title="Waiting")
    live = make_project("released", title="Live")

    response = api(world.producer_a).post(
        "/api/v1/board/reminders/", {"projects": [waiting.pk, live.pk]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "sent": 1,
        "sent_projects": [waiting.pk],
        "not_sent": [
            {
                "project": live.pk,
                "title": "Live",
                "code": "waits_on_nobody",
                "reason": "waits on nobody",
            }
        ],
    }
    again = api(world.producer_a).post(
        "/api/v1/board/reminders/", {"projects": [waiting.pk]}, format="json"
    )
    assert again.json()["not_sent"][0]["code"] == "already_reminded"
    assert Notification.objects.filter(project=waiting).count() == 1


def test_a_reminder_naming_another_companys_project_is_404_and_sends_nothing(
    world, api, make_project
):
    ours = make_project("submitted")
    theirs = make_project("submitted", producer=world.studio_b)

    response = api(world.producer_a).post(
        "/api/v1/board/reminders/", {"projects": [ours.pk, theirs.pk]}, format="json"
    )

    assert response.status_code == 404
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"projects": []}, {"projects": ["a"]}, {"projects": [1], "state": "x"}],
)
def test_a_bad_reminder_body_is_400(world, api, body):
    response = api(world.producer_a).post("/api/v1/board/reminders/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]


def test_the_schema_documents_the_board(world, api):
    schema = api(world.producer_a).get("/api/schema/", {"format": "json"}).json()

    board = schema["paths"]["/api/v1/board/"]["get"]
    assert {p["name"] for p in board["parameters"]} >= {
        "platform",
        "tier",
        "overdue",
        "closed",
        "per_column",
    }
    assert {"200", "400"} <= set(board["responses"])
    card = schema["components"]["schemas"]["Card"]["properties"]
    assert {"title", "review_tier_display", "waiting_on", "next_due_at", "transitions"} <= set(card)
    remind = schema["paths"]["/api/v1/board/reminders/"]["post"]
    assert {"200", "400", "404"} <= set(remind["responses"])


def test_a_card_marks_as_irreversible_what_the_project_page_confirms(world, api, make_project):
    make_project("released", title="Live")

    body = api(world.content_manager).get("/api/v1/board/").json()

    card = next(c for col in body["columns"] for c in col["cards"] if c["title"] == "Live")
    flags = {t["name"]: t["destructive"] for t in card["transitions"]}
    # Completing ends the project and taking down pulls it offline: both are confirmed apart.
    assert flags["complete"] is True
    assert flags["take_down"] is True
