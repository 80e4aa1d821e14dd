"""Who sees a contract, and which of its terms; the list's query count; the production guard."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budgets.models import Budget
from contracts.selectors.agreements import contract_financials_visible, contract_list_for
from workflow.models import ProjectState

from .contract_helpers import active_contract, offer, sent_contract, signed_contract

S = ProjectState
V1 = "/api/v1/contracts/"
MONEY_FIELDS = {
    "production_fee",
    "producer_investment",
    "residual_basis",
    "residual_rate",
    "granted_budget",
    "traffic_support",
    "grade",
    "warnings",
}


@pytest.fixture
def contract(world, make_project):
    # ORDINARY, producer in Shanghai: routed to the Shanghai bureau only.
    return active_contract(make_project(S.GREENLIT, tier="ORDINARY"), world)


@pytest.mark.parametrize("user", ["producer_a", "admin_a", "content_manager"])
def test_the_parties_see_every_term(world, api, contract, user):
    response = api(getattr(world, user)).get(f"{V1}{contract.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert MONEY_FIELDS <= set(body)
    assert body["production_fee"] == "300000.00"


def test_a_routed_regulator_sees_the_contract_without_money(world, api, contract):
    client = api(world.shanghai_reviewer)
    body = client.get(f"{V1}{contract.pk}/").json()
    assert body["status"] == "active"
    assert (body["commissioning_model"], body["rights_scope"]) == (
        "licence",
        "Mainland China, online streaming.",
    )
    assert "term_ends_on" in body
    assert not MONEY_FIELDS & set(body)
    assert "300000" not in str(body)
    [listed] = client.get(V1).json()["results"]
    assert not MONEY_FIELDS & set(listed)
    [version] = client.get(f"{V1}{contract.pk}/versions/").json()
    assert not MONEY_FIELDS & set(version)


@pytest.mark.parametrize(
    "user", ["rater", "zhejiang_reviewer", "other_content_manager", "producer_b", "outsider"]
)
def test_others_get_404_and_an_empty_list(world, api, contract, user):
    client = api(getattr(world, user))
    assert client.get(f"{V1}{contract.pk}/").status_code == 404
    assert client.get(f"{V1}{contract.pk}/versions/").status_code == 404
    assert client.get(V1).json()["results"] == []


def test_the_national_administration_sees_key_projects_only(world, make_project, api):
    key = active_contract(make_project(S.GREENLIT, tier="KEY"), world)
    other = make_project(S.GREENLIT, tier="ORDINARY")
    active_contract(other, world)
    listed = api(world.national_reviewer).get(V1).json()["results"]
    assert [c["id"] for c in listed] == [key.pk]


def test_the_selector_and_the_financials_rule(world, contract):
    assert list(contract_list_for(world.rater)) == []
    assert [c.pk for c in contract_list_for(world.shanghai_reviewer)] == [contract.pk]
    assert contract_financials_visible(world.producer_a, contract)
    assert contract_financials_visible(world.content_manager, contract)
    assert not contract_financials_visible(world.shanghai_reviewer, contract)
    assert not contract_financials_visible(world.rater, contract)


def test_list_filters(world, api, make_project):
    a = active_contract(make_project(S.GREENLIT), world)
    b = offer(make_project(S.GREENLIT), world)
    client = api(world.content_manager)
    assert [c["id"] for c in client.get(V1, {"project": a.project_id}).json()["results"]] == [a.pk]
    assert [c["id"] for c in client.get(V1, {"status": "draft"}).json()["results"]] == [b.pk]
    assert client.get(V1, {"status": "nonsense"}).status_code == 400


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "shanghai_reviewer"])
def test_the_list_costs_the_same_queries_for_few_and_many_rows(world, api, make_project, user):
    client = api(getattr(world, user))

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(V1, {"page_size": 100})
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    def add(n):
        for index in range(n):
            project = make_project(S.GREENLIT)
            [offer, sent_contract, signed_contract, active_contract][index % 4](project, world)

    count()
    add(2)
    few, listed = count()
    add(9)
    many, listed_many = count()
    assert (listed, listed_many) == (2, 11)
    assert many == few


# The production guard ------------------------------------------------------------------------


def why_not(api, user, project) -> list[str]:
    options = api(user).get(f"/api/v1/projects/{project.pk}/transitions/").json()
    [start] = [o for o in options if o["name"] == "start_production"]
    return start["reasons"]


def approved_budget(project):
    Budget.objects.create(project=project, status=Budget.Status.APPROVED)


def test_why_not_names_the_missing_contract(world, api, make_project):
    project = make_project(S.GREENLIT, tier="OTHER")
    approved_budget(project)
    reasons = why_not(api, world.producer_a, project)
    assert "A countersigned (active) contract is needed before production starts." in reasons


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (offer, "The contract is a draft"),
        (sent_contract, "The contract is with the producer"),
        (signed_contract, "the platform must countersign it"),
    ],
)
def test_why_not_says_where_the_contract_is(world, api, make_project, make, words):
    project = make_project(S.GREENLIT, tier="OTHER")
    approved_budget(project)
    make(project, world)
    reasons = why_not(api, world.producer_a, project)
    assert any(words in reason for reason in reasons), reasons
    response = api(world.producer_a).post(
        f"/api/v1/projects/{project.pk}/transitions/start_production/", {}, format="json"
    )
    assert response.status_code == 409
    assert any(words in reason for reason in response.json()["reasons"])


def test_production_starts_under_an_active_contract(world, api, make_project):
    project = make_project(S.GREENLIT, tier="OTHER")
    approved_budget(project)
    active_contract(project, world)
    assert not any("contract" in r for r in why_not(api, world.producer_a, project))
    response = api(world.producer_a).post(
        f"/api/v1/projects/{project.pk}/transitions/start_production/", {}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "in_production"


def test_a_terminated_contract_does_not_count(world, api, make_project):
    project = make_project(S.GREENLIT, tier="OTHER")
    approved_budget(project)
    contract = active_contract(project, world)
    api(world.producer_a).post(f"{V1}{contract.pk}/terminate/", {"reason": "x"}, format="json")
    reasons = why_not(api, world.producer_a, project)
    assert "A countersigned (active) contract is needed before production starts." in reasons
