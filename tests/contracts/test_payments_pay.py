"""Recording payments, and what is owed: per project, per organisation, in the API and admin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Installment
from tests.contracts.payments_support import add_installment, make_contract

INSTALLMENTS = "/api/v1/installments/"


def pay(api, user, installment, *, paid_on=None, reference="ICBC 20261120-01"):
    body = {"paid_on": (paid_on or timezone.localdate()).isoformat(), "reference": reference}
    return api(user).post(f"{INSTALLMENTS}{installment.pk}/pay/", body, format="json")


def due_installment(contract, position=1, amount="500000.00", days_ago=2, trigger="greenlit"):
    return add_installment(
        contract,
        position,
        amount,
        trigger,
        status="due",
        due_on=timezone.localdate() - timedelta(days=days_ago),
    )


@pytest.fixture
def contract(world, make_project):
    return make_contract(world, make_project("in_production"), status="active")


def test_the_platform_records_a_payment(world, api, contract):
    installment = due_installment(contract)
    paid_on = timezone.localdate() - timedelta(days=1)

    response = pay(api, world.content_manager, installment, paid_on=paid_on)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "paid"
    assert body["paid_on"] == paid_on.isoformat()
    assert body["payment_reference"] == "ICBC 20261120-01"
    assert body["paid_recorded_by"] == "cm_p"
    installment.refresh_from_db()
    assert installment.status == "paid"
    assert installment.paid_recorded_by == world.content_manager


def test_paying_twice_is_refused_naming_the_earlier_payment(world, api, contract):
    installment = due_installment(contract)
    first_day = timezone.localdate() - timedelta(days=1)
    assert pay(api, world.content_manager, installment, paid_on=first_day).status_code == 200

    response = pay(api, world.content_manager, installment, reference="ANOTHER")

    assert response.status_code == 409
    assert response.json() == {
        "code": "installment_already_paid",
        "detail": f"This installment was already paid on {first_day.isoformat()} "
        "(reference ICBC 20261120-01, recorded by cm_p).",
    }
    installment.refresh_from_db()
    assert (installment.paid_on, installment.payment_reference) == (
        first_day,
        "ICBC 20261120-01",
    )


def test_an_installment_not_yet_due_cannot_be_paid(world, api, contract):
    installment = add_installment(contract, 1, "500000.00", "cut_approved")

    response = pay(api, world.content_manager, installment)

    assert response.status_code == 409
    assert response.json()["code"] == "installment_not_due"
    assert response.json()["detail"] == (
        "This installment is not due yet. It falls due at: approval of the cut."
    )
    installment.refresh_from_db()
    assert installment.status == "scheduled"


def test_a_date_installment_is_paid_from_its_date(world, api, contract):
    today = timezone.localdate()
    installment = add_installment(contract, 1, "500000.00", "date", due_on_date=today)

    assert pay(api, world.content_manager, installment).status_code == 200

    installment.refresh_from_db()
    assert (installment.status, installment.due_on) == ("paid", today)


def test_a_payment_is_not_dated_in_the_future(world, api, contract):
    installment = due_installment(contract)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = pay(api, world.content_manager, installment, paid_on=tomorrow)

    assert response.status_code == 400
    assert response.json()["fields"]["paid_on"] == [
        f"A payment cannot be dated in the future (today is {timezone.localdate().isoformat()})."
    ]
    installment.refresh_from_db()
    assert installment.status == "due"


def test_a_blank_reference_is_refused(world, api, contract):
    installment = due_installment(contract)

    response = pay(api, world.content_manager, installment, reference="   ")

    assert response.status_code == 400
    assert "reference" in response.json()["fields"]


def test_the_producer_cannot_record_a_payment(world, api, contract):
    installment = due_installment(contract)

    response = pay(api, world.producer_a, installment)

    assert response.status_code == 403
    installment.refresh_from_db()
    assert installment.status == "due"


@pytest.mark.parametrize(
    "who",
    ["shanghai_reviewer", "national_reviewer", "rater", "other_content_manager", "producer_b"],
)
def test_installments_are_hidden_from_everyone_but_the_parties(world, api, contract, who):
    installment = due_installment(contract)
    user = getattr(world, who)

    assert api(user).get(f"{INSTALLMENTS}{installment.pk}/").status_code == 404
    assert api(user).get(INSTALLMENTS).json()["results"] == []
    assert api(user).get(f"{INSTALLMENTS}unpaid/").json() == []
    assert pay(api, user, installment).status_code == 404


def test_due_installments_of_a_project(world, api, make_project, contract):
    due = due_installment(contract, 1, "200000.00")
    add_installment(contract, 2, "300000.00", "released")
    other = make_contract(world, make_project("in_production"), status="active")
    due_installment(other, 1, "500000.00")

    response = api(world.producer_a).get(
        INSTALLMENTS, {"status": "due", "project": contract.project_id}
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [due.pk]


def test_what_is_owed_per_project(world, api, make_project, contract):
    due_installment(contract, 1, "100000.00", days_ago=5)
    due_installment(contract, 2, "150000.00", days_ago=1)
    paid = due_installment(contract, 3, "250000.00")
    assert pay(api, world.content_manager, paid).status_code == 200
    second = make_contract(world, make_project("in_production"), status="active")
    due_installment(second, 1, "500000.00", days_ago=9)
    theirs = make_contract(
        world, make_project("in_production", producer=world.studio_b), status="active"
    )
    due_installment(theirs, 1, "500000.00")

    response = api(world.producer_a).get(f"{INSTALLMENTS}unpaid/")

    assert response.status_code == 200
    today = timezone.localdate()
    assert [
        (row["project"], row["count"], row["total"], row["oldest_due_on"])
        for row in response.json()
    ] == [
        (second.project_id, 1, "500000.00", (today - timedelta(days=9)).isoformat()),
        (contract.project_id, 2, "250000.00", (today - timedelta(days=5)).isoformat()),
    ]
    # The platform owes all three projects.
    assert len(api(world.content_manager).get(f"{INSTALLMENTS}unpaid/").json()) == 3


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INSTALLMENTS, {"page_size": 50}).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_whatever_its_size(world, api, make_project):
    client = api(world.producer_a)
    first = make_contract(world, make_project("in_production"), status="active")
    due_installment(first)
    _list_queries(client)  # reads the user's memberships once
    few = _list_queries(client)

    for _ in range(4):
        contract = make_contract(world, make_project("in_production"), status="active")
        paid = due_installment(contract, 1, "100000.00")
        Installment.objects.filter(pk=paid.pk).update(
            status="paid",
            paid_on=timezone.localdate(),
            payment_reference="X",
            paid_recorded_by=world.content_manager,
        )
        add_installment(contract, 2, "400000.00", "released")

    assert _list_queries(client) == few


# The admin -----------------------------------------------------------------------------------


def test_the_admin_lists_due_installments_and_records_a_payment(world, client, contract):
    installment = due_installment(contract, 1, "500000.00")
    add_installment(contract, 2, "1.00", "released")
    client.force_login(world.content_manager)

    listing = client.get("/admin/contracts/installment/", {"status": "due"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [installment]
    assert "Record payment" in listing.content.decode()

    response = client.post(
        f"/admin/contracts/installment/{installment.pk}/pay/",
        {"paid_on": timezone.localdate().isoformat(), "reference": "BANK-1"},
    )

    assert response.status_code == 302
    installment.refresh_from_db()
    assert (installment.status, installment.payment_reference) == ("paid", "BANK-1")

    again = client.post(
        f"/admin/contracts/installment/{installment.pk}/pay/",
        {"paid_on": timezone.localdate().isoformat(), "reference": "BANK-2"},
        follow=True,
    )
    assert again.status_code == 200
    assert again.context["form"]["reference"].value() == "BANK-2"
    assert "already paid" in str(again.context["form"].errors)
    installment.refresh_from_db()
    assert installment.payment_reference == "BANK-1"


def test_the_admin_list_of_a_project_costs_the_same_queries(world, client, make_project):
    client.force_login(world.producer_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/contracts/installment/").status_code == 200
        return len(captured)

    due_installment(make_contract(world, make_project("in_production"), status="active"))
    few = queries()
    for _ in range(4):
        contract = make_contract(world, make_project("in_production"), status="active")
        due_installment(contract)
    assert queries() == few


@pytest.mark.parametrize("who", ["shanghai_reviewer", "rater"])
def test_regulators_and_raters_have_no_installment_pages(world, client, contract, who):
    installment = due_installment(contract)
    client.force_login(getattr(world, who))

    assert client.get("/admin/contracts/installment/").status_code == 403
    assert client.get(f"/admin/contracts/installment/{installment.pk}/pay/").status_code == 404


def test_the_admin_sets_a_draft_schedule(world, client, make_project):
    contract = make_contract(world, make_project("greenlit"), fee="500000.00")
    client.force_login(world.content_manager)
    url = f"/admin/contracts/installment/schedule/{contract.pk}/"
    assert client.get(url).status_code == 200

    form = {
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-0-label": "Advance",
        "form-0-percent": "30",
        "form-0-trigger": "countersigned",
        "form-1-amount": "350000.00",
        "form-1-trigger": "released",
    }
    response = client.post(url, form)

    assert response.status_code == 302
    assert [(i.label, i.amount) for i in Installment.objects.filter(contract=contract)] == [
        ("Advance", Decimal("150000.00")),
        ("", Decimal("350000.00")),
    ]

    short = client.post(url, {**form, "form-1-amount": "300000.00"})
    assert short.status_code == 200
    assert "The installments add up to ¥450,000.00; the fee is ¥500,000.00." in " ".join(
        str(m) for m in short.context["messages"]
    )
    assert Installment.objects.filter(contract=contract).count() == 2


def test_the_admin_filters_by_project_and_contract_and_shows_an_installment(
    world, client, make_project, contract
):
    mine = due_installment(contract)
    due_installment(make_contract(world, make_project("in_production"), status="active"))
    client.force_login(world.producer_a)

    by_project = client.get(
        "/admin/contracts/installment/", {"project__id__exact": contract.project_id}
    )
    by_contract = client.get("/admin/contracts/installment/", {"contract__id__exact": contract.pk})
    page = client.get(f"/admin/contracts/installment/{mine.pk}/change/")

    assert list(by_project.context["cl"].result_list) == [mine]
    assert list(by_contract.context["cl"].result_list) == [mine]
    assert page.status_code == 200
    assert "Record payment" not in by_project.content.decode()  # producers do not pay
