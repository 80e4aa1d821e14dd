from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.values import MONEY
from workflow.models import Organisation, Project, TimeStampedModel
from workflow.provinces import Province


class Budget(TimeStampedModel):
    """A project's budget: its lines are the truth; totals are computed, never stored."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="budget", verbose_name=_("project")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return str(_("Budget of %(project)s") % {"project": self.project})


class BudgetLine(TimeStampedModel):
    class Category(models.TextChoices):
        SCRIPT = "script", _("Script and writers")
        CAST = "cast", _("Cast fees")
        CREW = "crew", _("Crew")
        EQUIPMENT = "equipment", _("Equipment")
        LOCATIONS = "locations", _("Locations")
        POST = "post", _("Post-production")
        MUSIC = "music", _("Music")
        MARKETING = "marketing", _("Marketing and traffic purchase")
        CONTINGENCY = "contingency", _("Contingency")
        OTHER = "other", _("Other")

    budget = models.ForeignKey(
        Budget, on_delete=models.CASCADE, related_name="lines", verbose_name=_("budget")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    planned = models.DecimalField(
        _("planned (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    actual = models.DecimalField(
        _("actual (CNY)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["budget", "category", "id"]
        constraints = [
            models.CheckConstraint(
                name="budget_line_planned_not_negative", condition=Q(planned__gte=0)
            ),
            models.CheckConstraint(
                name="budget_line_actual_not_negative",
                condition=Q(actual__isnull=True) | Q(actual__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.planned}"


class TierPolicy(TimeStampedModel):
    """The review-tier thresholds in force in a jurisdiction from a date.

    A blank province is the national default; a province's own row overrides it. The row that
    applies to a project is the latest one effective on or before its submission date, for the
    producer's home province if there is one, else national.
    """

    province = models.CharField(
        _("province"),
        max_length=20,
        choices=Province.choices,
        blank=True,
        help_text=_("Blank for the national default."),
    )
    effective_from = models.DateField(_("effective from"))
    key_threshold = models.DecimalField(
        _("KEY threshold (CNY)"), **MONEY, default=Decimal("1000000.00")
    )
    ordinary_threshold = models.DecimalField(
        _("ORDINARY threshold (CNY)"), **MONEY, default=Decimal("300000.00")
    )
    special_subject_is_key = models.BooleanField(_("special subject makes KEY"), default=True)
    lead_ad_sales_is_key = models.BooleanField(_("lead ad-sales title makes KEY"), default=True)
    homepage_is_key = models.BooleanField(_("home-page promotion makes KEY"), default=True)
    opt_in_allowed = models.BooleanField(_("producer may opt in to KEY"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("review-tier policy")
        verbose_name_plural = _("review-tier policies")
        ordering = ["province", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "effective_from"], name="tier_policy_one_per_day"
            ),
            models.CheckConstraint(
                name="tier_policy_thresholds_ordered",
                condition=Q(ordinary_threshold__gte=0)
                & Q(key_threshold__gt=models.F("ordinary_threshold")),
            ),
        ]

    def __str__(self) -> str:
        where = self.get_province_display() if self.province else _("National")
        return f"{where} {self.effective_from}"


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


# Contracts and release metrics live in their own modules; importing them registers them.
from contracts.models.agreements import Contract  # noqa: E402, F401
from contracts.models.documents import Document  # noqa: E402, F401
from contracts.models.metrics import EpisodeMetric  # noqa: E402, F401
from contracts.models.payments import Installment, ResidualStatement, StatementLine  # noqa: E402, F401
