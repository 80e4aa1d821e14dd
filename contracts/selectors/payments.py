"""Read paths for installments and residual statements: money, so only the two parties see them.

The producer company's members and the commissioning platform's members except its raters (as
``contract_financials_visible`` says for one contract) see them; regulators and raters never do,
and anything outside the caller's scope is 404. Lists fetch their related rows in bulk.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import csv_text
from contracts.models import Contract, Installment, ResidualStatement, StatementLine
from contracts.selectors.agreements import PARTY_PLATFORM_ROLES, contract_list_for
from workflow.visibility import project_scope_q, through


def financial_scope_q(user, prefix: str = "") -> Q:
    """The contracts (through ``prefix``) whose money the user may see, as a filter."""
    parties = project_scope_q(user, platform_roles=PARTY_PLATFORM_ROLES, regulators=False)
    return through(parties, f"{prefix}project__")


def financial_contract_list_for(user) -> QuerySet[Contract]:
    """The contracts the user sees (``contract_list_for``) whose money they may see too."""
    contracts = contract_list_for(user)
    if user is not None and user.is_superuser:
        return contracts
    return contracts.filter(financial_scope_q(user))


def installment_list_for(user, today: date | None = None) -> QuerySet[Installment]:
    visible = financial_contract_list_for(user).values("pk")
    return (
        Installment.objects.filter(contract__in=visible)
        .with_current_status(today)
        .select_related("contract", "project", "paid_recorded_by")
        .order_by("contract_id", "position")
    )


def unpaid_by_project(user, today: date | None = None) -> list[dict]:
    """Per project in the caller's scope: the due, unpaid installments, their total and the
    oldest due date; one query, most overdue first."""
    rows = (
        installment_list_for(user, today)
        .filter(current_status=Installment.Status.DUE)
        .values(
            "project_id",
            "project__title",
            "project__producer__name",
            "project__platform__name",
            "contract_id",
            "contract__version",
        )
        .annotate(count=Count("pk"), total=Sum("amount"), oldest_due_on=Min("current_due_on"))
        .order_by("oldest_due_on", "project_id")
    )
    return [
        {
            "project": row["project_id"],
            "project_title": row["project__title"],
            "producer": row["project__producer__name"],
            "platform": row["project__platform__name"],
            "contract": row["contract_id"],
            "contract_version": row["contract__version"],
            "count": row["count"],
            "total": row["total"] or Decimal("0"),
            "oldest_due_on": row["oldest_due_on"],
        }
        for row in rows
    ]


def residual_statement_list_for(user) -> QuerySet[ResidualStatement]:
    visible = financial_contract_list_for(user).values("pk")
    return (
        ResidualStatement.objects.filter(contract__in=visible)
        .select_related("contract", "project", "issued_by", "corrects", "corrected_by")
        .prefetch_related(Prefetch("lines", queryset=StatementLine.objects.order_by("position")))
        .order_by("-period_start", "-id")
    )


def statement_csv(statement: ResidualStatement) -> str:
    """The statement as CSV: who, what period, each line, the total. Cells are formula-safe."""
    rows: list[list] = [
        [_("statement"), statement.pk],
        [_("project"), statement.project.title],
        [_("contract version"), statement.contract.version],
        [_("period"), f"{statement.period_start.isoformat()} – {statement.period_end.isoformat()}"],
        [_("status"), statement.get_status_display()],
        [_("corrects statement"), statement.corrects_id or ""],
        [_("issued at"), timezone.localtime(statement.issued_at).isoformat(timespec="minutes")],
        [],
        [_("basis"), _("quantity"), _("rate"), _("amount (CNY)"), _("explanation")],
    ]
    for line in statement.lines.all():
        rows.append(
            [
                line.get_basis_display(),
                f"{line.quantity:.2f}",
                f"{line.rate:.4f}",
                f"{line.amount:.2f}",
                line.explanation,
            ]
        )
    rows.append([_("total"), "", "", f"{statement.total:.2f}", ""])
    return csv_text(None, rows)
