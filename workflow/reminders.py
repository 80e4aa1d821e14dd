"""The reminder sweep: a short, idempotent pass over the deadlines that are due for a reminder.

Each (deadline, offset, recipient) becomes one ``Reminder`` row (unique), created with
``ON CONFLICT DO NOTHING``; pending rows are then claimed with ``SELECT ... FOR UPDATE SKIP
LOCKED``, notified and marked sent in the same transaction. Two sweeps at once, a retried task or
a second beat therefore never deliver a reminder twice: the loser either cannot insert the row or
finds it locked or already sent.

The number of queries is constant (bulk reads and writes), whatever the number of deadlines; the
work grows with the deadlines in the reminder window only, found through the partial index
``deadline_sweep``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notifications, webhooks
from .models import Deadline, DeadlineKind, Membership, Reminder

# Pending reminders claimed per transaction; the next sweep (5 minutes on) takes the rest.
CLAIM_BATCH = 1000
# Deadlines that announce a date rather than wait for work: reminded before and on the day, never
# "overdue" after it (exclusivity simply ends).
DATES_THAT_PASS = frozenset({DeadlineKind.EXCLUSIVITY_END})


@dataclass(frozen=True)
class Schedule:
    offsets: tuple[int, ...]  # days relative to the due time, ascending
    escalate_from: int  # overdue day from which the organisation's admins are told too

    @classmethod
    def from_settings(cls) -> "Schedule":
        before = sorted(set(getattr(settings, "MDPROD_REMINDER_OFFSETS_DAYS", [-3, -1, 0])))
        overdue_days = int(getattr(settings, "MDPROD_REMINDER_OVERDUE_DAYS", 5))
        last = max(before) if before else 0
        overdue = range(max(last, 0) + 1, overdue_days + 1)
        return cls(
            offsets=tuple(sorted({*before, *overdue})),
            escalate_from=int(getattr(settings, "MDPROD_REMINDER_ESCALATE_FROM_DAY", 2)),
        )

    @property
    def lead(self) -> timedelta:
        """How long before the due time the first reminder goes."""
        return timedelta(days=max(0, -self.offsets[0]))

    @property
    def tail(self) -> timedelta:
        """How long after the due time the last reminder goes, plus a day's grace for a sweep
        that did not run (beat down): a deadline older than that has had all its reminders."""
        return timedelta(days=max(0, self.offsets[-1]) + 1)

    def latest_reached(self, due_at: datetime, now: datetime) -> int | None:
        """The most recent offset already reached: a deadline created late gets that one only,
        not every earlier one at once."""
        reached = [o for o in self.offsets if due_at + timedelta(days=o) <= now]
        return reached[-1] if reached else None


def offset_label(offset: int) -> str:
    return str(offset) if offset <= 0 else f"+{offset}"


def due_deadlines(now: datetime, schedule: Schedule):
    """One range scan of the partial index ``deadline_sweep`` (open, running clocks by due time)."""
    return (
        Deadline.objects.filter(
            status=Deadline.Status.OPEN,
            paused_at__isnull=True,
            due_at__lte=now + schedule.lead,
            due_at__gte=now - schedule.tail,
        )
        .order_by()
        .values_list("pk", "due_at", "responsible_organisation_id", "responsible_role", "kind")
    )


def _plan(now: datetime, schedule: Schedule) -> list[Reminder]:
    """The reminder rows the due deadlines call for now (existing ones are skipped on insert)."""
    due = [
        (pk, offset, organisation_id, role)
        for pk, due_at, organisation_id, role, kind in due_deadlines(now, schedule)
        if (offset := schedule.latest_reached(due_at, now)) is not None
        and not (offset > 0 and kind in DATES_THAT_PASS)
    ]
    if not due:
        return []
    organisation_ids = {organisation_id for _pk, _o, organisation_id, _r in due}
    roles = {role for *_rest, role in due} | {Membership.Role.ORG_ADMIN}
    members: dict[tuple[int, str], set[int]] = {}
    for organisation_id, role, user_id in Membership.objects.filter(
        organisation_id__in=organisation_ids, role__in=roles, user__is_active=True
    ).values_list("organisation_id", "role", "user_id"):
        members.setdefault((organisation_id, role), set()).add(user_id)

    rows = []
    for pk, offset, organisation_id, role in due:
        responsible = members.get((organisation_id, role), set())
        label = offset_label(offset)
        for user_id in sorted(responsible):
            rows.append(Reminder(deadline_id=pk, offset=label, recipient_id=user_id))
        if offset >= schedule.escalate_from:
            admins = members.get((organisation_id, Membership.Role.ORG_ADMIN), set())
            for user_id in sorted(admins - responsible):
                rows.append(
                    Reminder(deadline_id=pk, offset=label, recipient_id=user_id, escalation=True)
                )
    return rows


_CLAIMED_FIELDS = (
    "pk",
    "offset",
    "escalation",
    "recipient_id",
    "recipient__email",
    "recipient__is_active",
    "deadline__kind",
    "deadline__due_at",
    "deadline__project_id",
    "deadline__project__title",
)


def _message(reminder: dict) -> notifications.Message:
    days = int(reminder["offset"])
    local_due = timezone.localtime(reminder["deadline__due_at"])
    values = {
        "kind": DeadlineKind(reminder["deadline__kind"]).label,
        "title": reminder["deadline__project__title"],
        "due": f"{local_due:%Y-%m-%d %H:%M %Z}",
        "days": abs(days),
    }
    if days < 0:
        subject = _("[mdprod] %(kind)s in %(days)d day(s): %(title)s") % values
    elif days == 0:
        subject = _("[mdprod] %(kind)s now: %(title)s") % values
    else:
        subject = _("[mdprod] %(kind)s overdue by %(days)d day(s): %(title)s") % values
    body = _("“%(title)s”: %(kind)s at %(due)s.") % values
    if reminder["escalation"]:
        subject = _("[mdprod] Escalation: %(subject)s") % {
            "subject": subject.removeprefix("[mdprod] ")
        }
        body += "\n\n" + _(
            "You receive this as your organisation's admin: the deadline is overdue and still open."
        )
    return notifications.Message(
        recipient_id=reminder["recipient_id"],
        subject=subject,
        body=body,
        source=f"reminder:{reminder['pk']}",
        project_id=reminder["deadline__project_id"],
        email=reminder["recipient__email"] if reminder["recipient__is_active"] else "",
    )


def _deliver_pending(now: datetime) -> int:
    """Claim pending reminders (skipping rows another sweep holds), notify, mark them sent."""
    with transaction.atomic():
        # Plain values, not model instances: a claim of hundreds stays cheap in Python too.
        claimed = list(
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=Reminder.Status.PENDING,
                deadline__status=Deadline.Status.OPEN,
                deadline__paused_at__isnull=True,
            )
            .order_by("created_at", "pk")
            .values(*_CLAIMED_FIELDS)[:CLAIM_BATCH]
        )
        if not claimed:
            return 0
        notifications.deliver(_message(reminder) for reminder in claimed)
        Reminder.objects.filter(pk__in=[r["pk"] for r in claimed]).update(
            status=Reminder.Status.SENT, sent_at=now
        )
    return len(claimed)


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Create the reminders now due and deliver the pending ones; returns how many were sent."""
    now = now or timezone.now()
    schedule = Schedule.from_settings()
    rows = _plan(now, schedule)
    if rows:
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    # Past the due time and still open: "deadline.overdue", once per deadline (idempotent).
    webhooks.deadlines_overdue(
        deadline_ids=sorted({r.deadline_id for r in rows if int(r.offset) >= 0})
    )
    return _deliver_pending(now)
