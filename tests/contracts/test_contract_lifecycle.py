"""The contract's lifecycle: draft -> sent -> signed -> active -> completed, or terminated."""

import pytest

from common.errors import PermissionDenied
from contracts.models import Contract
from contracts.services import agreements as services
from workflow.models import ProjectState, WebhookDelivery, WebhookSubscription

from .contract_helpers import active_contract, fresh, offer, sent_contract, signed_contract

S = ProjectState
V1 = "/api/v1/contracts/"


@pytest.fixture
def project(make_project):
    return make_project(S.GREENLIT)


def post(client, contract, action, body=None):
    return client.post(f"{V1}{contract.pk}/{action}/", body or {}, format="json")


def test_the_whole_lifecycle_through_the_api(world, project, api):
    platform, producer = api(world.content_manager), api(world.producer_a)
    created = platform.post(
        V1,
        {
            "project": project.pk,
            "commissioning_model": "licence",
            "production_fee": "300000.00",
            "residual_basis": "valid_plays",
            "residual_rate": "3.50",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    contract = Contract.objects.get(pk=created.json()["id"])
    assert created.json()["status"] == "draft"
    assert created.json()["actions"] == ["send"]

    sent = post(platform, contract, "send")
    assert (sent.status_code, sent.json()["status"]) == (200, "sent")
    assert sent.json()["sent_at"]
    signed = post(producer, contract, "sign")
    assert (signed.status_code, signed.json()["status"]) == (200, "signed")
    assert signed.json()["signed_by"] == world.producer_a.username
    active = post(platform, contract, "countersign")
    assert (active.status_code, active.json()["status"]) == (200, "active")
    assert active.json()["countersigned_by"] == world.content_manager.username
    done = post(platform, contract, "complete")
    assert (done.status_code, done.json()["status"]) == (200, "completed")
    assert done.json()["ended_at"]


@pytest.mark.parametrize(
    ("make", "action", "user", "status"),
    [
        (offer, "send", "producer_a", "draft"),
        (sent_contract, "sign", "content_manager", "sent"),
        (signed_contract, "countersign", "producer_a", "signed"),
        (active_contract, "complete", "producer_a", "active"),
        (sent_contract, "decline", "content_manager", "sent"),
    ],
)
def test_the_wrong_side_is_refused_with_403(world, project, api, make, action, user, status):
    contract = make(project, world)
    response = post(
        api(getattr(world, user)),
        contract,
        action,
        {"reason": "No."} if action == "decline" else None,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert fresh(contract).status == status


@pytest.mark.parametrize(
    ("make", "action", "user", "status", "status_label"),
    [
        (offer, "sign", "producer_a", "draft", "draft"),
        (offer, "countersign", "content_manager", "draft", "draft"),
        (offer, "complete", "content_manager", "draft", "draft"),
        (sent_contract, "send", "content_manager", "sent", "sent to the producer"),
        (sent_contract, "countersign", "content_manager", "sent", "sent to the producer"),
        (signed_contract, "sign", "producer_a", "signed", "signed by the producer"),
        (active_contract, "countersign", "content_manager", "active", "countersigned (active)"),
    ],
)
def test_a_step_not_possible_from_the_status_is_409_naming_it(
    world, project, api, make, action, user, status, status_label
):
    contract = make(project, world)
    response = post(api(getattr(world, user)), contract, action)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "contract_transition_not_allowed"
    assert status_label in body["detail"]
    assert fresh(contract).status == status


@pytest.mark.parametrize("reason", [{}, {"reason": ""}, {"reason": "   "}])
def test_terminate_without_a_reason_is_refused(world, project, api, reason):
    contract = active_contract(project, world)
    response = api(world.producer_a).post(f"{V1}{contract.pk}/terminate/", reason, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert fresh(contract).status == "active"
    assert fresh(contract).end_reason == ""


@pytest.mark.parametrize("user", ["producer_a", "content_manager"])
@pytest.mark.parametrize("make", [sent_contract, signed_contract, active_contract])
def test_either_party_terminates_with_a_reason(world, project, api, user, make):
    contract = make(project, world)
    response = post(
        api(getattr(world, user)), contract, "terminate", {"reason": "Cast unavailable."}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "terminated"
    assert response.json()["end_reason"] == "Cast unavailable."


def test_a_draft_cannot_be_terminated_nor_a_completed_contract(world, project, api):
    draft = offer(project, world)
    response = post(api(world.content_manager), draft, "terminate", {"reason": "Changed our mind."})
    assert response.status_code == 409
    assert "draft" in response.json()["detail"]


def test_the_producer_declines_a_sent_offer_and_the_platform_offers_again(world, project, api):
    contract = sent_contract(project, world)
    declined = post(api(world.producer_a), contract, "decline", {"reason": "Fee too low."})
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["end_reason"]) == (
        "terminated",
        "Fee too low.",
    )

    again = offer(project, world, production_fee="350000.00")
    assert (again.version, again.supersedes_id, again.status) == (2, contract.pk, "draft")
    assert fresh(contract).status == "terminated"  # what was sent stays on record


def test_decline_needs_a_reason_and_a_sent_contract(world, project, api):
    contract = signed_contract(project, world)
    no_reason = post(api(world.producer_a), contract, "decline", {"reason": ""})
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["fields"]
    response = post(api(world.producer_a), contract, "decline", {"reason": "Too late."})
    assert response.status_code == 409
    assert fresh(contract).status == "signed"


def test_another_producer_company_and_platform_get_404(world, project, api):
    contract = sent_contract(project, world)
    for user in (world.producer_b, world.other_content_manager, world.outsider):
        assert post(api(user), contract, "sign").status_code == 404
    assert fresh(contract).status == "sent"


def test_a_regulator_may_see_the_contract_but_not_act_on_it(world, project, api):
    contract = sent_contract(project, world)
    response = post(api(world.shanghai_reviewer), contract, "sign")
    assert response.status_code == 403
    assert fresh(contract).status == "sent"


def test_services_refuse_the_wrong_side(world, project):
    contract = signed_contract(project, world)
    with pytest.raises(PermissionDenied):
        services.contract_countersign(contract=contract, actor=world.producer_a)


def test_countersigning_tells_the_parties_webhooks(
    world, project, django_capture_on_commit_callbacks
):
    for organisation in (world.studio_a, world.platform, world.shanghai):
        WebhookSubscription.objects.create(
            organisation=organisation,
            url="https://example.com/hook",
            secret="whsec_test",  # noqa: S106
            event_types=["contract.countersigned"],
        )
    contract = signed_contract(project, world)
    with django_capture_on_commit_callbacks(execute=False):
        services.contract_countersign(contract=contract, actor=world.content_manager)
    deliveries = WebhookDelivery.objects.filter(event_type="contract.countersigned")
    assert {d.subscription.organisation_id for d in deliveries} == {
        world.studio_a.pk,
        world.platform.pk,
    }
    payload = deliveries.first().payload
    assert payload["data"]["contract"]["id"] == contract.pk
    assert "production_fee" not in str(payload)
