"""The payment schedule: set as a whole by the platform on a draft contract, adding up to the fee."""

from decimal import Decimal

import pytest

from contracts.models import Installment
from contracts.services.payments import payment_schedule_problems, schedule_priced
from tests.contracts.payments_support import add_installment, make_contract

D = Decimal


def url(contract):
    return f"/api/v1/payment-schedules/{contract.pk}/"


def put(api, user, contract, installments):
    return api(user).put(url(contract), {"installments": installments}, format="json")


def amounts(contract):
    return [
        str(a)
        for a in Installment.objects.filter(contract=contract)
        .order_by("position")
        .values_list("amount", flat=True)
    ]


@pytest.fixture
def contract(world, make_project):
    return make_contract(world, make_project("greenlit"), fee="500000.00")


def test_the_platform_sets_a_percentage_schedule(world, api, contract):
    response = put(
        api,
        world.content_manager,
        contract,
        [
            {"label": "Advance", "percent": "30", "trigger": "countersigned"},
            {"label": "On the cut", "percent": "40", "trigger": "cut_approved"},
            {"label": "Balance", "percent": "30", "trigger": "released"},
        ],
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == "500000.00"
    assert body["editable"] is True
    assert [(i["position"], i["amount"], i["status"]) for i in body["installments"]] == [
        (1, "150000.00", "scheduled"),
        (2, "200000.00", "scheduled"),
        (3, "150000.00", "scheduled"),
    ]
    assert amounts(contract) == ["150000.00", "200000.00", "150000.00"]


def test_the_last_percentage_takes_the_rounding_remainder(world, api, make_project):
    # 50 % of 1,000.01 is 500.005, 500.01 half-up: twice would be 1,000.02.
    contract = make_contract(world, make_project("greenlit"), fee="1000.01")

    response = put(
        api,
        world.content_manager,
        contract,
        [
            {"percent": "50", "trigger": "countersigned"},
            {"percent": "50", "trigger": "released"},
        ],
    )

    assert response.status_code == 200, response.json()
    assert amounts(contract) == ["500.01", "500.00"]


def test_thirds_add_up_to_the_fee_exactly():
    rows = [
        {"percent": D("33.3333"), "trigger": "countersigned"},
        {"percent": D("33.3333"), "trigger": "cut_approved"},
        {"percent": D("33.3334"), "trigger": "released"},
    ]
    # Each rounds to 33.33 (99.99 in all): the last takes the remainder.
    assert schedule_priced(D("100.00"), rows) == [D("33.33"), D("33.33"), D("33.34")]


def test_fixed_amounts_and_percentages_mix(world, api, contract):
    response = put(
        api,
        world.content_manager,
        contract,
        [
            {"amount": "100000.00", "trigger": "countersigned"},
            {"percent": "80", "trigger": "date", "due_on_date": "2027-03-01"},
        ],
    )

    assert response.status_code == 200, response.json()
    assert amounts(contract) == ["100000.00", "400000.00"]


def test_a_schedule_that_does_not_add_up_is_refused_and_nothing_changes(world, api, contract):
    add_installment(contract, 1, "500000.00")

    response = put(
        api,
        world.content_manager,
        contract,
        [
            {"amount": "200000.00", "trigger": "countersigned"},
            {"amount": "280000.00", "trigger": "released"},
        ],
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "installments": ["The installments add up to ¥480,000.00; the fee is ¥500,000.00."]
    }
    assert amounts(contract) == ["500000.00"]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"trigger": "countersigned"},
            "installments.0.amount",
            "Give an amount or a percentage of the fee, not both.",
        ),
        (
            {"amount": "500000.00", "percent": "100", "trigger": "countersigned"},
            "installments.0.amount",
            "Give an amount or a percentage of the fee, not both.",
        ),
        (
            {"amount": "500000.00", "trigger": "date"},
            "installments.0.due_on_date",
            "An installment due on a date needs the date.",
        ),
        (
            {"amount": "500000.00", "trigger": "released", "due_on_date": "2027-01-01"},
            "installments.0.due_on_date",
            "Only an installment due on a date has a date; this one falls due at a milestone.",
        ),
        (
            {"percent": "120", "trigger": "released"},
            "installments.0.percent",
            "Give a percentage above 0 and at most 100.",
        ),
    ],
)
def test_bad_installments_are_named(world, api, contract, row, field, message):
    response = put(api, world.content_manager, contract, [row])

    assert response.status_code == 400
    assert response.json()["fields"][field] == [message]
    assert not Installment.objects.filter(contract=contract).exists()


def test_an_unknown_key_is_refused(world, api, contract):
    response = put(
        api,
        world.content_manager,
        contract,
        [{"amount": "500000.00", "trigger": "countersigned", "status": "paid"}],
    )

    assert response.status_code == 400
    assert "installments.0.status" in response.json()["fields"]


@pytest.mark.parametrize("status", ["sent", "signed", "active"])
def test_the_schedule_is_frozen_once_the_contract_is_sent(world, api, make_project, status):
    contract = make_contract(world, make_project("greenlit"), status=status)
    add_installment(contract, 1, "500000.00")

    response = put(
        api, world.content_manager, contract, [{"amount": "500000.00", "trigger": "released"}]
    )

    assert response.status_code == 409
    assert response.json()["code"] == "schedule_frozen"
    assert Installment.objects.get(contract=contract).trigger == "countersigned"
    assert api(world.content_manager).get(url(contract)).json()["editable"] is False


def test_the_producer_reads_the_schedule_but_does_not_set_it(world, api, contract):
    add_installment(contract, 1, "500000.00")

    read = api(world.producer_a).get(url(contract))
    response = put(
        api, world.producer_a, contract, [{"amount": "500000.00", "trigger": "released"}]
    )

    assert read.status_code == 200
    assert read.json()["editable"] is False
    assert response.status_code == 403
    assert Installment.objects.get(contract=contract).trigger == "countersigned"


@pytest.mark.parametrize(
    "who", ["shanghai_reviewer", "rater", "other_content_manager", "producer_b", "outsider"]
)
def test_others_do_not_see_the_schedule(world, api, contract, who):
    user = getattr(world, who)

    assert api(user).get(url(contract)).status_code == 404
    response = put(api, user, contract, [{"amount": "500000.00", "trigger": "released"}])
    assert response.status_code == 404


def test_a_fee_changed_after_the_schedule_is_reported(world, contract):
    add_installment(contract, 1, "500000.00")
    assert payment_schedule_problems(contract) == []

    contract.production_fee = D("600000.00")

    assert payment_schedule_problems(contract) == [
        "The installments add up to ¥500,000.00; the fee is ¥600,000.00."
    ]
