"""Webhooks: an organisation's subscriptions, and the outbox that is also the delivery log."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflow.models import Organisation


class WebhookEventType(models.TextChoices):
    PROJECT_TRANSITIONED = "project.transitioned", _("Project transitioned")
    PROJECT_RELEASED = "project.released", _("Project released")
    EVALUATION_DECIDED = "evaluation.decided", _("Evaluation decided")
    REVIEW_DECIDED = "review.decided", _("Review decided")
    FEEDBACK_ITEM_ADDED = "feedback_item.added", _("Feedback item added")
    DEADLINE_OVERDUE = "deadline.overdue", _("Deadline overdue")
    CONTRACT_COUNTERSIGNED = "contract.countersigned", _("Contract countersigned")
    CLEARANCE_ISSUED = "clearance.issued", _("Clearance issued")


class WebhookSubscription(models.Model):
    """Where an organisation wants its events sent, and how that has been going.

    The secret is stored as issued (not hashed): the server needs it to sign every delivery.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("organisation"),
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100)
    # After a rotation the previous secret signs too, until it expires (both signatures sent).
    previous_secret = models.CharField(
        _("previous signing secret"), max_length=100, blank=True, default="", db_default=""
    )
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True
    )
    event_types = models.JSONField(_("event types"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Deleted subscriptions are kept (switched off, secrets wiped) so that their delivery log
    # stays readable by the organisation's admins; they are in no list and never deliver.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Set only on the instance that ``webhooks.webhook_subscribe`` returns: shown once.
    issued_secret: str | None = None

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "is_active"], name="webhook_sub_org_active"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(is_active=False),
                name="webhook_sub_deleted_is_inactive",
            ),
        ]

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return f"{self.organisation} → {self.url} ({_('deleted')})"
        return f"{self.organisation} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the event's transaction (the outbox), then
    sent after commit and retried; its row is the delivery log. Unique per (subscription,
    event id), so an event is recorded, and effective, once per subscriber."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed, will retry")
        GIVEN_UP = "given_up", _("Given up")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event_type = models.CharField(_("event type"), max_length=40, choices=WebhookEventType.choices)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            ),
        ]
        indexes = [
            # The retry sweep: deliveries still to send, by when.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"
