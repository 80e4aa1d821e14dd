"""The reminder sweep: offsets, escalation, the right people, once each (clock frozen by ``now=``)."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory
from workflow.models import Deadline, DeadlineKind, Membership, Notification, Reminder
from workflow.reminders import Schedule, due_deadlines, reminders_sweep
from workflow.tasks import sweep_reminders

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = timedelta(days=1)
R = Membership.Role


@pytest.fixture
def deadline_for(make_project, world):
    def make(due_at, *, organisation=None, role=R.CONTENT_MANAGER, project=None, **fields):
        return Deadline.objects.create(
            project=project or make_project("submitted"),
            kind=fields.pop("kind", DeadlineKind.EVALUATION),
            due_at=due_at,
            responsible_organisation=organisation or world.platform,
            responsible_role=role,
            **fields,
        )

    return make


@pytest.fixture
def platform_admin(world):
    user = UserFactory(username="admin_p")
    MembershipFactory(user=user, organisation=world.platform, role=R.ORG_ADMIN)
    return user


def sent(deadline) -> list[tuple[str, str, bool]]:
    return sorted(
        Reminder.objects.filter(deadline=deadline, status=Reminder.Status.SENT).values_list(
            "offset", "recipient__username", "escalation"
        )
    )


def test_schedule_defaults_are_three_days_one_day_due_then_five_overdue_days(settings):
    schedule = Schedule.from_settings()
    assert schedule.offsets == (-3, -1, 0, 1, 2, 3, 4, 5)
    assert schedule.escalate_from == 2


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NOW - 4 * DAY, []),
        (NOW - 3 * DAY, ["-3"]),
        (NOW - 2 * DAY, []),  # -3 already sent, -1 not yet reached
        (NOW - DAY, ["-1"]),
        (NOW - timedelta(minutes=1), []),
        (NOW, ["0"]),
        (NOW + DAY, ["+1"]),
    ],
)
def test_each_offset_is_sent_once_when_reached(world, deadline_for, now, expected):
    deadline = deadline_for(NOW)
    # Walk the clock from five days before up to ``now``; keep what the last step sent.
    steps = [NOW - 5 * DAY + k * timedelta(hours=12) for k in range(30)]
    for step in [s for s in steps if s < now]:
        reminders_sweep(now=step)
    before = {offset for offset, *_ in sent(deadline)}

    reminders_sweep(now=now)

    after = {offset for offset, *_ in sent(deadline)}
    assert sorted(after - before) == expected


def test_a_full_lifetime_sends_every_offset_once_to_the_responsible_role(world, deadline_for):
    deadline = deadline_for(NOW)
    for hours in range(-5 * 24, 8 * 24, 1):  # hourly, from 5 days before to 8 days after
        reminders_sweep(now=NOW + timedelta(hours=hours))

    offsets = [offset for offset, username, _ in sent(deadline) if username == "cm_p"]
    assert sorted(offsets, key=int) == ["-3", "-1", "0", "+1", "+2", "+3", "+4", "+5"]
    assert Notification.objects.filter(recipient=world.content_manager).count() == 8


def test_a_late_created_deadline_gets_only_the_latest_offset(world, deadline_for):
    deadline = deadline_for(NOW + timedelta(hours=12))  # created with -3 long past

    assert reminders_sweep(now=NOW) == 1

    assert sent(deadline) == [("-1", "cm_p", False)]  # not -3 as well


def test_escalation_from_the_second_overdue_day_adds_the_organisation_admin(
    world, deadline_for, platform_admin
):
    deadline = deadline_for(NOW)

    reminders_sweep(now=NOW + DAY)
    assert sent(deadline) == [("+1", "cm_p", False)]

    reminders_sweep(now=NOW + 2 * DAY)
    assert sent(deadline) == [("+1", "cm_p", False), ("+2", "admin_p", True), ("+2", "cm_p", False)]
    escalated = Notification.objects.get(recipient=platform_admin)
    assert "Escalation" in escalated.subject
    assert escalated.project_id == deadline.project_id


def test_recipients_are_the_responsible_role_of_the_responsible_organisation_only(
    world, deadline_for, platform_admin
):
    inactive = UserFactory(username="cm_gone", is_active=False)
    MembershipFactory(user=inactive, organisation=world.platform, role=R.CONTENT_MANAGER)
    second = UserFactory(username="cm_p2")
    MembershipFactory(user=second, organisation=world.platform, role=R.CONTENT_MANAGER)
    deadline = deadline_for(NOW)

    reminders_sweep(now=NOW)

    # Not the rater of the same platform, not the other platform's manager, not the admin
    # (before escalation), not the inactive manager, not the producer.
    assert sent(deadline) == [("0", "cm_p", False), ("0", "cm_p2", False)]
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "cm_p",
        "cm_p2",
    }


def test_a_producer_deadline_reminds_the_producers(world, deadline_for):
    deadline = deadline_for(NOW, organisation=world.studio_a, role=R.PRODUCER)

    reminders_sweep(now=NOW)

    assert sent(deadline) == [("0", "producer_a", False)]


def test_paused_and_closed_deadlines_are_not_reminded(world, deadline_for, make_project):
    deadline_for(NOW, paused_at=NOW - DAY)
    deadline_for(NOW, status=Deadline.Status.MET, closed_at=NOW - DAY)

    assert reminders_sweep(now=NOW) == 0
    assert Reminder.objects.count() == 0


def test_a_retried_sweep_sends_nothing_new(world, deadline_for, platform_admin):
    deadline_for(NOW)
    deadline_for(NOW - 2 * DAY)
    assert reminders_sweep(now=NOW) == 3  # 0 to cm_p; +2 to cm_p and the admin

    assert reminders_sweep(now=NOW) == 0
    assert reminders_sweep(now=NOW + timedelta(minutes=5)) == 0
    assert Notification.objects.count() == 3
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == 0


def test_e_mails_leave_after_commit_one_per_reminder(
    world, deadline_for, django_capture_on_commit_callbacks
):
    deadline_for(NOW)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=NOW)
        assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [[world.content_manager.email]]
    assert "Evaluation due" in mail.outbox[0].subject

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=NOW)
    assert len(mail.outbox) == 1


def test_the_beat_task_runs_the_sweep(world, deadline_for):
    deadline_for(NOW - DAY)  # the task uses the real clock: make it overdue by now
    Deadline.objects.update(due_at=datetime.now(tz=ZoneInfo("UTC")) - timedelta(hours=1))

    assert sweep_reminders.delay().get() == 1
    assert Reminder.objects.get().offset == "0"


def test_the_sweep_query_uses_the_window_not_all_deadlines(world, deadline_for):
    inside = deadline_for(NOW + 2 * DAY)
    deadline_for(NOW + 30 * DAY, kind=DeadlineKind.PLANNING_FILING)  # far ahead
    deadline_for(NOW - 30 * DAY, kind=DeadlineKind.CUT_REVIEW)  # reminders long finished

    assert [row[0] for row in due_deadlines(NOW, Schedule.from_settings())] == [inside.pk]


def test_sweep_query_count_does_not_grow_with_deadlines(
    world, deadline_for, make_project, django_assert_num_queries
):
    for _ in range(3):
        deadline_for(NOW - timedelta(hours=1))
    with django_assert_num_queries(11) as few:  # 7 statements (1: webhooks), 2 savepoints
        reminders_sweep(now=NOW)
    Reminder.objects.all().delete()
    Notification.objects.all().delete()
    for _ in range(15):
        deadline_for(NOW - timedelta(hours=1))
        deadline_for(NOW + 60 * DAY)
    with django_assert_num_queries(len(few.captured_queries)):
        assert reminders_sweep(now=NOW) == 18


@pytest.mark.postgres
def test_the_sweep_query_uses_the_partial_index(world, deadline_for, make_project):
    due = deadline_for(NOW)
    Deadline.objects.bulk_create(
        Deadline(
            project=due.project,
            kind=DeadlineKind.FINAL_REVIEW,
            round=index,
            due_at=NOW + timedelta(days=30, minutes=index),
            responsible_organisation=world.platform,
            responsible_role=R.CONTENT_MANAGER,
        )
        for index in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workflow_deadline")

    plan = due_deadlines(NOW, Schedule.from_settings()).explain()

    assert "deadline_sweep" in plan


def test_the_sweep_runs_once_from_the_command_line(world, deadline_for):
    deadline = deadline_for(timezone.now() + timedelta(hours=12))
    first, again = StringIO(), StringIO()

    call_command("sweep_reminders", stdout=first)
    call_command("sweep_reminders", stdout=again)

    assert first.getvalue() == "Reminders sent: 1.\n"
    assert again.getvalue() == "Reminders sent: 0.\n"  # each reminder goes once
    assert sent(deadline) == [("-1", "cm_p", False)]
