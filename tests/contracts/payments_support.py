"""Test setup for payment schedules and residual statements: rows written directly (setup, not
the behaviour under test)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from audience.models import EpisodeMetric
from contracts.models import Contract, Installment

D = Decimal


def make_contract(
    world,
    project,
    *,
    status="draft",
    model="licence",
    fee="500000.00",
    basis="valid_plays",
    rate="3.50",
    investment="0",
):
    if model == "work_for_hire":
        basis, rate = "none", "0"
    if model == "co_investment" and D(investment) == 0:
        investment = "100000.00"
    countersigned = status in ("active", "completed", "terminated")
    return Contract.objects.create(
        project=project,
        status=status,
        commissioning_model=model,
        production_fee=D(fee),
        producer_investment=D(investment),
        residual_basis=basis,
        residual_rate=D(rate),
        created_by=world.content_manager,
        countersigned_at=timezone.now() if countersigned else None,
        countersigned_by=world.content_manager if countersigned else None,
    )


def add_installment(contract, position, amount, trigger="countersigned", **fields):
    return Installment.objects.create(
        contract=contract,
        project_id=contract.project_id,
        position=position,
        amount=D(amount),
        trigger=trigger,
        **fields,
    )


def add_metric(project, day: date, *, episode=1, valid_plays=0, paid="0", ad="0"):
    return EpisodeMetric.objects.create(
        project=project,
        episode=episode,
        date=day,
        plays=valid_plays,
        valid_plays=valid_plays,
        retention_3s=D("0.5"),
        retention_5s=D("0.4"),
        retention_10s=D("0.3"),
        completion_rate=D("0.2"),
        likes=0,
        comments=0,
        shares=0,
        paid_unlocks=0,
        paid_revenue=D(paid),
        ad_revenue=D(ad),
    )
