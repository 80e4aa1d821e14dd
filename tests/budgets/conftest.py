from decimal import Decimal

import pytest

from budgets.models import Budget, BudgetLine


@pytest.fixture
def make_budget():
    """A budget with lines, written directly (test setup, not the behaviour under test)."""

    def make(project, lines=(("cast", "100000.00"),), *, status=Budget.Status.DRAFT):
        budget = Budget.objects.create(project=project, status=status)
        for category, planned, *actual in lines:
            BudgetLine.objects.create(
                budget=budget,
                category=category,
                planned=Decimal(planned),
                actual=Decimal(actual[0]) if actual else None,
            )
        return budget

    return make
