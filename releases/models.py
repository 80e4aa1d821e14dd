"""The release gate: one row per cleared project (credits confirmation, schedule, going live)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from reviews.models import Clearance
from workflow.models import Project, TimeStampedModel

# The gate has no status field: its history logs statuses derived from its fields
# (``releases.services``), one kind per ``field`` of the log: credits, schedule, live.
CREDITS_PENDING = "credits_pending"
CREDITS_CONFIRMED = "credits_confirmed"
UNSCHEDULED = "unscheduled"
SCHEDULED_PREFIX = "scheduled:"  # followed by the day, so that moving it is a change too
NOT_LIVE = "not_live"
TAKEN_DOWN = "taken_down"
LIVE = "live"
STATUS_LABELS = {
    CREDITS_PENDING: _("Credits pending"),
    CREDITS_CONFIRMED: _("Credits confirmed"),
    UNSCHEDULED: _("Not scheduled"),
    NOT_LIVE: _("Not yet live"),
    TAKEN_DOWN: _("Taken down"),
    LIVE: _("Live"),
}


class Release(TimeStampedModel):
    """A project's release gate: the credits confirmation, the schedule, when it went live.

    The producer confirms that one clearance's number is shown in the opening credits; the
    confirmation belongs to that clearance (``clearance``), so a new clearance needs a new one.
    """

    project = models.OneToOneField(
        Project,
        on_delete=models.PROTECT,
        # Not "release": that is the project's transition method.
        related_name="release_gate",
        verbose_name=_("project"),
    )
    clearance = models.ForeignKey(
        Clearance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clearance shown in the credits"),
    )
    credits_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("credits confirmed by"),
    )
    credits_confirmed_at = models.DateTimeField(_("credits confirmed at"), null=True, blank=True)
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True, db_index=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheduled by"),
    )
    released_at = models.DateTimeField(
        _("released at"),
        null=True,
        blank=True,
        help_text=_("When it last went live (released, or reinstated after a take-down)."),
    )

    class Meta:
        # The table kept its name when the release gate moved here from contracts: no data moved.
        db_table = "contracts_release"
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="release_confirmation_complete",
                condition=Q(
                    clearance__isnull=True,
                    credits_confirmed_by__isnull=True,
                    credits_confirmed_at__isnull=True,
                )
                | Q(
                    clearance__isnull=False,
                    credits_confirmed_by__isnull=False,
                    credits_confirmed_at__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="release_schedule_complete",
                condition=Q(scheduled_for__isnull=True, scheduled_by__isnull=True)
                | Q(scheduled_for__isnull=False, scheduled_by__isnull=False),
            ),
        ]

    @staticmethod
    def describe_status(field: str, value: str) -> str | None:
        """A logged status of the gate in words (``workflow.StatusChange.status_label``)."""
        if value.startswith(SCHEDULED_PREFIX):
            return str(
                format_lazy(_("Scheduled for {day}"), day=value.removeprefix(SCHEDULED_PREFIX))
            )
        label = STATUS_LABELS.get(value)
        return None if label is None else str(label)

    def __str__(self) -> str:
        return str(_("Release of %(project)s") % {"project": self.project})
