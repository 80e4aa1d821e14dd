from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflow.models import Organisation, Project, TimeStampedModel


class Clearance(TimeStampedModel):
    """A number issued by an authority: planning filing, licence, registration or approval."""

    class Kind(models.TextChoices):
        PLANNING_FILING = "planning_filing", _("Planning filing number")
        DISTRIBUTION_LICENCE = "distribution_licence", _("Distribution licence")
        ONLINE_REGISTRATION = "online_registration", _("Online filing registration number")
        PLATFORM_APPROVAL = "platform_approval", _("Platform approval number")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="clearances", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=100)
    issued_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_on = models.DateField(
        _("expires on"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Last day the number is valid; blank if it does not expire."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("clearance")
        verbose_name_plural = _("clearances")
        ordering = ["project", "issued_at"]
        constraints = [
            # One register: a number names one clearance of its kind, whoever issued it.
            models.UniqueConstraint(fields=["kind", "number"], name="clearance_number_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, day) -> bool:
        return self.expires_on is None or self.expires_on >= day


# The clearance a project of each review tier is released under.
CLEARANCE_KIND_FOR_TIER = {
    "KEY": Clearance.Kind.DISTRIBUTION_LICENCE,
    "ORDINARY": Clearance.Kind.ONLINE_REGISTRATION,
    "OTHER": Clearance.Kind.PLATFORM_APPROVAL,
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

    def __str__(self) -> str:
        return str(_("Release of %(project)s") % {"project": self.project})


# Contracts, payments and documents live in their own modules; importing them registers them.
from contracts.models.agreements import Contract  # noqa: E402, F401
from contracts.models.documents import Document  # noqa: E402, F401
from contracts.models.payments import Installment, ResidualStatement, StatementLine  # noqa: E402, F401
