"""Deadlines, their SLAs and history, the reminders they send, and in-app notifications."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.formats import local_datetime
from workflow.models import Membership, Organisation, Project, TimeStampedModel


class DeadlineKind(models.TextChoices):
    EVALUATION = "evaluation", _("Evaluation due")
    PLANNING_FILING = "planning_filing", _("Planning filing due")
    PRODUCER_RESPONSE = "producer_response", _("Producer response due")
    CUT_REVIEW = "cut_review", _("Cut review due")
    FINAL_REVIEW = "final_review", _("Finished-cut review due")
    RELEASE_DATE = "release_date", _("Release date")
    CLEARANCE_EXPIRY = "clearance_expiry", _("Clearance expiry")
    EXCLUSIVITY_END = "exclusivity_end", _("Exclusivity end")
    INSTALLMENT_DUE = "installment_due", _("Installment due")


class SLA(TimeStampedModel):
    """How long a kind of deadline runs from the moment its state is entered (admins edit it)."""

    kind = models.CharField(_("kind"), max_length=30, choices=DeadlineKind.choices, unique=True)
    days = models.PositiveSmallIntegerField(
        _("days"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        verbose_name = _("SLA")
        verbose_name_plural = _("SLAs")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                name="sla_days_in_range", condition=Q(days__gte=1, days__lte=365)
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.days}"


class Deadline(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MET = "met", _("Met")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DeadlineKind.choices)
    round = models.PositiveIntegerField(_("round"), default=0)
    due_at = models.DateTimeField(_("due at"))
    responsible_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="deadlines",
        verbose_name=_("responsible organisation"),
    )
    responsible_role = models.CharField(
        _("responsible role"), max_length=30, choices=Membership.Role.choices
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    paused_at = models.DateTimeField(
        _("paused at"),
        null=True,
        blank=True,
        help_text=_("Set while the clock waits on the producer."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        indexes = [
            # The reminder sweep: open, running clocks by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(status="open", paused_at__isnull=True),
                name="deadline_sweep",
            ),
            models.Index(fields=["project", "status"], name="deadline_project_status"),
            # The deadline lists' order.
            models.Index(fields=["due_at", "id"], name="deadline_due"),
            models.Index(
                fields=["responsible_organisation", "status", "due_at"],
                name="deadline_responsible",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "round"],
                condition=Q(status="open"),
                name="deadline_one_open_per_kind_round",
            ),
            models.CheckConstraint(
                name="deadline_closed_has_time",
                condition=Q(status="open", closed_at__isnull=True)
                | ~Q(status="open") & Q(closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.project} · {local_datetime(self.due_at)}"


class DeadlineEvent(models.Model):
    """What happened to a deadline, so its history shows pauses and the moved due time."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        PAUSED = "paused", _("Paused")
        RESUMED = "resumed", _("Resumed")
        MOVED = "moved", _("Moved")
        MET = "met", _("Met")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, related_name="events", verbose_name=_("deadline")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    due_before = models.DateTimeField(_("due before"), null=True, blank=True)
    due_after = models.DateTimeField(_("due after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("deadline event")
        verbose_name_plural = _("deadline events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.deadline_id}: {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class Reminder(models.Model):
    """One reminder of one deadline at one offset to one person: delivered once.

    The unique row is the claim: the sweep creates it (or finds it), locks it with SKIP LOCKED,
    sends, and marks it sent; a second sweep, a retried task or a second beat finds it sent or
    locked and moves on.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")

    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("deadline")
    )
    offset = models.CharField(
        _("offset"), max_length=10, help_text=_("Days relative to the due time, e.g. -3, 0, +2.")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    escalation = models.BooleanField(_("escalation"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "offset", "recipient"], name="reminder_once_per_offset"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="pending"), name="reminder_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.offset} → {self.recipient_id}"


class Notification(models.Model):
    """An in-app notification (also e-mailed when the recipient has an address)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("project"),
    )
    # The record the notification is about (a scorecard, a filing, a contract, an installment),
    # so that it can link to it; blank when the project itself is the subject.
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about (type)"),
    )
    target_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    # What caused it, for idempotency: e.g. "transition:42" or "reminder:17".
    source = models.CharField(_("source"), max_length=60)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set when the notification is created for a recipient with an address, cleared in the
    # transaction that sends the e-mail: a message lost with a worker or the broker is still
    # pending, and the minute's sweep sends it.
    email_pending = models.BooleanField(_("e-mail pending"), default=False, db_default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["created_at"],
                condition=Q(email_pending=True),
                name="notification_email_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "source"], name="notification_once_per_source"
            ),
            models.CheckConstraint(
                name="notification_target_whole",
                condition=Q(target_type__isnull=True, target_id__isnull=True)
                | Q(target_type__isnull=False, target_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.subject
