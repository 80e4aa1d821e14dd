"""Payments and statements under contention: exactly one wins (PostgreSQL row locks)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from contracts.models import ResidualStatement
from contracts.services import payments as services
from contracts.services import statements
from tests.concurrency import race
from tests.contracts.payments_support import add_installment, add_metric, make_contract
from workflow.exceptions import ConcurrentUpdate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def test_an_installment_is_paid_once(world, make_project):
    contract = make_contract(world, make_project("in_production"), status="active")
    installment = add_installment(
        contract,
        1,
        "500000.00",
        "greenlit",
        status="due",
        due_on=timezone.localdate() - timedelta(days=1),
    )

    results = race(
        lambda index: services.installment_mark_paid(
            installment=installment,
            actor=world.content_manager,
            paid_on=timezone.localdate(),
            reference=f"REF-{index}",
        ),
        threads=THREADS,
        indexed=True,
    )

    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(
        isinstance(r, ConcurrentUpdate | services.InstallmentAlreadyPaid)
        for r in results
        if isinstance(r, Exception)
    ), results
    installment.refresh_from_db()
    assert installment.payment_reference == winners[0].payment_reference


def test_a_period_gets_one_statement(world, make_project):
    project = make_project("released")
    contract = make_contract(world, project, status="active")
    add_metric(project, date(2026, 10, 5), valid_plays=1000)

    results = race(
        lambda: statements.residual_statement_issue(
            contract=contract,
            actor=world.content_manager,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
        ),
        threads=THREADS,
    )

    assert len([r for r in results if not isinstance(r, Exception)]) == 1
    assert ResidualStatement.objects.count() == 1
