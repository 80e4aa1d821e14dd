"""The contract's lifecycle and its payment schedule through the services a user calls."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts.models import Contract, Installment
from contracts.services import agreements, payments
from tests.contracts.contract_helpers import fresh, offer


def schedule(contract, world, *items):
    return payments.payment_schedule_replace(
        contract=contract, actor=world.content_manager, installments=list(items)
    )


def test_countersigning_makes_its_installments_due_and_catches_up_on_greenlight(
    world, make_project
):
    project = make_project("greenlit")
    contract = offer(project, world)
    schedule(
        contract,
        world,
        {"label": "On signature", "percent": Decimal("30"), "trigger": "countersigned"},
        {"label": "Greenlight", "percent": Decimal("20"), "trigger": "greenlit"},
        {"label": "On release", "percent": Decimal("50"), "trigger": "released"},
    )
    agreements.contract_send(contract=contract, actor=world.content_manager)
    agreements.contract_sign(contract=fresh(contract), actor=world.producer_a)
    agreements.contract_countersign(contract=fresh(contract), actor=world.content_manager)

    statuses = dict(Installment.objects.filter(contract=contract).values_list("label", "status"))
    # make_project placed the project as greenlit without a logged greenlight: nothing to catch
    # up on; the countersigning installment is due.
    assert statuses["On signature"] == "due"
    assert statuses["On release"] == "scheduled"


def test_a_contract_whose_fee_no_longer_matches_its_schedule_is_not_sent(world, make_project):
    contract = offer(make_project("greenlit"), world)
    schedule(
        contract, world, {"label": "All", "percent": Decimal("100"), "trigger": "countersigned"}
    )
    agreements.contract_update(
        contract=contract,
        actor=world.content_manager,
        data={"production_fee": contract.production_fee + 1},
    )
    with pytest.raises(ValidationError) as refused:
        agreements.contract_send(contract=fresh(contract), actor=world.content_manager)
    assert "add up to" in refused.value.message_dict["installments"][0]
    assert fresh(contract).status == Contract.Status.DRAFT
