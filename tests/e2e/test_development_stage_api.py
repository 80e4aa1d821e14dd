"""The development stage through the API alone, as external tools would drive it: a producer's
proposal goes through one revision round and the planning filing to greenlight and production."""

import pytest

from tests.factories import MembershipFactory, UserFactory

V1 = "/api/v1"


@pytest.fixture
def panel(world):
    """Raters of Platform P, one per function (the default quorum asks for each)."""
    raters = {}
    for function in ("content", "business", "marketing"):
        user = UserFactory(username=f"rater_{function}")
        MembershipFactory(
            user=user, organisation=world.platform, role="rater", rater_function=function
        )
        raters[function] = user
    return raters


def ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def score_all(api, rater, evaluation_id, value):
    client = api(rater)
    [card] = ok(client.get(f"{V1}/scorecards/", {"evaluation": evaluation_id}))["results"]
    criteria = ok(client.get(f"{V1}/evaluations/{evaluation_id}/"))["rubric"]["criteria"]
    body = {"scores": [{"criterion": c["id"], "value": value} for c in criteria]}
    return ok(client.post(f"{V1}/scorecards/{card['id']}/submit/", body, format="json"))


def test_proposal_to_production_through_the_api(world, panel, api):
    producer, cm, bureau = (
        api(world.producer_a),
        api(world.content_manager),
        api(world.shanghai_reviewer),
    )

    # The producer proposes (ORDINARY: 450,000 CNY) and submits.
    project = ok(
        producer.post(
            f"{V1}/projects/",
            {
                "title": "闪婚后，豪门老公藏不住了",
                "logline": "A flash marriage to a stranger who owns the city.",
                "synopsis": "She married a stranger to escape her family.",
                "genre_tags": ["romance"],
                "platform": world.platform.pk,
                "planned_budget": "450000.00",
            },
            format="json",
        ),
        201,
    )
    url = f"{V1}/projects/{project['id']}/"
    submitted = ok(producer.post(url + "transitions/submit/", {}, format="json"))
    assert submitted["review_tier"] == "ORDINARY"

    # Round 1: the platform's panel scores; the content manager asks for a revision.
    [evaluation] = ok(cm.get(f"{V1}/evaluations/", {"project": project["id"]}))["results"]
    for rater in panel.values():
        ok(
            cm.post(
                f"{V1}/evaluations/{evaluation['id']}/invite/", {"rater": rater.pk}, format="json"
            ),
            201,
        )
    for value, rater in zip((7, 6, 8), panel.values(), strict=True):
        score_all(api, rater, evaluation["id"], value)
    decision = ok(
        cm.post(
            f"{V1}/evaluations/{evaluation['id']}/decide/",
            {
                "decision": "revise",
                "reason": "Hook comes too late.",
                "feedback_items": [
                    {
                        "text": "Move the reveal before episode 11.",
                        "category": "content",
                        "severity": "must_fix",
                    }
                ],
            },
            format="json",
        )
    )
    assert decision["project_state"] == "revising"

    # The producer cannot resubmit with the must-fix item open, then answers it and resubmits.
    blocked = producer.post(url + "transitions/resubmit/", {}, format="json")
    assert blocked.status_code == 409
    assert any("must-fix" in reason for reason in blocked.json()["reasons"])
    [item] = ok(producer.get(f"{V1}/feedback-items/", {"project": project["id"]}))["results"]
    ok(
        producer.post(
            f"{V1}/feedback-items/{item['id']}/respond/",
            {"status": "addressed", "response": "Reveal moved to episode 8."},
            format="json",
        )
    )
    assert ok(producer.post(url + "transitions/resubmit/", {}, format="json"))["review_round"] == 2

    # Round 2: the bureau approves the planning filing; the re-invited panel scores again.
    [filing] = ok(bureau.get(f"{V1}/regulatory-reviews/queue/"))["results"]
    ok(
        bureau.post(
            f"{V1}/regulatory-reviews/{filing['id']}/decide/",
            {"outcome": "approve", "filing_number": "（沪）网剧备字（2026）第017号"},
            format="json",
        )
    )
    [evaluation2] = [
        e
        for e in ok(cm.get(f"{V1}/evaluations/", {"project": project["id"]}))["results"]
        if e["round"] == 2
    ]
    for value, rater in zip((8, 9, 8), panel.values(), strict=True):
        score_all(api, rater, evaluation2["id"], value)
    detail = ok(cm.get(f"{V1}/evaluations/{evaluation2['id']}/"))
    decision = ok(
        cm.post(
            f"{V1}/evaluations/{evaluation2['id']}/decide/",
            {
                "decision": "greenlight",
                "grade": detail["aggregate"]["suggested_grade"],
                "granted_budget": "450000.00",
                "traffic_support": "90000.00",
            },
            format="json",
        )
    )
    assert decision["transition"] == "greenlight"
    assert decision["project_state"] == "greenlit"

    # Production needs an approved budget.
    assert (
        producer.post(url + "transitions/start_production/", {}, format="json").status_code == 409
    )
    budget = ok(producer.post(f"{V1}/budgets/", {"project": project["id"]}, format="json"), 201)
    ok(
        producer.put(
            f"{V1}/budgets/{budget['id']}/lines/",
            [
                {"category": "cast", "planned": "150000.00"},
                {"category": "crew", "planned": "300000.00"},
            ],
            format="json",
        )
    )
    ok(producer.post(f"{V1}/budgets/{budget['id']}/submit/", {}, format="json"))
    ok(cm.post(f"{V1}/budgets/{budget['id']}/approve/", {}, format="json"))

    # And a countersigned contract, offered from the greenlight's decision.
    refused = producer.post(url + "transitions/start_production/", {}, format="json")
    assert refused.status_code == 409
    assert any("contract" in reason for reason in refused.json()["reasons"])
    contract = ok(
        cm.post(
            f"{V1}/contracts/",
            {
                "project": project["id"],
                "commissioning_model": "licence",
                "residual_basis": "valid_plays",
                "residual_rate": "3.50",
            },
            format="json",
        ),
        201,
    )
    assert contract["production_fee"] == "450000.00"  # the granted budget
    assert contract["traffic_support"] == "90000.00"
    ok(cm.post(f"{V1}/contracts/{contract['id']}/send/", {}, format="json"))
    ok(producer.post(f"{V1}/contracts/{contract['id']}/sign/", {}, format="json"))
    ok(cm.post(f"{V1}/contracts/{contract['id']}/countersign/", {}, format="json"))
    assert (
        ok(producer.post(url + "transitions/start_production/", {}, format="json"))["state"]
        == "in_production"
    )

    history = [h["name"] for h in ok(producer.get(url + "history/"))]
    assert history == ["submit", "request_revision", "resubmit", "greenlight", "start_production"]
    clearances = ok(producer.get(f"{V1}/clearances/", {"project": project["id"]}))["results"]
    assert [c["number"] for c in clearances] == ["（沪）网剧备字（2026）第017号"]
