"""Read paths for budgets and tier policies, scoped to the caller's projects."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from budgets.models import Budget, BudgetLine, TierPolicy
from common.values import MONEY_SUM
from workflow.selectors import project_list_for

DEFAULT_CAST_FEE_SHARE_LIMIT = Decimal("0.40")
SHARE_PLACES = Decimal("0.0001")
ZERO = Value(Decimal("0"), output_field=DecimalField(**MONEY_SUM))


def cast_fee_share_limit() -> Decimal:
    return Decimal(
        str(getattr(settings, "MDPROD_CAST_FEE_SHARE_LIMIT", DEFAULT_CAST_FEE_SHARE_LIMIT))
    )


def with_totals(queryset: QuerySet[Budget]) -> QuerySet[Budget]:
    """Totals as annotations: planned and actual sums, the cast-fee planned sum, the line count."""
    return queryset.annotate(
        planned_total=Coalesce(Sum("lines__planned"), ZERO),
        actual_total=Sum("lines__actual"),
        cast_planned=Coalesce(
            Sum("lines__planned", filter=Q(lines__category=BudgetLine.Category.CAST)), ZERO
        ),
        line_count=Count("lines"),
    )


def budget_list_for(user) -> QuerySet[Budget]:
    """Budgets of the projects the user may see, with their totals and lines in bulk."""
    visible = project_list_for(user).values("pk")
    return (
        with_totals(Budget.objects.filter(project__in=visible))
        .select_related("project", "project__producer", "project__platform", "approved_by")
        .prefetch_related(Prefetch("lines", queryset=BudgetLine.objects.order_by("category", "id")))
        .order_by("-updated_at", "-id")
    )


def budget_line_list_for(user) -> QuerySet[BudgetLine]:
    visible = project_list_for(user).values("pk")
    return BudgetLine.objects.filter(budget__project__in=visible).order_by(
        "budget_id", "category", "id"
    )


def budget_totals(budget: Budget) -> dict[str, Decimal | None]:
    return BudgetLine.objects.filter(budget=budget).aggregate(
        planned_total=Coalesce(Sum("planned"), ZERO), actual_total=Sum("actual")
    )


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part / whole).quantize(SHARE_PLACES)


def cast_share_exceeds(cast_planned: Decimal, planned_total: Decimal, limit: Decimal) -> bool:
    # Compared exactly (cast > limit x total), not after rounding the share.
    return bool(planned_total) and cast_planned > limit * planned_total


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    planned: Decimal
    actual: Decimal | None
    share: Decimal | None
    flagged: bool = False


@dataclass(frozen=True)
class CostAllocationReport:
    """Each category's planned and actual amounts and share of the planned total.

    The cast-fee share is flagged when above the limit (``MDPROD_CAST_FEE_SHARE_LIMIT``,
    default 40 %): regulators and platforms ask for it at filing time.
    """

    budget_id: int
    categories: list[CategoryRow]
    planned_total: Decimal
    actual_total: Decimal | None
    cast_fee_share: Decimal | None
    cast_fee_share_limit: Decimal
    cast_fee_share_exceeded: bool


def budget_report(budget: Budget) -> CostAllocationReport:
    """The cost-allocation report: two queries (per-category sums, totals), whatever the lines."""
    rows = {
        row["category"]: row
        for row in BudgetLine.objects.filter(budget=budget)
        .values("category")
        .annotate(planned=Coalesce(Sum("planned"), ZERO), actual=Sum("actual"))
        .order_by()
    }
    totals = budget_totals(budget)
    planned_total = totals["planned_total"]
    limit = cast_fee_share_limit()
    cast = rows.get(BudgetLine.Category.CAST, {}).get("planned", Decimal("0"))
    exceeded = cast_share_exceeds(cast, planned_total, limit)
    categories = [
        CategoryRow(
            category=category.value,
            label=str(category.label),
            planned=rows[category.value]["planned"],
            actual=rows[category.value]["actual"],
            share=share(rows[category.value]["planned"], planned_total),
            flagged=category == BudgetLine.Category.CAST and exceeded,
        )
        for category in BudgetLine.Category
        if category.value in rows
    ]
    return CostAllocationReport(
        budget_id=budget.pk,
        categories=categories,
        planned_total=planned_total,
        actual_total=totals["actual_total"],
        cast_fee_share=share(cast, planned_total),
        cast_fee_share_limit=limit,
        cast_fee_share_exceeded=exceeded,
    )


def tier_policy_list() -> QuerySet[TierPolicy]:
    """Thresholds are public rules: everyone signed in may read them."""
    return TierPolicy.objects.order_by("province", "-effective_from")
