"""Money under a contract: the payment schedule of the production fee, and residual statements.

Installments. The platform sets a draft contract's schedule as a whole; each installment is an
amount, or a percentage of the fee whose amount is computed and stored (rounded half-up to the
fen; when the percentages and amounts cover the fee exactly, the last percentage installment
takes the remainder, so that the schedule adds up to the fee to the fen). An installment is
triggered by a milestone (countersigning, greenlight, cut approval, clearance, release) or by a
date:

- a milestone installment becomes due when its milestone happens on an active contract
  (``status`` due, ``due_on`` the milestone's day); a milestone that passed before the contract
  was countersigned makes it due at countersigning, still dated the milestone's day;
- a date installment is due from its date once the contract is countersigned. That is computed
  when read (``InstallmentQuerySet.with_current_status``), not stored by a sweep, so it is
  never a day late: its stored ``status`` stays "scheduled" until it is paid.

Residual statements. For a contract and a period (inclusive dates), the producer's residuals
computed from the release metrics; issued at creation and immutable. A correction is a new
statement that references the one it corrects (``corrects``), which is then marked corrected.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import DomainError
from common.values import MONEY, MONEY_TOTAL
from workflow.models import Project, TimeStampedModel

from .agreements import Contract

RATE = {"max_digits": 10, "decimal_places": 4}


class Milestone(models.TextChoices):
    COUNTERSIGNED = "countersigned", _("Countersigning of the contract")
    GREENLIT = "greenlit", _("Greenlight")
    CUT_APPROVED = "cut_approved", _("Approval of the cut")
    CLEARED = "cleared", _("Clearance for release")
    RELEASED = "released", _("Release")


# The project transition that reaches each milestone (countersigning is the contract's own).
MILESTONE_TRANSITIONS = {
    Milestone.GREENLIT: "greenlight",
    Milestone.CUT_APPROVED: "approve_cut",
    Milestone.CLEARED: "clear",
    Milestone.RELEASED: "release",
}


class InstallmentQuerySet(models.QuerySet):
    def with_current_status(self, today=None):
        """Annotate ``current_status`` and ``current_due_on``: the stored ones, except that a
        date installment of a countersigned contract is due from its date."""
        today = today or business_date()
        date_due = Q(
            status=Installment.Status.SCHEDULED,
            trigger=Installment.Trigger.DATE,
            due_on_date__lte=today,
            contract__countersigned_at__isnull=False,
        )
        return self.annotate(
            current_status=Case(
                When(date_due, then=Value(Installment.Status.DUE.value)),
                default=F("status"),
                output_field=models.CharField(),
            ),
            current_due_on=Case(
                When(date_due, then=F("due_on_date")),
                default=F("due_on"),
                output_field=models.DateField(),
            ),
        )


class Installment(TimeStampedModel):
    class Trigger(models.TextChoices):
        COUNTERSIGNED = "countersigned", _("On countersigning of the contract")
        GREENLIT = "greenlit", _("On greenlight")
        CUT_APPROVED = "cut_approved", _("On approval of the cut")
        CLEARED = "cleared", _("On clearance for release")
        RELEASED = "released", _("On release")
        DATE = "date", _("On a date")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="installments", verbose_name=_("contract")
    )
    # The contract's project, kept here so that project lists and filters need no join.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("label"), max_length=200, blank=True)
    percent = models.DecimalField(
        _("percentage of the fee"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("100"))],
        help_text=_("Blank for a fixed amount."),
    )
    amount = models.DecimalField(
        _("amount (CNY)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    trigger = models.CharField(_("falls due"), max_length=20, choices=Trigger.choices)
    due_on_date = models.DateField(
        _("due date"), null=True, blank=True, help_text=_("For an installment due on a date.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    due_on = models.DateField(
        _("became due on"), null=True, blank=True, help_text=_("The day its milestone happened.")
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment recorded by"),
    )
    paid_recorded_at = models.DateTimeField(_("payment recorded at"), null=True, blank=True)

    objects = InstallmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["contract_id", "position"]
        indexes = [models.Index(fields=["project", "status"], name="installment_project_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "position"], name="installment_position_once"
            ),
            models.CheckConstraint(name="installment_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="installment_percent_range",
                condition=Q(percent__isnull=True) | Q(percent__gt=0, percent__lte=100),
            ),
            models.CheckConstraint(
                name="installment_date_trigger_has_date",
                condition=Q(trigger="date", due_on_date__isnull=False)
                | (~Q(trigger="date") & Q(due_on_date__isnull=True)),
            ),
            models.CheckConstraint(
                name="installment_due_has_date",
                condition=Q(status="scheduled") | Q(due_on__isnull=False),
            ),
            models.CheckConstraint(
                name="installment_paid_complete",
                condition=Q(status="paid", paid_on__isnull=False, paid_recorded_by__isnull=False)
                | (
                    ~Q(status="paid")
                    & Q(paid_on__isnull=True, paid_recorded_by__isnull=True, payment_reference="")
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Installment %(position)d of %(contract)s")
            % {"position": self.position, "contract": self.contract}
        )

    def _date_due(self, today) -> bool:
        return (
            self.status == self.Status.SCHEDULED
            and self.trigger == self.Trigger.DATE
            and self.due_on_date <= today
            and self.contract.countersigned_at is not None
        )

    def status_on(self, today) -> str:
        """What ``with_current_status`` computes, for one installment."""
        return self.Status.DUE if self._date_due(today) else self.status

    def due_on_as_of(self, today):
        return self.due_on_date if self._date_due(today) else self.due_on


class StatementImmutable(DomainError):
    status_code = 409
    code = "statement_immutable"
    default_detail = _(
        "An issued residual statement cannot be changed; issue a correction that references it."
    )


class ResidualStatement(TimeStampedModel):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CORRECTED = "corrected", _("Corrected by a later statement")

    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="residual_statements",
        verbose_name=_("contract"),
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), help_text=_("Inclusive."))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ISSUED
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    # The contract's terms when it was issued.
    basis = models.CharField(
        _("residual basis"), max_length=20, choices=Contract.ResidualBasis.choices
    )
    rate = models.DecimalField(_("residual rate"), **RATE)
    total = models.DecimalField(_("total (CNY)"), **MONEY)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("residual statement")
        verbose_name_plural = _("residual statements")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                name="residual_statement_period_ordered",
                condition=Q(period_end__gte=F("period_start")),
            ),
            models.CheckConstraint(
                name="residual_statement_total_not_negative", condition=Q(total__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Residual statement #%(id)s, %(start)s to %(end)s")
            % {"id": self.pk, "start": self.period_start, "end": self.period_end}
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise StatementImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise StatementImmutable()


class StatementLine(models.Model):
    """One line of a statement. Written in bulk when the statement is issued, never after."""

    statement = models.ForeignKey(
        ResidualStatement,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name=_("statement"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    basis = models.CharField(_("basis"), max_length=20, choices=Contract.ResidualBasis.choices)
    quantity = models.DecimalField(
        _("quantity"),
        **MONEY_TOTAL,
        help_text=_("Valid plays, or revenue in CNY."),
    )
    rate = models.DecimalField(_("rate"), **RATE)
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "position"], name="statement_line_position_once"
            ),
        ]

    def __str__(self) -> str:
        return self.explanation

    def save(self, *args, **kwargs):
        raise StatementImmutable()

    def delete(self, *args, **kwargs):
        raise StatementImmutable()

    @property
    def explanation(self) -> str:
        """The computation in words, e.g. "2,400,000 valid plays ÷ 1,000 × 3.50 CNY = 8,400.00
        CNY" (built when read, so it speaks the reader's language)."""
        if self.basis == Contract.ResidualBasis.VALID_PLAYS:
            return gettext("%(plays)s valid plays ÷ 1,000 × %(rate)s CNY = %(amount)s CNY") % {
                "plays": f"{self.quantity:,.0f}",
                "rate": format_rate(self.rate),
                "amount": f"{self.amount:,.2f}",
            }
        label = (
            gettext("paid revenue")
            if self.basis == Contract.ResidualBasis.PAID_REVENUE
            else gettext("ad revenue")
        )
        return gettext("%(rate)s %% of %(revenue)s CNY %(label)s = %(amount)s CNY") % {
            "rate": format_rate(self.rate, places=0),
            "revenue": f"{self.quantity:,.2f}",
            "label": label,
            "amount": f"{self.amount:,.2f}",
        }


def format_rate(rate: Decimal, *, places: int = 2) -> str:
    """A rate without its trailing zeros, but with at least ``places`` decimals: 3.5000 -> 3.50,
    7.0000 -> 7 (places=0), 7.2500 -> 7.25."""
    normal = rate.normalize()
    exponent = normal.as_tuple().exponent
    shown = max(places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return f"{rate:,.{shown}f}"
