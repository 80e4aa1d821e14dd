"""Terms: the commissioning models' rules, frozen terms after sending, versions, the offer."""

from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Contract
from reviews.models import Evaluation, Rubric
from workflow.models import ProjectState

from .contract_helpers import active_contract, fresh, offer, sent_contract, signed_contract

S = ProjectState
V1 = "/api/v1/contracts/"


@pytest.fixture
def project(make_project):
    return make_project(S.GREENLIT)


def create(api, world, project, **terms):
    return api(world.content_manager).post(V1, {"project": project.pk, **terms}, format="json")


# The three models --------------------------------------------------------------------------


def test_work_for_hire_refuses_residuals_with_the_rule(world, project, api):
    response = create(
        api,
        world,
        project,
        commissioning_model="work_for_hire",
        production_fee="500000.00",
        residual_basis="paid_revenue",
        residual_rate="5",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["residual_basis"] == [
        "A work-for-hire contract has no residuals: the platform holds the copyright."
    ]
    assert not Contract.objects.exists()


def test_work_for_hire_refuses_an_investment(world, project, api):
    response = create(
        api,
        world,
        project,
        commissioning_model="work_for_hire",
        production_fee="500000.00",
        producer_investment="10000.00",
    )
    assert response.status_code == 400
    assert "producer_investment" in response.json()["fields"]
    assert not Contract.objects.exists()


def test_work_for_hire_says_the_producer_may_not_revise_the_script(world, project, api):
    response = create(
        api, world, project, commissioning_model="work_for_hire", production_fee="500000.00"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["copyright_holder"] == "platform"
    assert body["script_revisable_by_producer"] is False
    assert "may not revise the script" in body["script_note"]


def test_a_co_investment_needs_an_investment(world, project, api):
    response = create(
        api,
        world,
        project,
        commissioning_model="co_investment",
        production_fee="500000.00",
        residual_basis="paid_revenue",
        residual_rate="7",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["producer_investment"] == [
        "A co-investment contract needs the producer's investment (more than 0)."
    ]
    assert not Contract.objects.exists()


def test_a_co_investment_shares_revenue_by_percentage(world, project, api):
    response = create(
        api,
        world,
        project,
        commissioning_model="co_investment",
        production_fee="500000.00",
        producer_investment="100000.00",
        residual_basis="valid_plays",
        residual_rate="3.5",
    )
    assert response.status_code == 400
    assert "residual_basis" in response.json()["fields"]


@pytest.mark.parametrize(
    ("rate", "warned"), [("7", False), ("3", False), ("10", False), ("12", True), ("2.5", True)]
)
def test_a_co_investment_share_outside_3_to_10_percent_is_allowed_with_a_warning(
    world, project, api, rate, warned
):
    response = create(
        api,
        world,
        project,
        commissioning_model="co_investment",
        production_fee="500000.00",
        producer_investment="100000.00",
        residual_basis="paid_revenue",
        residual_rate=rate,
    )
    assert response.status_code == 201, response.json()
    warnings = response.json()["warnings"]
    assert bool(warnings) is warned
    if warned:
        assert "outside the typical range" in warnings[0]
        assert "3-10 %" in warnings[0]
    assert response.json()["copyright_holder"] == "producer"


def test_a_percentage_rate_is_at_most_100(world, project, api):
    response = create(
        api,
        world,
        project,
        commissioning_model="licence",
        production_fee="500000.00",
        residual_basis="ad_revenue",
        residual_rate="150",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["residual_rate"] == [
        "A percentage rate cannot be more than 100."
    ]


def test_a_licence_exclusivity_ends_on_or_before_the_term(world, project, api):
    today = timezone.localdate()
    response = create(
        api,
        world,
        project,
        commissioning_model="licence",
        production_fee="500000.00",
        term_ends_on=str(today.replace(year=today.year + 1)),
        exclusivity_ends_on=str(today.replace(year=today.year + 2)),
    )
    assert response.status_code == 400
    assert "exclusivity_ends_on" in response.json()["fields"]
    ok = create(
        api,
        world,
        project,
        commissioning_model="licence",
        production_fee="500000.00",
        exclusivity_ends_on=str(today.replace(year=today.year + 1)),
    )
    assert ok.status_code == 201
    assert ok.json()["is_exclusive"] is True


def test_a_negative_fee_is_refused(world, project, api):
    response = create(api, world, project, commissioning_model="licence", production_fee="-1.00")
    assert response.status_code == 400
    assert "production_fee" in response.json()["fields"]


def test_unknown_fields_are_refused(world, project, api):
    response = create(
        api,
        world,
        project,
        commissioning_model="licence",
        production_fee="1.00",
        status="active",
    )
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


# The offer ---------------------------------------------------------------------------------


def greenlight(project, world, **decision):
    rubric = Rubric.objects.create(platform=world.platform, name="R", version=1)
    return Evaluation.objects.create(
        project=project,
        round=1,
        rubric=rubric,
        status="decided",
        decision="greenlight",
        decided_by=world.content_manager,
        decided_at=timezone.now(),
        **decision,
    )


def test_the_offer_is_prefilled_from_the_greenlight(world, project, api):
    greenlight(
        project,
        world,
        grade="A",
        granted_budget=Decimal("450000.00"),
        traffic_support=Decimal("90000.00"),
    )
    response = create(api, world, project, commissioning_model="work_for_hire")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["grade"], body["granted_budget"], body["traffic_support"]) == (
        "A",
        "450000.00",
        "90000.00",
    )
    assert body["production_fee"] == "450000.00"
    assert body["version"] == 1


def test_the_offer_fee_may_differ_from_the_granted_budget(world, project, api):
    greenlight(project, world, grade="B", granted_budget=Decimal("450000.00"))
    response = create(
        api, world, project, commissioning_model="work_for_hire", production_fee="400000.00"
    )
    assert response.json()["production_fee"] == "400000.00"
    assert response.json()["granted_budget"] == "450000.00"


def test_without_a_greenlight_decision_the_fee_must_be_given(world, project, api):
    response = create(api, world, project, commissioning_model="work_for_hire")
    assert response.status_code == 400
    assert "production_fee" in response.json()["fields"]


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.REVISING, S.REJECTED])
def test_no_offer_before_the_greenlight(world, make_project, api, state):
    project = make_project(state)
    response = create(api, world, project, commissioning_model="licence", production_fee="1000.00")
    assert response.status_code in (404, 409)  # a draft is not the platform's to see
    if state != S.DRAFT:
        assert response.json()["code"] == "contract_offer_not_allowed"
    assert not Contract.objects.exists()


def test_only_the_platform_offers(world, project, api):
    response = api(world.producer_a).post(
        V1,
        {"project": project.pk, "commissioning_model": "licence", "production_fee": "1.00"},
        format="json",
    )
    assert response.status_code == 403
    assert not Contract.objects.exists()


def test_one_open_contract_per_project(world, project, api):
    first = offer(project, world)
    response = create(api, world, project, commissioning_model="licence", production_fee="1000.00")
    assert response.status_code == 409
    assert response.json()["code"] == "contract_exists"
    assert list(Contract.objects.values_list("pk", flat=True)) == [first.pk]


def test_another_platform_cannot_offer_for_the_project(world, project, api):
    response = api(world.other_content_manager).post(
        V1,
        {"project": project.pk, "commissioning_model": "licence", "production_fee": "1.00"},
        format="json",
    )
    assert response.status_code == 404


# Editing a draft; frozen terms ------------------------------------------------------------


def test_the_platform_edits_a_draft(world, project, api):
    contract = offer(project, world)
    response = api(world.content_manager).patch(
        f"{V1}{contract.pk}/", {"production_fee": "320000.00"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["production_fee"] == "320000.00"
    assert fresh(contract).production_fee == Decimal("320000.00")


def test_editing_checks_the_model_rules(world, project, api):
    contract = offer(project, world)
    response = api(world.content_manager).patch(
        f"{V1}{contract.pk}/", {"commissioning_model": "work_for_hire"}, format="json"
    )
    assert response.status_code == 400
    assert "residual_basis" in response.json()["fields"]
    assert fresh(contract).commissioning_model == "licence"


def test_the_producer_cannot_edit_the_terms(world, project, api):
    contract = offer(project, world)
    response = api(world.producer_a).patch(
        f"{V1}{contract.pk}/", {"production_fee": "999999.00"}, format="json"
    )
    assert response.status_code == 403
    assert fresh(contract).production_fee == Decimal("300000.00")


@pytest.mark.parametrize("make", [sent_contract, signed_contract, active_contract])
def test_sent_terms_are_frozen(world, project, api, make):
    contract = make(project, world)
    response = api(world.content_manager).patch(
        f"{V1}{contract.pk}/", {"production_fee": "1.00"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "contract_transition_not_allowed"
    assert "frozen" in response.json()["detail"]
    assert fresh(contract).production_fee == Decimal("300000.00")


def test_status_and_version_cannot_be_patched(world, project, api):
    contract = offer(project, world)
    response = api(world.content_manager).patch(
        f"{V1}{contract.pk}/", {"status": "active"}, format="json"
    )
    assert response.status_code == 400
    assert fresh(contract).status == "draft"


# Versions ----------------------------------------------------------------------------------


def test_revising_a_sent_contract_makes_version_2(world, project, api):
    v1 = active_contract(project, world)
    platform = api(world.content_manager)
    response = platform.post(f"{V1}{v1.pk}/revise/", {"production_fee": "350000.00"}, format="json")
    assert response.status_code == 201, response.json()
    v2 = response.json()
    assert (v2["version"], v2["status"], v2["supersedes"]) == (2, "draft", v1.pk)
    assert v2["production_fee"] == "350000.00"
    assert v2["residual_rate"] == "3.5000"  # copied

    old = platform.get(f"{V1}{v1.pk}/")
    assert old.status_code == 200
    assert (old.json()["status"], old.json()["production_fee"]) == ("superseded", "300000.00")

    versions = platform.get(f"{V1}{v1.pk}/versions/").json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "draft"), (1, "superseded")]
    assert api(world.producer_a).get(f"{V1}{v2['id']}/versions/").status_code == 200


def test_revise_checks_the_terms_and_changes_nothing_when_refused(world, project, api):
    v1 = sent_contract(project, world)
    response = api(world.content_manager).post(
        f"{V1}{v1.pk}/revise/", {"commissioning_model": "work_for_hire"}, format="json"
    )
    assert response.status_code == 400
    assert fresh(v1).status == "sent"
    assert Contract.objects.count() == 1


def test_revise_is_the_platforms_and_not_for_a_draft(world, project, api):
    sent = sent_contract(project, world)
    assert (
        api(world.producer_a).post(f"{V1}{sent.pk}/revise/", {}, format="json").status_code == 403
    )
    assert fresh(sent).status == "sent"
    draft = api(world.content_manager).post(f"{V1}{sent.pk}/revise/", {}, format="json")
    assert draft.status_code == 201
    again = api(world.content_manager).post(f"{V1}{draft.json()['id']}/revise/", {}, format="json")
    assert again.status_code == 409
    assert "draft" in again.json()["detail"]


def test_the_warning_names_the_share(world, project, api):
    response = create(
        api,
        world,
        project,
        commissioning_model="co_investment",
        production_fee="500000.00",
        producer_investment="100000.00",
        residual_basis="ad_revenue",
        residual_rate="100",
    )
    assert response.status_code == 201
    assert response.json()["warnings"] == [
        "The revenue share of 100 % is outside the typical range for a co-investment (3-10 %)."
    ]
