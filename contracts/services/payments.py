"""Write paths for the money under a contract: the payment schedule, payments, residual statements.

Every operation locks the project first (``contract_lock``: the project, then the contract), as
the project's transitions do, so a payment, a schedule change and a milestone never interleave.

- ``payment_schedule_replace``: the platform sets a draft contract's installments as a whole;
  they must add up to the production fee (percentages are priced half-up to the fen, the last
  percentage installment taking the remainder). Frozen once the contract is sent, like its terms.
- ``installments_mark_due``: a milestone happened; the contract's installments waiting for it
  become due that day. Called by the project's transition effects (``contracts.rules_payments``)
  for the active contract, and by ``contract_countersign`` with the ``countersigned`` milestone,
  which also makes due the installments of milestones that passed before countersigning (dated
  from the project's transition log).
- ``installment_mark_paid``: the platform's content manager records a payment of a due one.
- ``residual_statement_issue``: the platform issues the producer's residuals for a period, from
  the release metrics; a correction references the statement it corrects.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from contracts.models import Contract, Installment, ResidualStatement, StatementLine
from contracts.models.metrics import EpisodeMetric
from contracts.models.payments import MILESTONE_TRANSITIONS, Milestone
from contracts.services.agreements import contract_lock
from workflow.models import ProjectTransition
from workflow.permissions import CONTENT_MANAGER

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
THOUSAND = Decimal("1000")
MAX_INSTALLMENTS = 50
INSTALLMENT_FIELDS = ("label", "amount", "percent", "trigger", "due_on_date")
B = Contract.ResidualBasis
# Residuals are owed under a contract that was countersigned.
STATEMENT_STATUSES = frozenset(
    {Contract.Status.ACTIVE, Contract.Status.COMPLETED, Contract.Status.TERMINATED}
)


class ScheduleFrozen(DomainError):
    status_code = 409
    code = "schedule_frozen"
    default_detail = _("The payment schedule is frozen once the contract is sent.")


class InstallmentNotDue(DomainError):
    status_code = 409
    code = "installment_not_due"
    default_detail = _("This installment is not due yet.")


class InstallmentAlreadyPaid(DomainError):
    status_code = 409
    code = "installment_already_paid"
    default_detail = _("This installment has already been paid.")


class StatementConflict(DomainError):
    status_code = 409
    code = "statement_conflict"
    default_detail = _("This statement cannot be issued for this contract now.")


def money(value: Decimal) -> Decimal:
    """Rounded half-up to the fen (0.005 -> 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cny(value: Decimal) -> str:
    return f"{value:,.2f}"


def _status_label(contract: Contract) -> str:
    return str(Contract.Status(contract.status).label).lower()


# The payment schedule --------------------------------------------------------------------------


def _installment_errors(index: int, row: dict[str, Any]) -> dict[str, str]:
    prefix = f"installments.{index}"
    errors: dict[str, str] = {}
    unknown = sorted(set(row) - set(INSTALLMENT_FIELDS))
    for name in unknown:
        errors[f"{prefix}.{name}"] = _("This field cannot be set.")
    amount, percent = row.get("amount"), row.get("percent")
    if (amount is None) == (percent is None):
        errors[f"{prefix}.amount"] = _("Give an amount or a percentage of the fee, not both.")
    elif amount is not None and amount <= 0:
        errors[f"{prefix}.amount"] = _("The amount must be more than zero.")
    elif percent is not None and not (0 < percent <= HUNDRED):
        errors[f"{prefix}.percent"] = _("Give a percentage above 0 and at most 100.")
    trigger = row.get("trigger")
    if trigger not in Installment.Trigger.values:
        errors[f"{prefix}.trigger"] = _("Choose a milestone or “date”.")
    elif trigger == Installment.Trigger.DATE and row.get("due_on_date") is None:
        errors[f"{prefix}.due_on_date"] = _("An installment due on a date needs the date.")
    elif trigger != Installment.Trigger.DATE and row.get("due_on_date") is not None:
        errors[f"{prefix}.due_on_date"] = _(
            "Only an installment due on a date has a date; this one falls due at a milestone."
        )
    return errors


def schedule_priced(fee: Decimal, installments: list[dict[str, Any]]) -> list[Decimal]:
    """Each installment's amount: its own, or its percentage of the fee rounded half-up.

    When the percentages and amounts cover the fee exactly, the last percentage installment
    takes the remainder instead, so that rounding never leaves the schedule a fen off the fee
    (e.g. 3 x 33.3333 % + ... of 100,000.00). Raises on a schedule that does not add up.
    """
    errors: dict[str, str] = {}
    if not installments and fee > 0:
        errors["installments"] = _("Give at least one installment.")
    if len(installments) > MAX_INSTALLMENTS:
        errors["installments"] = _("At most %(n)d installments.") % {"n": MAX_INSTALLMENTS}
    for index, row in enumerate(installments):
        errors.update(_installment_errors(index, row))
    if errors:
        raise ValidationError(errors)
    exact = sum(
        (row["amount"] if row.get("amount") is not None else fee * row["percent"] / HUNDRED)
        for row in installments
    )
    amounts = [
        money(row["amount"])
        if row.get("amount") is not None
        else money(fee * row["percent"] / HUNDRED)
        for row in installments
    ]
    percent_rows = [i for i, row in enumerate(installments) if row.get("percent") is not None]
    if percent_rows and exact == fee:
        last = percent_rows[-1]
        amounts[last] = fee - sum(a for i, a in enumerate(amounts) if i != last)
    for index, amount in enumerate(amounts):
        if amount <= 0:
            raise ValidationError(
                {f"installments.{index}.percent": _("This comes to less than 0.01 CNY.")}
            )
    total = sum(amounts, Decimal("0"))
    if total != fee:
        raise ValidationError(
            {
                "installments": _(
                    "The installments add up to %(total)s CNY; the fee is %(fee)s CNY."
                )
                % {"total": cny(total), "fee": cny(fee)}
            }
        )
    return amounts


def payment_schedule_editable(contract: Contract, user) -> bool:
    return contract.status == Contract.Status.DRAFT and CONTENT_MANAGER(contract.project, user)


@transaction.atomic
def payment_schedule_replace(
    *, contract: Contract, actor, installments: list[dict[str, Any]]
) -> list[Installment]:
    """The platform sets the whole schedule of a draft contract; nothing is written on refusal.

    Each item: ``label``, ``amount`` or ``percent`` (of the production fee), ``trigger`` (a
    milestone, or ``date`` with ``due_on_date``).
    """
    locked = contract_lock(contract)
    if not CONTENT_MANAGER(locked.project, actor):
        raise PermissionDenied(
            _("Only a content manager of the commissioning platform can set the payment schedule.")
        )
    if locked.status != Contract.Status.DRAFT:
        raise ScheduleFrozen(
            _(
                "The payment schedule is frozen: the contract is %(status)s. Revise the contract "
                "to make a new version."
            )
            % {"status": _status_label(locked)}
        )
    amounts = schedule_priced(locked.production_fee, installments)
    rows = [
        Installment(
            contract=locked,
            project_id=locked.project_id,
            position=index,
            label=(row.get("label") or "").strip(),
            percent=row.get("percent"),
            amount=amount,
            trigger=row["trigger"],
            due_on_date=row.get("due_on_date"),
        )
        for index, (row, amount) in enumerate(zip(installments, amounts, strict=True), start=1)
    ]
    for index, row in enumerate(rows):
        try:
            row.full_clean(exclude=["contract", "project"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(
                {
                    f"installments.{index}.{name}": messages
                    for name, messages in exc.message_dict.items()
                }
            ) from exc
    Installment.objects.filter(contract=locked).delete()
    return Installment.objects.bulk_create(rows)


def payment_schedule_problems(contract: Contract) -> list[str]:
    """Why the schedule does not fit the contract's fee (e.g. the fee changed after the schedule
    was set), in words; empty when it adds up or there is no schedule (the fee is then paid as
    the parties agree outside mdprod). For the contract's ``send`` to check."""
    total = Installment.objects.filter(contract=contract).aggregate(total=Sum("amount"))["total"]
    if total is None or total == contract.production_fee:
        return []
    return [
        str(
            _("The installments add up to %(total)s CNY; the fee is %(fee)s CNY.")
            % {"total": cny(total), "fee": cny(contract.production_fee)}
        )
    ]


# Becoming due ---------------------------------------------------------------------------------


def milestone_dates(project_id: int) -> dict[str, date]:
    """The day (China time) each project milestone first happened, from the transition log."""
    names = {name: milestone for milestone, name in MILESTONE_TRANSITIONS.items()}
    rows = (
        ProjectTransition.objects.filter(project_id=project_id, name__in=list(names))
        .values("name")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    return {names[row["name"]]: timezone.localdate(row["first"]) for row in rows}


def installments_mark_due(contract: Contract, milestone: str, on: date) -> int:
    """The contract's scheduled installments waiting for ``milestone`` become due on ``on``.

    At countersigning (``Milestone.COUNTERSIGNED``), the installments of project milestones that
    already passed (greenlight before the contract existed, say) become due too, each dated the
    day its milestone happened. Runs in the caller's transaction (the project is locked); returns
    how many became due. Already due or paid installments are left alone, so it is idempotent.
    """
    now = timezone.now()
    waiting = Installment.objects.filter(
        contract=contract, status=Installment.Status.SCHEDULED, trigger=milestone
    )
    count = waiting.update(status=Installment.Status.DUE, due_on=on, updated_at=now)
    if milestone == Milestone.COUNTERSIGNED:
        for passed, day in milestone_dates(contract.project_id).items():
            count += installments_mark_due(contract, passed, day)
    return count


def installments_milestone_reached(project, milestone: str, on: date) -> int:
    """A project milestone happened: the installments of its active contract fall due."""
    contract = Contract.objects.filter(project_id=project.pk, status=Contract.Status.ACTIVE).first()
    if contract is None:
        return 0  # its installments fall due when a contract is countersigned
    return installments_mark_due(contract, milestone, on)


# Paying ---------------------------------------------------------------------------------------


def _not_due_reason(installment: Installment) -> str:
    if installment.trigger == Installment.Trigger.DATE:
        if installment.contract.countersigned_at is None:
            return _("It falls due on %(date)s, once the contract is countersigned.") % {
                "date": installment.due_on_date.isoformat()
            }
        return _("It falls due on %(date)s.") % {"date": installment.due_on_date.isoformat()}
    return _("It falls due at: %(milestone)s.") % {
        "milestone": str(Milestone(installment.trigger).label).lower()
    }


@transaction.atomic
def installment_mark_paid(
    *, installment: Installment, actor, paid_on: date, reference: str
) -> Installment:
    """The platform's content manager records that a due installment was paid."""
    contract = contract_lock(installment.contract)
    if not CONTENT_MANAGER(contract.project, actor):
        raise PermissionDenied(
            _("Only a content manager of the commissioning platform can record a payment.")
        )
    locked = (
        Installment.objects.select_for_update(of=("self",))
        .select_related("paid_recorded_by")
        .get(pk=installment.pk)
    )
    locked.contract = contract
    if locked.status == Installment.Status.PAID:
        raise InstallmentAlreadyPaid(
            _(
                "This installment was already paid on %(date)s (reference %(reference)s, "
                "recorded by %(user)s)."
            )
            % {
                "date": locked.paid_on.isoformat(),
                "reference": locked.payment_reference or "—",
                "user": locked.paid_recorded_by.get_username(),
            }
        )
    today = timezone.localdate()
    if locked.status_on(today) != Installment.Status.DUE:
        raise InstallmentNotDue(
            " ".join([str(_("This installment is not due yet.")), str(_not_due_reason(locked))])
        )
    reference = (reference or "").strip()
    errors = {}
    if not reference:
        errors["reference"] = _("Give the payment's reference (the bank transfer's number).")
    elif len(reference) > 100:
        errors["reference"] = _("Keep the reference under 100 characters.")
    if paid_on > today:
        errors["paid_on"] = _("A payment cannot be dated in the future (today is %(today)s).") % {
            "today": today.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    locked.due_on = locked.due_on_as_of(today)
    locked.status = Installment.Status.PAID
    locked.paid_on = paid_on
    locked.payment_reference = reference
    locked.paid_recorded_by = actor
    locked.paid_recorded_at = timezone.now()
    locked.save(
        update_fields=[
            "due_on",
            "status",
            "paid_on",
            "payment_reference",
            "paid_recorded_by",
            "paid_recorded_at",
            "updated_at",
        ]
    )
    return locked


# Residual statements --------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidualLine:
    basis: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal


def residual_amount(basis: str, quantity: Decimal, rate: Decimal) -> Decimal:
    """Per 1,000 valid plays: quantity / 1000 x rate; a revenue share: quantity x rate / 100.
    Multiplied before dividing, exactly in Decimal, then rounded half-up to the fen once."""
    if basis == B.VALID_PLAYS:
        return money(quantity * rate / THOUSAND)
    if basis in (B.PAID_REVENUE, B.AD_REVENUE):
        return money(quantity * rate / HUNDRED)
    raise ValueError(basis)


def residual_lines(contract: Contract, period_start: date, period_end: date) -> list[ResidualLine]:
    """The statement's lines from the period's release metrics, in one aggregate query.

    Raises ValidationError naming the period when it has no metrics.
    """
    sums = EpisodeMetric.objects.filter(
        project_id=contract.project_id, date__gte=period_start, date__lte=period_end
    ).aggregate(
        rows=Count("pk"),
        valid_plays=Sum("valid_plays"),
        paid_revenue=Sum("paid_revenue"),
        ad_revenue=Sum("ad_revenue"),
    )
    if not sums["rows"]:
        raise ValidationError(
            {
                "period": _("There are no release metrics from %(start)s to %(end)s.")
                % {"start": period_start.isoformat(), "end": period_end.isoformat()}
            }
        )
    basis = contract.residual_basis
    quantity = Decimal(sums[basis] or 0)
    rate = contract.residual_rate
    return [ResidualLine(basis, quantity, rate, residual_amount(basis, quantity, rate))]


def _statement_period_errors(period_start: date, period_end: date) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if period_end > yesterday:
        raise ValidationError(
            {
                "period_end": _(
                    "A statement covers days that are over: end the period by %(date)s."
                )
                % {"date": yesterday.isoformat()}
            }
        )


@transaction.atomic
def residual_statement_issue(
    *,
    contract: Contract,
    actor,
    period_start: date,
    period_end: date,
    corrects: ResidualStatement | None = None,
) -> ResidualStatement:
    """The platform issues the producer's residuals for a period (inclusive days).

    Refused: a contract without residuals (work for hire, or no basis), one never countersigned,
    a period not yet over or with no metrics, a period overlapping a statement already issued for
    the project (any version of its contract) unless this corrects that statement. A correction
    keeps the old statement and marks it corrected.
    """
    locked = contract_lock(contract)
    if not CONTENT_MANAGER(locked.project, actor):
        raise PermissionDenied(
            _("Only a content manager of the commissioning platform issues residual statements.")
        )
    if locked.commissioning_model == Contract.Model.WORK_FOR_HIRE:
        raise ValidationError(
            {"contract": _("A work-for-hire contract pays no residuals: there is no statement.")}
        )
    if locked.residual_basis == B.NONE:
        raise ValidationError(
            {"contract": _("This contract has no residual basis: it pays no residuals.")}
        )
    if locked.status not in STATEMENT_STATUSES:
        raise StatementConflict(
            _("Residuals are owed under a countersigned contract; this one is %(status)s.")
            % {"status": _status_label(locked)}
        )
    _statement_period_errors(period_start, period_end)
    if corrects is not None:
        corrects = ResidualStatement.objects.select_related("corrected_by").get(pk=corrects.pk)
        if corrects.project_id != locked.project_id:
            raise ValidationError(
                {"corrects": _("That statement belongs to another project's contract.")}
            )
        if corrects.status == ResidualStatement.Status.CORRECTED:
            raise StatementConflict(
                _("Statement #%(id)d was already corrected by statement #%(by)d; correct that one.")
                % {"id": corrects.pk, "by": corrects.corrected_by.pk}
            )
    overlapping = (
        ResidualStatement.objects.filter(
            project_id=locked.project_id,
            status=ResidualStatement.Status.ISSUED,
            period_start__lte=period_end,
            period_end__gte=period_start,
        )
        .exclude(pk=corrects.pk if corrects else None)
        .order_by("period_start")
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "period": _(
                    "Statement #%(id)d already covers %(start)s to %(end)s; to change it, issue "
                    "a correction of it."
                )
                % {
                    "id": overlapping.pk,
                    "start": overlapping.period_start.isoformat(),
                    "end": overlapping.period_end.isoformat(),
                }
            }
        )
    lines = residual_lines(locked, period_start, period_end)
    statement = ResidualStatement(
        contract=locked,
        project_id=locked.project_id,
        period_start=period_start,
        period_end=period_end,
        corrects=corrects,
        basis=locked.residual_basis,
        rate=locked.residual_rate,
        total=sum((line.amount for line in lines), Decimal("0")),
        issued_by=actor,
    )
    statement.full_clean(exclude=["contract", "project", "corrects", "issued_by"])
    if corrects is not None:
        ResidualStatement.objects.filter(pk=corrects.pk).update(
            status=ResidualStatement.Status.CORRECTED, updated_at=timezone.now()
        )
    statement.save()
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            position=position,
            basis=line.basis,
            quantity=line.quantity,
            rate=line.rate,
            amount=line.amount,
        )
        for position, line in enumerate(lines, start=1)
    )
    return statement
