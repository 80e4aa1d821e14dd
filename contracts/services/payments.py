"""Write paths for the money under a contract: the payment schedule and payments (the residual
statements: ``statements``).

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

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import DomainError, PermissionDenied
from common.money import cny
from contracts import handoffs
from contracts.deadlines import installment_deadlines_keep
from contracts.models import Contract, Installment
from contracts.models.payments import MILESTONE_TRANSITIONS, Milestone
from contracts.services.agreements import contract_lock
from workflow.audit import record_status_change, record_status_changes
from workflow.models import ProjectTransition
from workflow.permissions import CONTENT_MANAGER

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
THOUSAND = Decimal("1000")
MAX_INSTALLMENTS = 50
INSTALLMENT_FIELDS = ("label", "amount", "percent", "trigger", "due_on_date")


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


def money(value: Decimal) -> Decimal:
    """Rounded half-up to the fen (0.005 -> 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


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


def schedule_priced(
    fee: Decimal, installments: list[dict[str, Any]], *, paid: Decimal = Decimal("0")
) -> list[Decimal]:
    """Each installment's amount: its own, or its percentage of the fee rounded half-up.

    When the percentages and amounts cover the fee exactly, the last percentage installment
    takes the remainder instead, so that rounding never leaves the schedule a fen off the fee
    (e.g. 3 x 33.3333 % + ... of 100,000.00). Raises on a schedule that does not add up.
    ``paid``: what earlier versions of the contract paid, which the schedule no longer covers.
    """
    errors: dict[str, str] = {}
    if not installments and fee - paid > 0:
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
    if percent_rows and exact + paid == fee:
        last = percent_rows[-1]
        amounts[last] = fee - sum(a for i, a in enumerate(amounts) if i != last)
    for index, amount in enumerate(amounts):
        if amount <= 0:
            raise ValidationError(
                {f"installments.{index}.percent": _("This comes to less than 0.01 CNY.")}
            )
    total = sum(amounts, Decimal("0"))
    if total + paid != fee:
        raise ValidationError({"installments": _schedule_mismatch(total, paid, fee)})
    return amounts


def _schedule_mismatch(total: Decimal, paid: Decimal, fee: Decimal) -> str:
    if paid:
        return str(
            _(
                "The installments add up to %(total)s and %(paid)s was paid under earlier "
                "versions; the fee is %(fee)s."
            )
            % {"total": cny(total), "paid": cny(paid), "fee": cny(fee)}
        )
    return str(
        _("The installments add up to %(total)s; the fee is %(fee)s.")
        % {"total": cny(total), "fee": cny(fee)}
    )


def _earlier_versions(contract: Contract) -> list[int]:
    ids, previous = [], contract.supersedes_id
    while previous is not None:
        ids.append(previous)
        previous = Contract.objects.filter(pk=previous).values_list("supersedes_id", flat=True)[0]
    return ids


def paid_under_earlier_versions(contract: Contract) -> Decimal:
    """What the versions this one supersedes paid: part of the fee, settled for good."""
    earlier = _earlier_versions(contract)
    if not earlier:
        return Decimal("0")
    paid = Installment.objects.filter(
        contract_id__in=earlier, status=Installment.Status.PAID
    ).aggregate(total=Sum("amount"))["total"]
    return paid or Decimal("0")


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
    amounts = schedule_priced(
        locked.production_fee, installments, paid=paid_under_earlier_versions(locked)
    )
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
    paid = paid_under_earlier_versions(contract)
    if (total is None and not paid) or (total or 0) + paid == contract.production_fee:
        return []
    return [_schedule_mismatch(total or Decimal("0"), paid, contract.production_fee)]


def installments_carry_over(*, previous: Contract, successor: Contract, actor) -> list[Installment]:
    """A revision keeps the schedule: the installments ``previous`` has not paid move to the
    new version, with their terms; the paid ones stay, paid, with the version they were paid
    under (and count towards the fee of the versions after it).

    Moved, not copied: the same installment (and id) stays owed once, not once per version. One
    that had fallen due is scheduled again, as all of a draft's are; countersigning the new
    version makes it due again, dated the day its milestone happened. Percentages are priced
    anew when the revision changed the fee; a schedule that no longer adds up is reported when
    the new version is sent, for the platform to set again. Runs in the revision's transaction.
    """
    unpaid = list(
        Installment.objects.filter(contract=previous)
        .exclude(status=Installment.Status.PAID)
        .order_by("position")
    )
    if not unpaid:
        return []
    try:
        amounts = schedule_priced(
            successor.production_fee,
            [
                {"amount": None if i.percent is not None else i.amount, "percent": i.percent}
                | {"trigger": i.trigger, "due_on_date": i.due_on_date}
                for i in unpaid
            ],
            paid=paid_under_earlier_versions(successor),
        )
    except ValidationError:
        amounts = [i.amount for i in unpaid]
    record_status_changes(
        [i for i in unpaid if i.status != Installment.Status.SCHEDULED],
        to_status=Installment.Status.SCHEDULED,
        actor=actor,
        reason=str(
            _("Carried over to version %(version)d of the contract.")
            % {"version": successor.version}
        ),
    )
    now = timezone.now()
    for installment, amount in zip(unpaid, amounts, strict=True):
        installment.contract = successor
        installment.amount = amount
        installment.status = Installment.Status.SCHEDULED
        installment.due_on = None
        installment.updated_at = now
    Installment.objects.bulk_update(
        unpaid, ["contract", "amount", "status", "due_on", "updated_at"]
    )
    return unpaid


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
    return {names[row["name"]]: business_date(row["first"]) for row in rows}


def installments_mark_due(contract: Contract, milestone: str, on: date) -> int:
    """The contract's scheduled installments waiting for ``milestone`` become due on ``on``.

    At countersigning (``Milestone.COUNTERSIGNED``), the installments of project milestones that
    already passed (greenlight before the contract existed, say) become due too, each dated the
    day its milestone happened. Runs in the caller's transaction (the project is locked); returns
    how many became due. Already due or paid installments are left alone, so it is idempotent.
    """
    now = timezone.now()
    waiting = list(
        Installment.objects.filter(
            contract=contract, status=Installment.Status.SCHEDULED, trigger=milestone
        ).only("pk", "project_id", "status")
    )
    count = 0
    if waiting:
        record_status_changes(waiting, to_status=Installment.Status.DUE, reason=milestone)
        count = Installment.objects.filter(pk__in=[i.pk for i in waiting]).update(
            status=Installment.Status.DUE, due_on=on, updated_at=now
        )
    if milestone == Milestone.COUNTERSIGNED:
        for passed, day in milestone_dates(contract.project_id).items():
            count += installments_mark_due(contract, passed, day)
    return count


def _mark_due_and_keep_deadlines(contract: Contract, milestone: str, on: date) -> int:
    count = installments_mark_due(contract, milestone, on)
    if count:
        installment_deadlines_keep(contract)
    return count


def installments_milestone_reached(project, milestone: str, on: date) -> int:
    """A project milestone happened: the installments of its active contract fall due."""
    contract = Contract.objects.filter(project_id=project.pk, status=Contract.Status.ACTIVE).first()
    if contract is None:
        return 0  # its installments fall due when a contract is countersigned
    contract.project = project
    return _mark_due_and_keep_deadlines(contract, milestone, on)


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
    today = business_date()
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
    record_status_change(
        locked,
        from_status=locked.status,
        to_status=Installment.Status.PAID,
        actor=actor,
        reason=reference,
        project=contract.project,
    )
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
    installment_deadlines_keep(contract, paid={locked.position}, paid_on=paid_on)
    handoffs.installment_paid(installment=locked)
    return locked
