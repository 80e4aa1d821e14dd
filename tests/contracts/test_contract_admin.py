"""The contract pages in the admin: scope, hidden money, the offer and the lifecycle buttons."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Contract
from workflow.models import ProjectState

from .contract_helpers import active_contract, fresh, offer, sent_contract, signed_contract

S = ProjectState
CHANGELIST = reverse("admin:contracts_contract_changelist")
ADD = reverse("admin:contracts_contract_add")


def change_url(contract):
    return reverse("admin:contracts_contract_change", args=[contract.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def project(make_project):
    return make_project(S.GREENLIT, tier="ORDINARY")


def test_the_parties_see_the_terms_and_the_versions(world, as_user, project):
    contract = active_contract(project, world, production_fee=Decimal("321000.00"))
    page = as_user(world.content_manager).get(change_url(contract))
    assert page.status_code == 200
    text = page.content.decode()
    assert "321,000.00" in text or "321000.00" in text
    assert "v1" in text


def test_a_regulator_sees_no_money_in_the_list_or_the_page(world, as_user, project):
    contract = active_contract(project, world, production_fee=Decimal("321000.00"))
    client = as_user(world.shanghai_reviewer)
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert [c.pk for c in listing.context["cl"].result_list] == [contract.pk]
    assert "321" not in listing.content.decode()
    page = client.get(change_url(contract))
    assert page.status_code == 200
    assert "321" not in page.content.decode()
    assert "production_fee" not in page.content.decode()


@pytest.mark.parametrize("user", ["rater", "other_content_manager", "zhejiang_reviewer"])
def test_others_get_404(world, as_user, project, user):
    contract = offer(project, world)
    client = as_user(getattr(world, user))
    assert client.get(change_url(contract)).status_code == 404
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == []


def test_work_for_hire_says_the_producer_may_not_revise_the_script(world, as_user, project):
    contract = offer(project, world, model="work_for_hire", production_fee=Decimal("1000.00"))
    page = as_user(world.producer_a).get(change_url(contract))
    assert "may not revise the script" in page.content.decode()


def test_the_platform_offers_from_the_add_page(world, as_user, project):
    client = as_user(world.content_manager)
    response = client.post(
        ADD,
        {
            "project": project.pk,
            "commissioning_model": "co_investment",
            "production_fee": "500000.00",
            "producer_investment": "100000.00",
            "residual_basis": "paid_revenue",
            "residual_rate": "15",
            "rights_scope": "",
            "term_ends_on": "",
            "exclusivity_ends_on": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    contract = Contract.objects.get(project=project)
    assert (contract.status, contract.residual_rate) == ("draft", Decimal("15"))
    assert any("outside the typical range" in m for m in messages_of(response))


def test_a_refused_offer_keeps_the_form_with_the_reason_on_its_field(world, as_user, project):
    client = as_user(world.content_manager)
    response = client.post(
        ADD,
        {
            "project": project.pk,
            "commissioning_model": "co_investment",
            "production_fee": "500000.00",
            "producer_investment": "0",
            "residual_basis": "paid_revenue",
            "residual_rate": "7",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["production_fee"].value() == "500000.00"
    assert form.errors["producer_investment"] == [
        "A co-investment contract needs the producer's investment (more than 0)."
    ]
    assert not Contract.objects.exists()


def test_the_draft_is_edited_through_the_service_and_frozen_once_sent(world, as_user, project):
    contract = offer(project, world)
    client = as_user(world.content_manager)
    data = {
        "commissioning_model": "licence",
        "production_fee": "310000.00",
        "producer_investment": "0",
        "residual_basis": "valid_plays",
        "residual_rate": "3.5",
        "rights_scope": "Online.",
        "term_ends_on": "",
        "exclusivity_ends_on": "",
    }
    client.post(change_url(contract), data)
    assert fresh(contract).production_fee == Decimal("310000.00")

    sent = fresh(contract)
    client.post(change_url(sent), {"_contract_action": "send"})
    assert fresh(contract).status == "sent"
    page = client.get(change_url(contract))
    assert 'name="production_fee"' not in page.content.decode()  # read-only now
    client.post(change_url(contract), {**data, "production_fee": "1.00"})
    assert fresh(contract).production_fee == Decimal("310000.00")


def test_the_lifecycle_buttons(world, as_user, project):
    contract = sent_contract(project, world)
    producer = as_user(world.producer_a)
    page = producer.get(change_url(contract)).content.decode()
    assert 'value="sign"' in page
    assert 'value="countersign"' not in page
    response = producer.post(change_url(contract), {"_contract_action": "sign"}, follow=True)
    assert fresh(contract).status == "signed"
    assert any("Sign: done" in m for m in messages_of(response))

    refused = producer.post(change_url(contract), {"_contract_action": "countersign"})
    assert refused.status_code == 200
    assert any("Only" in m for m in refused.context["contract_action_errors"])
    assert fresh(contract).status == "signed"


def test_terminate_needs_a_reason_in_the_admin(world, as_user, project):
    contract = signed_contract(project, world)
    client = as_user(world.content_manager)
    response = client.post(change_url(contract), {"_contract_action": "terminate"})
    assert response.status_code == 200
    assert response.context["contract_reason_errors"] == ["Give the reason."]
    assert fresh(contract).status == "signed"
    too_long = "x" * 2001
    response = client.post(
        change_url(contract), {"_contract_action": "terminate", "_contract_reason": too_long}
    )
    # The reason as typed, with the refusal next to it.
    assert f">{too_long}</textarea>" in response.content.decode()
    assert "Keep the reason under 2000 characters." in response.context["contract_reason_errors"]
    assert fresh(contract).status == "signed"
    client.post(
        change_url(contract),
        {"_contract_action": "terminate", "_contract_reason": "Financing fell through."},
    )
    assert (fresh(contract).status, fresh(contract).end_reason) == (
        "terminated",
        "Financing fell through.",
    )


def test_revise_from_the_admin_opens_version_2(world, as_user, project):
    contract = active_contract(project, world)
    response = as_user(world.content_manager).post(
        change_url(contract), {"_contract_action": "revise"}
    )
    v2 = Contract.objects.get(project=project, version=2)
    assert response.status_code == 302
    assert response["Location"] == change_url(v2)
    assert fresh(contract).status == "superseded"


def test_the_changelist_costs_the_same_queries_for_few_and_many_rows(world, as_user, make_project):
    client = as_user(world.content_manager)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(CHANGELIST)
        assert response.status_code == 200
        return len(captured)

    for _ in range(2):
        active_contract(make_project(S.GREENLIT), world)
    few = count()
    for _ in range(8):
        active_contract(make_project(S.GREENLIT), world)
    assert count() == few
