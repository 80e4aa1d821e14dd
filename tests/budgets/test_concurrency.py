"""Budget changes and transitions of one project never interleave (PostgreSQL row locks)."""

from collections import defaultdict
from datetime import date

import pytest

from budgets import rules, services
from budgets.models import Budget, TierPolicy
from common.errors import DomainError
from tests.concurrency import race
from tests.factories import UserFactory
from workflow import guards
from workflow import services as workflow_services
from workflow.exceptions import ConcurrentUpdate
from workflow.models import Project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def test_a_budget_is_submitted_once(world, make_project, make_budget):
    budget = make_budget(make_project("revising"))

    results = race(
        lambda: services.budget_submit(budget=budget, actor=world.producer_a), threads=THREADS
    )

    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(
        isinstance(r, ConcurrentUpdate | services.BudgetStatusConflict)
        for r in results
        if isinstance(r, Exception)
    ), results


def test_production_never_starts_on_a_reopened_budget(
    world, make_project, make_budget, monkeypatch
):
    monkeypatch.setattr(
        guards, "_registry", defaultdict(list, start_production=[rules.budget_approved])
    )
    project = make_project("greenlit")
    budget = make_budget(project, status=Budget.Status.APPROVED)
    calls = iter(range(THREADS))

    def start_or_reopen():
        if next(calls) % 2:
            return services.budget_reopen(budget=budget, actor=world.producer_a)
        return workflow_services.project_transition(
            project=project, name="start_production", actor=world.producer_a
        )

    results = race(start_or_reopen, threads=THREADS)

    assert all(isinstance(r, DomainError) for r in results if isinstance(r, Exception)), results
    project = Project.objects.get(pk=project.pk)
    budget = Budget.objects.get(pk=budget.pk)
    if project.state == "in_production":
        assert budget.status == Budget.Status.APPROVED
    else:
        assert budget.status == Budget.Status.DRAFT


def test_two_deletions_at_once_keep_a_national_tier_policy(world):
    roots = [UserFactory(username=f"root{n}", is_superuser=True) for n in range(2)]
    # Two national rows, whether or not an earlier flush removed the seeded one.
    TierPolicy.objects.filter(province="").delete()
    rows = [
        TierPolicy.objects.create(province="", effective_from=date(year, 1, 1)).pk
        for year in (2024, 2025)
    ]

    results = race(
        lambda index: services.tier_policy_delete(policy_ids=[rows[index]], actor=roots[index]),
        threads=2,
        indexed=True,
    )

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], services.LastNationalPolicy)
    assert TierPolicy.objects.filter(province="").count() == 1
