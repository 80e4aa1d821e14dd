"""A Celery worker is killed (SIGKILL: no shutdown handler runs) in the middle of the reminder
sweep; after a restart every reminder is delivered exactly once: one in-app notification and
one e-mail per (deadline, offset, recipient).

The kill lands inside the sweep deterministically: another session holds an uncommitted
notification with the same key as one the sweep is about to write, so the worker, having claimed
the reminders, waits on that row until it is killed. The sweep message it took is acknowledged
late, but Redis gives an unacknowledged message back only after the visibility timeout (an hour):
the next beat sweep (every five minutes; sent by the test here) is what delivers them.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory
from tests.faults import mailbox
from tests.faults.support import (
    FAULT,
    raw_connection,
    send_task,
    sessions_waiting_on_a_lock,
    wait_for,
)
from workflow.models import Deadline, DeadlineKind, Membership, Notification, Reminder
from workflow.tasks import sweep_reminders

pytestmark = FAULT


@pytest.fixture
def due_reminders(world, make_project):
    """Two deadlines due now for the platform's three content managers: six reminders, as the
    sweep plans them (offset 0), not yet sent."""
    managers = [world.content_manager]
    for index in (2, 3):
        user = UserFactory(username=f"cm_fault_{index}")
        MembershipFactory(
            user=user, organisation=world.platform, role=Membership.Role.CONTENT_MANAGER
        )
        managers.append(user)
    reminders = []
    for title in ("Fault one", "Fault two"):
        deadline = Deadline.objects.create(
            project=make_project("submitted", title=title),
            kind=DeadlineKind.EVALUATION,
            due_at=timezone.now() - timedelta(minutes=10),
            responsible_organisation=world.platform,
            responsible_role=Membership.Role.CONTENT_MANAGER,
        )
        reminders += [
            Reminder.objects.create(deadline=deadline, offset="0", recipient=user)
            for user in managers
        ]
    return reminders


def claimable(reminders) -> int:
    """How many of the reminders no other transaction holds locked."""
    with transaction.atomic():
        return len(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(pk__in=[r.pk for r in reminders])
            .values_list("pk", flat=True)
        )


def test_a_worker_killed_mid_sweep_leaves_every_reminder_delivered_once(
    due_reminders, redis_server, processes, mailbox_path
):
    last = due_reminders[-1]
    with raw_connection() as blocker:
        # Given a session holding an uncommitted notification with the last reminder's key,
        blocker.execute(
            f"INSERT INTO {Notification._meta.db_table}"  # noqa: S608 - a name from _meta
            " (recipient_id, subject, body, source, created_at) VALUES (%s, '', '', %s, now())",
            [last.recipient_id, f"reminder:{last.pk}"],
        )
        first = processes.worker("first", redis_server.url)
        try:
            send_task(sweep_reminders, redis_server.url)
            # when the worker has claimed every reminder and waits to write its notifications,
            wait_for(sessions_waiting_on_a_lock, "the sweep to wait in its transaction")
            assert claimable(due_reminders) == 0
            # it is killed.
            first.kill()
        finally:
            blocker.rollback()

    # The killed sweep's transaction is gone with its session: nothing sent, nothing held.
    wait_for(
        lambda: claimable(due_reminders) == len(due_reminders),
        "the killed worker's locks to be released",
    )
    assert not Reminder.objects.exclude(status=Reminder.Status.PENDING).exists()
    assert not Notification.objects.exists()
    assert mailbox.read(mailbox_path) == []

    # After a restart, the next sweep delivers them all,
    second = processes.worker("second", redis_server.url)
    send_task(sweep_reminders, redis_server.url)
    wait_for(
        lambda: len(mailbox.read(mailbox_path)) >= len(due_reminders),
        "the reminders' e-mails after the restart",
    )
    # and a later sweep adds nothing.
    send_task(sweep_reminders, redis_server.url)
    wait_for(
        lambda: second.log().count("Task workflow.sweep_reminders[") >= 4,  # received, succeeded
        "the worker to run both sweeps",
    )
    second.stop()
    assert redis_server.queue_length() == 0  # nothing left to send later either

    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    assert Reminder.objects.count() == len(due_reminders)
    sources = Counter(Notification.objects.values_list("recipient_id", "source"))
    assert sources == Counter({(r.recipient_id, f"reminder:{r.pk}"): 1 for r in due_reminders})
    titles = ("Fault one", "Fault two")
    delivered = Counter(
        (message["to"][0], title)
        for message in mailbox.read(mailbox_path)
        for title in titles
        if title in message["subject"]
    )
    expected = Counter(
        (r.recipient.email, r.deadline.project.title)
        for r in Reminder.objects.select_related("recipient", "deadline__project")
    )
    assert delivered == expected
    assert set(delivered.values()) == {1}
