"""The board's bulk actions: the CSV of the selected cards, and reminders to the party each
selected project waits on (the right people, once a day per project, in scope)."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from board import services
from common.errors import NotInScope
from workflow.models import Notification
from workflow.visibility import memberships_of

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def post(client, *ids, action, filters=""):
    return client.post(
        "/board/selection/", {"action": action, "project": list(ids), "filters": filters}
    )


def rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8").removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def notified(project) -> set[str]:
    return set(
        Notification.objects.filter(project=project).values_list("recipient__username", flat=True)
    )


# Export -------------------------------------------------------------------------------------


def test_the_csv_holds_the_selected_cards_with_money_and_zoned_times(
    world, web, make_project, deadline
):
    project = make_project(
        "revising", tier="KEY", title="Flash marriage", planned_budget=Decimal("500000")
    )
    due = deadline(project, due_in=timedelta(days=2))
    make_project("submitted", title="Not selected")

    response = post(web(world.producer_a), project.pk, action="export")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *body = rows(response)
    assert header == [
        "id",
        "title",
        "state",
        "review tier",
        "producer company",
        "commissioning platform",
        "waiting on",
        "planned budget",
        "next due (Asia/Shanghai)",
        "overdue",
    ]
    local = due.due_at.astimezone(SHANGHAI).isoformat(timespec="minutes")
    assert body == [
        [
            str(project.pk),
            "Flash marriage",
            "Revising",
            "Key",
            "Studio A",
            "Platform P",
            "Producer",
            "¥500,000.00",
            local,
            "no",
        ]
    ]
    assert local.endswith("+08:00")


def test_the_csv_reads_in_chinese_with_the_same_money(world, web, make_project):
    project = make_project("submitted", tier="ORDINARY", planned_budget=Decimal("500000"))

    header, row = rows(post(web(world.content_manager, "zh-hans"), project.pk, action="export"))

    assert header[1] == "剧名"
    assert row[3] == "普通"
    assert row[7] == "¥500,000.00"


def test_exporting_another_companys_project_is_404(world, web, make_project):
    ours = make_project("submitted")
    theirs = make_project("submitted", producer=world.studio_b)

    response = post(web(world.producer_a), ours.pk, theirs.pk, action="export")

    assert response.status_code == 404


def test_an_empty_selection_comes_back_to_the_same_filters_with_a_message(world, web):
    client = web(world.producer_a)

    response = client.post(
        "/board/selection/", {"action": "export", "filters": "tier=KEY&overdue=1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/board/?tier=KEY&overdue=1"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Select at least one project."]


def test_only_the_boards_filters_go_back_into_the_address(world, web):
    response = web(world.producer_a).post(
        "/board/selection/",
        {"action": "export", "filters": "tier=KEY&next=https://evil.example/&overdue=1\r\nX: y"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/board/?tier=KEY&overdue=1"


def test_a_board_page_is_only_read(world, web):
    assert web(world.producer_a).get("/board/selection/").status_code == 405
    assert web(world.producer_a).post("/board/").status_code == 405


# Reminders: who is told -----------------------------------------------------------------------


def test_a_producer_reminds_the_platforms_content_managers(world, make_project):
    project = make_project("submitted")

    outcome = services.board_reminders_send(actor=world.producer_a, project_ids=[project.pk])

    assert outcome.sent == [project]
    assert notified(project) == {"cm_p"}  # not the rater, not another platform


def test_a_content_manager_reminds_the_producers_of_the_project(world, make_project):
    project = make_project("revising")

    services.board_reminders_send(actor=world.content_manager, project_ids=[project.pk])

    assert notified(project) == {"producer_a"}  # not the company's admin, not studio B


def test_a_final_review_reminds_the_reviewers_it_is_routed_to(world, make_project):
    routed = make_project("final_review", tier="ORDINARY")
    own_review = make_project("final_review", tier="OTHER")

    outcome = services.board_reminders_send(
        actor=world.producer_a, project_ids=[routed.pk, own_review.pk]
    )

    assert len(outcome.sent) == 2
    assert notified(routed) == {"reviewer_sh"}
    assert notified(own_review) == {"cm_p"}  # OTHER: the platform reviews the cut itself


def test_the_reminder_is_e_mailed_after_commit(
    world, make_project, django_capture_on_commit_callbacks
):
    world.content_manager.email = "cm@platform.example"
    world.content_manager.save()
    project = make_project("submitted", title="Flash marriage")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.board_reminders_send(actor=world.producer_a, project_ids=[project.pk])
    assert mail.outbox == []

    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["cm@platform.example"]]
    assert "Flash marriage" in mail.outbox[0].subject


# Reminders: when not ------------------------------------------------------------------------------


def test_a_project_is_reminded_once_a_day_whoever_asks(world, make_project):
    project = make_project("submitted")
    morning = datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    services.board_reminders_send(actor=world.producer_a, project_ids=[project.pk], now=morning)

    again = services.board_reminders_send(
        actor=world.admin_a, project_ids=[project.pk], now=morning + timedelta(hours=14)
    )

    assert again.sent == []
    assert [(n.project, n.code) for n in again.not_sent] == [(project, "already_reminded")]
    assert Notification.objects.filter(project=project).count() == 1

    next_day = services.board_reminders_send(
        actor=world.producer_a, project_ids=[project.pk], now=morning + timedelta(hours=15)
    )
    assert next_day.sent == [project]
    assert Notification.objects.filter(project=project).count() == 2


def test_a_project_waiting_on_nobody_or_on_yourself_is_not_reminded(world, make_project):
    live = make_project("released", title="Live")
    ours_to_do = make_project("revising", title="Ours to do")

    outcome = services.board_reminders_send(
        actor=world.producer_a, project_ids=[live.pk, ours_to_do.pk]
    )

    assert outcome.sent == []
    assert {(n.project.title, n.code) for n in outcome.not_sent} == {
        ("Live", "waits_on_nobody"),
        ("Ours to do", "waits_on_you"),
    }
    assert not Notification.objects.exists()


def test_a_platform_with_no_content_manager_has_nobody_to_notify(world, make_project):
    project = make_project("submitted")
    world.content_manager.is_active = False
    world.content_manager.save()

    outcome = services.board_reminders_send(actor=world.producer_a, project_ids=[project.pk])

    assert [n.code for n in outcome.not_sent] == ["nobody_to_notify"]
    assert not Notification.objects.exists()


def test_a_project_out_of_scope_refuses_the_whole_reminder(world, make_project):
    ours = make_project("submitted")
    theirs = make_project("submitted", producer=world.studio_b)

    with pytest.raises(NotInScope):
        services.board_reminders_send(actor=world.producer_a, project_ids=[ours.pk, theirs.pk])
    assert not Notification.objects.exists()


# Reminders from the page ---------------------------------------------------------------------


def test_the_page_says_how_many_were_sent_and_why_not_the_others(world, web, make_project):
    waiting = make_project("submitted", title="Waiting on the platform")
    ours = make_project("revising", title="Ours to do")
    client = web(world.producer_a)

    response = post(client, waiting.pk, ours.pk, action="remind", filters="tier=ORDINARY")

    assert response.status_code == 302
    assert response["Location"] == "/board/?tier=ORDINARY"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Reminder sent for 1 project.",
        "Not reminded: “Ours to do”, waits on your own organisation.",
    ]
    assert notified(waiting) == {"cm_p"}


def test_reminding_another_companys_project_from_the_page_is_404(world, web, make_project):
    theirs = make_project("submitted", producer=world.studio_b)

    response = post(web(world.producer_a), theirs.pk, action="remind")

    assert response.status_code == 404
    assert not Notification.objects.exists()


def test_the_page_says_so_when_none_was_sent(world, web, make_project):
    live = make_project("released", title="Live")

    response = post(web(world.producer_a), live.pk, action="remind")

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Reminders sent for 0 projects.",
        "Not reminded: “Live”, waits on nobody.",
    ]


def test_a_reminder_costs_the_same_queries_for_few_or_many_projects(world, make_project):
    def cost(projects) -> int:
        with CaptureQueriesContext(connection) as context:
            outcome = services.board_reminders_send(
                actor=world.producer_a, project_ids=[p.pk for p in projects]
            )
        assert len(outcome.sent) == len(projects)
        return len(context.captured_queries)

    few = [make_project("submitted"), make_project("final_review")]
    many = [make_project(state) for state in ("submitted", "final_review") * 5]
    memberships_of(world.producer_a)  # read once per user object, by either call

    assert cost(many) == cost(few)
