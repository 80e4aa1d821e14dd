"""Two beat processes run at once (a second one started by mistake, or two during a deploy),
each sending the reminder sweep, run by two workers at the same moments, while deadlines come
due: still no reminder is sent twice. What guarantees it is the database (unique reminder rows,
claims with SKIP LOCKED, notifications unique per source), not a single beat.

The beats use ``tests/faults/beat_settings.py``: the real settings with the sweep four times a second
instead of every five minutes, so that the two workers sweep at the same moments most of the time.
"""

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory
from tests.faults import mailbox
from tests.faults.support import FAULT, wait_for
from workflow.models import Deadline, DeadlineKind, Membership, Notification, Reminder

pytestmark = FAULT

BEAT_SETTINGS = "tests.faults.beat_settings"
DEADLINES = 6
SENDING = "Sending due task sweep-reminders"
SWEPT = re.compile(r"Task workflow\.sweep_reminders\[[^\]]+\] succeeded in [0-9.]+s: (\d+)")


@pytest.fixture
def projects(world, make_project):
    """Projects under the platform's evaluation, with many content managers to remind (so that a
    sweep's claim takes a while and the other beat's sweep comes in meanwhile); two of them have
    an e-mail address."""
    e_mailed = UserFactory(username="cm_beats")
    managers = [e_mailed] + [UserFactory(username=f"cm_beats_{n}", email="") for n in range(40)]
    for user in managers:
        MembershipFactory(
            user=user, organisation=world.platform, role=Membership.Role.CONTENT_MANAGER
        )
    return [make_project("submitted", title=f"Beats {n}") for n in range(DEADLINES)]


def test_two_beats_never_send_a_reminder_twice(
    world, projects, redis_server, processes, mailbox_path
):
    workers = [processes.worker(f"worker{n}", redis_server.url) for n in (1, 2)]
    beats = [
        processes.beat(f"beat{n}", redis_server.url, DJANGO_SETTINGS_MODULE=BEAT_SETTINGS)
        for n in (1, 2)
    ]
    try:
        wait_for(
            lambda: (
                all(" ready." in w.log() for w in workers)
                and all(SENDING in b.log() for b in beats)
            ),
            "the workers and both beats to start",
        )
        # Deadlines falling due one after another in the next seconds: each is reminded at
        # offset -1 (already reached) and then at 0, as its time passes, while both beats send
        # sweeps.
        start = timezone.now()
        deadlines = [
            Deadline.objects.create(
                project=project,
                kind=DeadlineKind.EVALUATION,
                due_at=start + timedelta(seconds=2 + n),
                responsible_organisation=world.platform,
                responsible_role=Membership.Role.CONTENT_MANAGER,
            )
            for n, project in enumerate(projects)
        ]
        sent_before = [b.log().count(SENDING) for b in beats]
        last_due = max(d.due_at for d in deadlines)
        wait_for(lambda: timezone.now() > last_due + timedelta(seconds=2), "the deadlines")
        wait_for(
            lambda: all(
                b.log().count(SENDING) - before >= 5
                for b, before in zip(beats, sent_before, strict=True)
            ),
            "both beats to send sweeps",
        )
    finally:
        for beat in beats:
            beat.stop()
    managers = Membership.objects.filter(
        organisation=world.platform, role=Membership.Role.CONTENT_MANAGER
    )
    expected = DEADLINES * 2 * managers.count()  # offsets -1 and 0
    with_email = managers.exclude(user__email="").count()
    wait_for(
        lambda: (
            Reminder.objects.filter(status=Reminder.Status.SENT).count() >= expected
            and len(mailbox.read(mailbox_path)) >= DEADLINES * 2 * with_email
            and redis_server.queue_length() == 0
            and redis_server.unacked() == 0  # nothing reserved, no sweep running
        ),
        "the workers to finish the sweeps and e-mails",
    )
    for worker in workers:
        worker.stop()  # a task already started finishes first
    assert redis_server.queue_length() == 0

    # Each sweep reports how many reminders it sent: together, each reminder exactly once.
    counts = [[int(n) for n in SWEPT.findall(w.log())] for w in workers]
    assert all(counts), counts  # both workers ran sweeps
    assert sum(map(sum, counts)) == expected
    keys = Counter(Reminder.objects.values_list("deadline_id", "offset", "recipient_id"))
    assert len(keys) == expected
    assert {offset for _deadline, offset, _recipient in keys} == {"-1", "0"}
    assert not Reminder.objects.exclude(status=Reminder.Status.SENT).exists()
    sources = Counter(Notification.objects.values_list("recipient_id", "source"))
    assert len(sources) == expected
    emails = Counter((m["to"][0], m["subject"]) for m in mailbox.read(mailbox_path))
    assert sum(emails.values()) == DEADLINES * 2 * with_email
    assert set(emails.values()) == {1}
