"""Residual statements: what a contract owes for a period, from the release metrics, issued once per period."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audience.models import EpisodeMetric
from common.clock import business_date
from common.errors import DomainError, PermissionDenied
from contracts.models import Contract, ResidualStatement, StatementLine
from contracts.services.agreements import contract_lock
from contracts.services.payments import (
    HUNDRED,
    THOUSAND,
    _status_label,
    money,
)
from workflow.audit import record_status_change
from workflow.permissions import CONTENT_MANAGER
from workflow.selectors import released_after

B = Contract.ResidualBasis


# Residuals are owed under a contract that was countersigned.
STATEMENT_STATUSES = frozenset(
    {Contract.Status.ACTIVE, Contract.Status.COMPLETED, Contract.Status.TERMINATED}
)


class StatementConflict(DomainError):
    status_code = 409
    code = "statement_conflict"
    default_detail = _("This statement cannot be issued for this contract now.")


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

    Raises ValidationError naming the period when it has no metrics. Days before the title went
    live are not counted: the import refuses them, but rows older than that check may be there.
    """
    sums = (
        EpisodeMetric.objects.filter(
            project_id=contract.project_id, date__gte=period_start, date__lte=period_end
        )
        .exclude(released_after("date"))
        .aggregate(
            rows=Count("pk"),
            valid_plays=Sum("valid_plays"),
            paid_revenue=Sum("paid_revenue"),
            ad_revenue=Sum("ad_revenue"),
        )
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
    yesterday = business_date() - timedelta(days=1)
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
        record_status_change(
            corrects,
            from_status=corrects.status,
            to_status=ResidualStatement.Status.CORRECTED,
            actor=actor,
            project=locked.project,
        )
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
