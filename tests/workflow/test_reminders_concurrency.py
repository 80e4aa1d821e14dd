"""Exactly-once reminders on PostgreSQL: concurrent sweeps never deliver a reminder twice."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from tests.concurrency import race
from tests.factories import MembershipFactory, UserFactory
from workflow.models import Deadline, DeadlineKind, Membership, Notification, Reminder
from workflow.reminders import reminders_sweep

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def due(world, make_project):
    """Eight deadlines at various offsets, two managers and an admin on the platform."""
    second = UserFactory(username="cm_p2")
    MembershipFactory(
        user=second, organisation=world.platform, role=Membership.Role.CONTENT_MANAGER
    )
    admin = UserFactory(username="admin_p")
    MembershipFactory(user=admin, organisation=world.platform, role=Membership.Role.ORG_ADMIN)
    for hours in (-60, -30, -5, 0, 20, 50, 70, 100):
        Deadline.objects.create(
            project=make_project("submitted"),
            kind=DeadlineKind.EVALUATION,
            due_at=NOW - timedelta(hours=hours),
            responsible_organisation=world.platform,
            responsible_role=Membership.Role.CONTENT_MANAGER,
        )


def assert_each_delivered_once():
    keys = Counter(Reminder.objects.values_list("deadline_id", "offset", "recipient_id"))
    assert keys
    assert set(keys.values()) == {1}
    assert not Reminder.objects.filter(status=Reminder.Status.PENDING).exists()
    sources = Counter(Notification.objects.values_list("recipient_id", "source"))
    assert set(sources.values()) == {1}
    assert len(sources) == len(keys)
    emails = Counter((tuple(m.to), m.subject) for m in mail.outbox)
    assert sum(emails.values()) == len(keys)


def test_concurrent_sweeps_deliver_each_reminder_once(due):
    results = race(worker=lambda: reminders_sweep(now=NOW), threads=8)

    assert not [r for r in results if isinstance(r, Exception)], results
    # 8 deadlines x 2 managers, and the 3 overdue by 2 days or more also to the admin.
    assert sum(results) == Reminder.objects.count() == 8 * 2 + 3
    assert_each_delivered_once()


def test_two_beats_and_a_retry_a_minute_apart_send_nothing_twice(due):
    first = race(worker=lambda: reminders_sweep(now=NOW), threads=2)
    again = race(worker=lambda: reminders_sweep(now=NOW + timedelta(minutes=1)), threads=2)

    assert sum(first) == Reminder.objects.count()
    assert again == [0, 0]
    assert_each_delivered_once()
