"""Budgets with their lines, and the effective-dated review-tier policy.

The tables keep the names they had in ``contracts`` (where these models lived first): the move
changed no data. Renaming them is a separate, later migration.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.values import MONEY
from workflow.models import Project, TimeStampedModel
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
        db_table = "contracts_budget"
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
        db_table = "contracts_budgetline"
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
        db_table = "contracts_tierpolicy"
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
