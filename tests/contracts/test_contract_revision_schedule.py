"""A revised contract keeps its payment schedule: what was paid stays paid with the version it was
paid under, and what is still owed moves to the new version."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from contracts.models import Contract, Installment
from contracts.services import agreements, payments
from tests.contracts.contract_helpers import fresh, offer
from workflow.models import StatusChange

CONTRACTS = "/api/v1/contracts/"
FEE = Decimal("300000.00")


def installments_of(contract):
    return list(
        Installment.objects.filter(contract=contract)
        .order_by("position")
        .values_list("position", "label", "amount", "status")
    )


@pytest.fixture
def active(world, make_project):
    """Version 1, countersigned: 30 % due at countersigning, 20 % at the cut, 50 % at release."""
    contract = offer(make_project("in_production"), world, production_fee=FEE)
    payments.payment_schedule_replace(
        contract=contract,
        actor=world.content_manager,
        installments=[
            {"label": "Advance", "percent": Decimal("30"), "trigger": "countersigned"},
            {"label": "Cut", "percent": Decimal("20"), "trigger": "cut_approved"},
            {"label": "Balance", "percent": Decimal("50"), "trigger": "released"},
        ],
    )
    agreements.contract_send(contract=contract, actor=world.content_manager)
    agreements.contract_sign(contract=fresh(contract), actor=world.producer_a)
    return agreements.contract_countersign(contract=fresh(contract), actor=world.content_manager)


def pay_advance(world, contract):
    advance = Installment.objects.get(contract=contract, position=1)
    return payments.installment_mark_paid(
        installment=advance,
        actor=world.content_manager,
        paid_on=timezone.localdate(),
        reference="T-1",
    )


def revise(api, world, contract, **terms):
    return api(world.content_manager).post(
        f"{CONTRACTS}{contract.pk}/revise/", terms, format="json"
    )


def test_paid_installments_stay_and_the_rest_move_to_the_new_version(world, api, active):
    paid = pay_advance(world, active)
    owed = list(Installment.objects.filter(contract=active, position__gt=1).order_by("position"))

    response = revise(api, world, active, rights_scope="Mainland China and Hong Kong.")

    assert response.status_code == 201, response.json()
    v2 = Contract.objects.get(pk=response.json()["id"])
    assert installments_of(active) == [(1, "Advance", Decimal("90000.00"), "paid")]
    assert installments_of(v2) == [
        (2, "Cut", Decimal("60000.00"), "scheduled"),
        (3, "Balance", Decimal("150000.00"), "scheduled"),
    ]
    # The same installments, owed once: not copies left behind on version 1.
    assert [i.pk for i in Installment.objects.filter(contract=v2).order_by("position")] == [
        i.pk for i in owed
    ]
    schedule = api(world.producer_a).get(f"/api/v1/payment-schedules/{v2.pk}/")
    assert schedule.status_code == 200
    assert [i["label"] for i in schedule.json()["installments"]] == ["Cut", "Balance"]
    listed = api(world.producer_a).get("/api/v1/installments/", {"project": active.project_id})
    assert sorted((i["id"], i["status"]) for i in listed.json()["results"]) == sorted(
        [(paid.pk, "paid"), *((i.pk, "scheduled") for i in owed)]
    )


def test_the_new_version_is_sent_with_what_was_paid_counted(world, api, active):
    pay_advance(world, active)
    v2 = Contract.objects.get(pk=revise(api, world, active).json()["id"])

    response = api(world.content_manager).post(f"{CONTRACTS}{v2.pk}/send/", {}, format="json")

    assert response.status_code == 200, response.json()
    assert fresh(v2).status == "sent"


def test_an_installment_due_but_unpaid_falls_due_again_under_the_new_version(world, api, active):
    advance = Installment.objects.get(contract=active, position=1)
    assert advance.status == "due"

    v2 = Contract.objects.get(pk=revise(api, world, active).json()["id"])

    advance.refresh_from_db()
    assert (advance.contract_id, advance.status, advance.due_on) == (v2.pk, "scheduled", None)
    change = StatusChange.objects.get(
        record_type=ContentType.objects.get_for_model(Installment),
        record_id=advance.pk,
        to_status="scheduled",
    )
    assert (change.from_status, change.reason) == (
        "due",
        "Carried over to version 2 of the contract.",
    )
    agreements.contract_send(contract=v2, actor=world.content_manager)
    agreements.contract_sign(contract=fresh(v2), actor=world.producer_a)
    agreements.contract_countersign(contract=fresh(v2), actor=world.content_manager)
    advance.refresh_from_db()
    assert advance.status == "due"


def test_a_new_fee_reprices_the_percentages_that_still_add_up(world, api, make_project):
    contract = offer(make_project("greenlit"), world, production_fee=FEE)
    payments.payment_schedule_replace(
        contract=contract,
        actor=world.content_manager,
        installments=[
            {"label": "Advance", "percent": Decimal("40"), "trigger": "countersigned"},
            {"label": "Balance", "percent": Decimal("60"), "trigger": "released"},
        ],
    )
    agreements.contract_send(contract=contract, actor=world.content_manager)

    response = revise(api, world, contract, production_fee="400000.00")

    assert response.status_code == 201, response.json()
    v2 = Contract.objects.get(pk=response.json()["id"])
    assert installments_of(v2) == [
        (1, "Advance", Decimal("160000.00"), "scheduled"),
        (2, "Balance", Decimal("240000.00"), "scheduled"),
    ]


def test_a_schedule_that_no_longer_fits_the_fee_is_set_again_before_sending(world, api, active):
    pay_advance(world, active)
    v2 = Contract.objects.get(
        pk=revise(api, world, active, production_fee="400000.00").json()["id"]
    )
    platform = api(world.content_manager)

    refused = platform.post(f"{CONTRACTS}{v2.pk}/send/", {}, format="json")

    assert refused.status_code == 400, refused.json()
    assert refused.json()["fields"]["installments"] == [
        "The installments add up to ¥210,000.00 and ¥90,000.00 was paid under earlier "
        "versions; the fee is ¥400,000.00."
    ]
    assert fresh(v2).status == "draft"
    schedule = [{"label": "Rest", "amount": "310000.00", "trigger": "released"}]
    put = platform.put(
        f"/api/v1/payment-schedules/{v2.pk}/", {"installments": schedule}, format="json"
    )
    assert put.status_code == 200, put.json()
    assert platform.post(f"{CONTRACTS}{v2.pk}/send/", {}, format="json").status_code == 200
    assert installments_of(active) == [(1, "Advance", Decimal("90000.00"), "paid")]
