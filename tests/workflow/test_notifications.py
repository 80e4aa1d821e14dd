"""Notifications: once per cause, the caller's own only, read and unread (API and admin)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.errors import PermissionDenied
from tests.conftest import fire_transition
from tests.factories import UserFactory
from tests.reviews.evaluation_helpers import put_decision
from workflow import notifications, services
from workflow.models import Notification, ProjectTransition
from workflow.tasks import notify_project_transition, send_notification_email


def notify(user, source, **extra):
    return notifications.notify(
        recipients=[user], subject=f"About {source}", body="Body", source=source, **extra
    )


def test_notify_creates_one_row_per_recipient_and_source(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            notifications.notify(
                recipients=[world.producer_a, world.admin_a],
                subject="Hello",
                body="Text",
                source="test:1",
            )
            == 2
        )
        assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(world.producer_a, "test:1") == 0  # already notified
        assert notify(world.producer_a, "test:2") == 1

    assert Notification.objects.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "admin_a@example.com",
        "producer_a@example.com",
        "producer_a@example.com",
    ]


def test_no_email_without_an_address_but_still_in_the_app(
    world, django_capture_on_commit_callbacks
):
    silent = UserFactory(username="silent", email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notify(silent, "test:1") == 1
    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.get().recipient == silent


def test_email_task_returns_quietly_for_a_missing_notification(db):
    assert send_notification_email(987654) == 0


def test_email_task_retries_smtp_errors_with_backoff():
    assert send_notification_email.max_retries == 5
    assert send_notification_email.retry_backoff is True
    assert OSError in send_notification_email.autoretry_for


def test_a_transition_notifies_the_other_side_in_the_app(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.project_transition(project=project, name="submit", actor=world.producer_a)
    entry = ProjectTransition.objects.get(project=project)

    # The platform's content manager, and the provincial bureau that files the plan (ORDINARY):
    # not the other platform, not raters, not another bureau.
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "cm_p",
        "reviewer_sh",
    }
    notification = Notification.objects.get(recipient=world.content_manager)
    assert notification.source == f"transition:{entry.pk}"
    assert notification.project == project

    # The producer hears of the platform's decision.
    project.refresh_from_db()
    put_decision(project, "revise")
    with django_capture_on_commit_callbacks(execute=True):
        fire_transition(project=project, name="request_revision", actor=world.content_manager)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "cm_p",
        "reviewer_sh",
        "producer_a",
    }


def test_a_retried_transition_task_notifies_and_emails_nobody_twice(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.project_transition(project=project, name="submit", actor=world.producer_a)
    entry = ProjectTransition.objects.get(project=project)

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_project_transition(entry.pk) == 0

    assert Notification.objects.count() == 2  # the content manager and the filing bureau
    assert len(mail.outbox) == 2


def test_mark_read_and_mark_all_read(world):
    notify(world.producer_a, "test:1")
    notify(world.producer_a, "test:2")
    notify(world.admin_a, "test:1")
    first = Notification.objects.get(recipient=world.producer_a, source="test:1")

    notifications.notification_mark_read(notification=first, user=world.producer_a)
    assert first.read_at is not None
    assert notifications.unread_count(world.producer_a) == 1
    with pytest.raises(PermissionDenied):
        notifications.notification_mark_read(
            notification=Notification.objects.get(recipient=world.admin_a), user=world.producer_a
        )

    assert notifications.notification_mark_all_read(user=world.producer_a) == 1
    assert notifications.unread_count(world.producer_a) == 0
    assert notifications.unread_count(world.admin_a) == 1


# The API.

URL = "/api/v1/notifications/"


def test_the_api_lists_the_callers_own_notifications_only(world, api, make_project):
    project = make_project("submitted")
    notify(world.producer_a, "test:1", project=project)
    notify(world.producer_a, "test:2")
    notify(world.producer_b, "test:1")

    response = api(world.producer_a).get(URL)

    assert response.status_code == 200
    assert [n["source"] for n in response.json()["results"]] == ["test:2", "test:1"]
    assert response.json()["results"][1]["project_title"] == project.title


def test_someone_elses_notification_is_not_found(world, api):
    notify(world.producer_b, "test:1")
    theirs = Notification.objects.get()

    client = api(world.producer_a)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_filter_count_and_marking_read_through_the_api(world, api):
    for n in range(3):
        notify(world.producer_a, f"test:{n}")
    notify(world.producer_b, "test:9")
    client = api(world.producer_a)
    first = Notification.objects.filter(recipient=world.producer_a).order_by("pk").first()

    assert client.get(f"{URL}unread_count/").json() == {"unread": 3}
    response = client.post(f"{URL}{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert client.get(f"{URL}unread_count/").json() == {"unread": 2}
    assert len(client.get(URL, {"unread": "true"}).json()["results"]) == 2
    assert len(client.get(URL, {"unread": "false"}).json()["results"]) == 1

    assert client.post(f"{URL}read_all/").json() == {"marked": 2}
    assert client.get(f"{URL}unread_count/").json() == {"unread": 0}
    assert api(world.producer_b).get(f"{URL}unread_count/").json() == {"unread": 1}


def test_the_api_needs_a_login(db, api):
    assert api().get(URL).status_code in (401, 403)


def test_the_api_list_query_count_is_constant(
    world, api, make_project, django_assert_max_num_queries
):
    for n in range(12):
        notify(world.producer_a, f"test:{n}", project=make_project("submitted"))
    client = api(world.producer_a)
    with django_assert_max_num_queries(2):  # the page and its count
        response = client.get(URL)
    assert len(response.json()["results"]) == 12


# The admin.


def admin_changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:workflow_notification_changelist"))
    assert response.status_code == 200
    return len(queries), response


def test_the_admin_lists_own_notifications_with_a_constant_query_count(world, client, make_project):
    client.force_login(world.producer_a)
    notify(world.producer_a, "test:a", project=make_project("submitted"))
    notify(world.producer_b, "test:theirs")
    admin_changelist_queries(client)  # warm caches (content types, session)
    few, response = admin_changelist_queries(client)
    assert "About test:a" in response.text
    assert "About test:theirs" not in response.text

    for n in range(10):
        notify(world.producer_a, f"test:{n}", project=make_project("submitted"))
    many, response = admin_changelist_queries(client)
    assert len(response.context["cl"].result_list) == 11
    assert many == few
    assert "11 unread" in response.text


def test_the_admin_marks_selected_notifications_read(world, client):
    notify(world.producer_a, "test:1")
    notify(world.producer_b, "test:1")
    mine = Notification.objects.get(recipient=world.producer_a)
    theirs = Notification.objects.get(recipient=world.producer_b)
    client.force_login(world.producer_a)

    response = client.post(
        reverse("admin:workflow_notification_changelist"),
        {"action": "mark_read", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )

    assert response.status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None  # not in the user's queryset, so never selected


def test_someone_elses_notification_in_the_admin_is_not_found(world, client):
    notify(world.producer_b, "test:1")
    client.force_login(world.producer_a)
    theirs = Notification.objects.get()
    url = reverse("admin:workflow_notification_change", args=[theirs.pk])
    assert client.get(url).status_code == 404
