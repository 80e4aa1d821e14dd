"""The clearance register: the numbers authorities issue, one register per kind.

A planning filing number, a distribution licence, an online filing registration number or a
platform approval number; what each kind's numbers look like is ``reviews.clearance_numbers``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflow.models import Organisation, Project, TimeStampedModel

# A clearance has no status field: recording it is its one status change, to this.
ISSUED = "issued"


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
        # The table keeps the name it had when the model lived in contracts (no data moved).
        db_table = "contracts_clearance"
        verbose_name = _("clearance")
        verbose_name_plural = _("clearances")
        ordering = ["project", "issued_at"]
        constraints = [
            # One register: a number names one clearance of its kind, whoever issued it.
            models.UniqueConstraint(fields=["kind", "number"], name="clearance_number_per_kind"),
        ]

    @staticmethod
    def describe_status(field: str, value: str) -> str | None:
        """A clearance's one logged status in words (``workflow.StatusChange.status_label``): it
        has no status field; recording it is its status change."""
        return str(_("Issued")) if value == ISSUED else None

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
