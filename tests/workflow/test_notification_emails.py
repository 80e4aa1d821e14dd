"""Notification e-mails are sent at least once and, short of a crash inside the send, once: the
task and the minute's sweep claim the pending row and clear it in the transaction that sends."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import UserFactory
from workflow import notifications
from workflow.models import Notification
from workflow.tasks import send_notification_email, sweep_pending_emails


def notify_without_sending(user, source):
    """Create the notification but lose its e-mail task (the on-commit callback never runs),
    as when the worker holding it is killed or the broker drops it."""
    notifications.notify(recipients=[user], subject=f"About {source}", body="Body", source=source)
    return Notification.objects.get(recipient=user, source=source)


def age(notification, minutes):
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_the_task_sends_once_however_often_it_runs(world):
    notification = notify_without_sending(world.producer_a, "test:1")
    assert notification.email_pending

    assert send_notification_email(notification.pk) == 1
    assert send_notification_email(notification.pk) == 0  # a redelivered message

    assert [m.to for m in mail.outbox] == [["producer_a@example.com"]]
    notification.refresh_from_db()
    assert not notification.email_pending


def test_the_sweep_sends_what_a_lost_task_left_pending_then_nothing_more(world):
    lost = notify_without_sending(world.producer_a, "test:lost")
    age(lost, 2)

    assert sweep_pending_emails() == 1
    assert sweep_pending_emails() == 0
    assert send_notification_email(lost.pk) == 0  # the late task finds it sent

    assert [m.subject for m in mail.outbox] == ["About test:lost"]


def test_the_sweep_leaves_fresh_notifications_to_their_task_and_gives_up_after_a_day(world):
    fresh = notify_without_sending(world.producer_a, "test:fresh")
    stale = notify_without_sending(world.admin_a, "test:stale")
    age(stale, 60 * 24 + 1)

    assert sweep_pending_emails() == 0
    assert mail.outbox == []
    assert Notification.objects.get(pk=fresh.pk).email_pending  # its task is still to come


def test_a_failed_send_stays_pending_for_the_next_sweep(world, settings, monkeypatch):
    notification = notify_without_sending(world.producer_a, "test:smtp")
    age(notification, 2)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    assert sweep_pending_emails() == 0
    assert Notification.objects.get(pk=notification.pk).email_pending

    monkeypatch.undo()
    assert sweep_pending_emails() == 1
    assert len(mail.outbox) == 1


def test_a_recipient_without_an_address_is_never_pending(db):
    silent = UserFactory(username="silent", email="")
    notification = notify_without_sending(silent, "test:silent")
    assert not notification.email_pending


@pytest.mark.django_db
def test_a_deactivated_recipient_is_not_mailed_and_not_retried(world):
    notification = notify_without_sending(world.producer_a, "test:inactive")
    world.producer_a.is_active = False
    world.producer_a.save(update_fields=["is_active"])
    age(notification, 2)

    assert sweep_pending_emails() == 0
    assert mail.outbox == []
    assert not Notification.objects.get(pk=notification.pk).email_pending
