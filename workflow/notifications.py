"""In-app notifications, e-mailed after commit: services and selectors.

A notification is unique per (recipient, source), so the same cause (a transition, a reminder)
notifies a person once however often the code that reports it runs: a retried task, two sweeps.
Only the rows a call really inserts are e-mailed, so a retry sends no second e-mail either.
"""

import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from common.errors import PermissionDenied

from .models import Membership, Notification, Project

logger = logging.getLogger(__name__)

# Transient delivery failures: the SMTP server refused or dropped us, or the network did.
EMAIL_ERRORS = (smtplib.SMTPException, OSError)
# The task normally sends within seconds; the sweep takes over after this, until the give-up.
EMAIL_GRACE = timedelta(minutes=1)
EMAIL_GIVE_UP = timedelta(days=1)

# Rows per INSERT: 9 parameters each stays well under SQLite's 999-variable floor.
_BATCH = 100
_COLUMNS = (
    "recipient",
    "project",
    "target_type",
    "target_id",
    "subject",
    "body",
    "source",
    "created_at",
    "email_pending",
)


@dataclass(frozen=True)
class Message:
    recipient_id: int
    subject: str
    body: str
    source: str
    project_id: int | None = None
    email: str = ""
    target_type_id: int | None = None
    target_id: int | None = None


def _insert_new(messages: list[Message]) -> list[tuple[int, int, str]]:
    """INSERT ... ON CONFLICT (recipient, source) DO NOTHING RETURNING id.

    ``bulk_create(ignore_conflicts=True)`` does the same insert but cannot say which rows it
    inserted; the rows returned (id, recipient id, source) are the new ones, hence the ones to
    e-mail.
    """
    meta = Notification._meta
    fields = [meta.get_field(name) for name in _COLUMNS]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    now = timezone.now()
    inserted: list[tuple[int, int, str]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(messages), _BATCH):
            batch = messages[start : start + _BATCH]
            params = [
                field.get_db_prep_save(value, connection)
                for message in batch
                for field, value in zip(fields, _values(message, now), strict=True)
            ]
            sql = (
                f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "  # noqa: S608 - names from _meta
                + ", ".join([row] * len(batch))
                + f" ON CONFLICT ({qn('recipient_id')}, {qn('source')}) DO NOTHING"
                + f" RETURNING {qn('id')}, {qn('recipient_id')}, {qn('source')}"
            )
            cursor.execute(sql, params)
            inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted


def _values(message: Message, now) -> tuple:
    return (
        message.recipient_id,
        message.project_id,
        message.target_type_id,
        message.target_id,
        message.subject[:300],
        message.body,
        message.source,
        now,
        bool(message.email),
    )


def deliver(messages: Iterable[Message]) -> list[int]:
    """Create the notifications that do not exist yet; e-mail the new ones after commit.

    Returns the ids of the notifications created by this call.
    """
    messages = list(messages)
    if not messages:
        return []
    with transaction.atomic():
        inserted = _insert_new(messages)
        with_address = {(m.recipient_id, m.source) for m in messages if m.email}
        to_email = sorted(pk for pk, *key in inserted if tuple(key) in with_address)
        if to_email:
            transaction.on_commit(lambda: _enqueue_emails(to_email))
    return [pk for pk, *_ in inserted]


def _enqueue_emails(ids: list[int]) -> None:
    from .tasks import delay_each_or_run_here, send_notification_email

    delay_each_or_run_here(send_notification_email, ids)


def notification_email_send(*, notification_id: int) -> int:
    """E-mail a pending notification; returns the number of messages sent (0 or 1).

    The row is claimed (skip locked) and marked sent in the transaction that sends, so the task
    and the sweep never send it twice; a failed send rolls back and leaves it pending. A crash
    after the SMTP server took the message but before the commit sends it again: at least once.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email_pending=True)
            .first()
        )
        if notification is None:
            return 0  # sent already, or being sent by another worker
        recipient = notification.recipient
        sent = 0
        if recipient.is_active and recipient.email:
            sent = send_mail(notification.subject, notification.body, None, [recipient.email])
        Notification.objects.filter(pk=notification.pk).update(email_pending=False)
    return sent


def pending_emails_sweep(*, now=None, limit: int = 500) -> int:
    """Send the e-mails still pending a minute after their notification was created (their task
    was lost with a worker or a broker); a day later they are given up. Returns how many were
    sent."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            email_pending=True,
            created_at__lt=now - EMAIL_GRACE,
            created_at__gte=now - EMAIL_GIVE_UP,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        try:
            sent += notification_email_send(notification_id=pk)
        except EMAIL_ERRORS:
            logger.warning("e-mail of notification %s failed; still pending", pk, exc_info=True)
    return sent


def notify(
    *, recipients: Iterable, subject: str, body: str, source: str, project=None, target=None
) -> int:
    """Notify each recipient (a user) once for ``source``; returns how many were new.

    ``target``: the record the notification is about (a model instance), for a link to it."""
    project_id = project.pk if isinstance(project, Project) else project
    target_type_id, target_id = _target(target)
    messages = [
        Message(
            recipient_id=user.pk,
            subject=subject,
            body=body,
            source=source,
            project_id=project_id,
            email=user.email or "",
            target_type_id=target_type_id,
            target_id=target_id,
        )
        for user in recipients
    ]
    return len(deliver(messages))


def _target(target) -> tuple[int | None, int | None]:
    if target is None:
        return None, None
    return ContentType.objects.get_for_model(target).pk, target.pk


def members(organisation_id: int | None, role: str) -> list:
    """The active users holding ``role`` in the organisation, by id: who a hand-off tells."""
    if organisation_id is None:
        return []
    memberships = Membership.objects.filter(
        organisation_id=organisation_id, role=role, user__is_active=True
    ).select_related("user")
    return sorted({m.user for m in memberships}, key=lambda user: user.pk)


def notification_language() -> str:
    """The language notifications are written in: the site's, whoever acted and wherever (a
    request in Chinese, a worker), so that one person's notifications read alike. A person's own
    language, once the users have one, is the place to change."""
    return settings.LANGUAGE_CODE


def notify_on_commit(hand_off: Callable[[], object], *, what: str) -> None:
    """Run ``hand_off`` (which calls ``notify``) once the current transaction commits.

    Who is told and what is read after the commit, from what was committed, so that the write
    pays nothing for it and a rolled-back change tells nobody. The hand-off's sources make it
    idempotent (a retried service notifies nobody twice). A failure is logged and never reaches
    the caller: their change is saved, and a notification is not worth an error for it.
    """

    def run() -> None:
        try:
            with translation.override(notification_language()):
                hand_off()
        except Exception:
            logger.exception("notifying %s failed", what)

    transaction.on_commit(run)


# Reads.


def notification_list_for(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first; nobody sees anyone else's."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("project")


def notification_url(notification: Notification) -> str:
    """The page of what the notification is about (its project's), or "" when it names none."""
    return project_page(notification.project_id)


def project_page(project_id: int | None) -> str:
    return "" if project_id is None else reverse("admin:workflow_project_change", args=[project_id])


def unread_count(user) -> int:
    return notification_list_for(user).filter(read_at__isnull=True).count()


# Writes.


def notification_mark_read(*, notification: Notification, user) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionDenied()
    if notification.read_at is None:
        now = timezone.now()
        # Conditional: a concurrent mark keeps the first time it was read.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
