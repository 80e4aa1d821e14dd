"""Mass assignment: what the workflow owns (state, tier, organisations, scores, who decided,
audit times) cannot be set through a body. Each writable endpoint refuses such a key with a 400
naming it, and the database is unchanged."""

from decimal import Decimal

import pytest

from budgets.models import Budget, BudgetLine
from reviews.services import scorecards as scorecard_services
from tests.mdprod.conftest import snapshot
from tests.reviews.evaluation_helpers import submit_proposal
from workflow import keys
from workflow.models import ApiKey, Project

NOW = "2020-01-01T00:00:00Z"
AUDIT = {"id": 999, "created_at": NOW, "updated_at": NOW}


@pytest.fixture
def setup(world, make_project):
    project = make_project("draft", title="Before")
    budget = Budget.objects.create(project=project)
    line = BudgetLine.objects.create(budget=budget, category="cast", planned=Decimal("1000.00"))
    evaluation = submit_proposal(world)
    card = scorecard_services.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    return {
        "project": project,
        "budget": budget,
        "line": line,
        "evaluation": evaluation,
        "card": card,
    }


PROPOSAL = {"title": "New", "platform": None}  # platform filled in per test

CASES = [
    # (who, method, url, body, fields the answer must name)
    (
        "producer_a",
        "post",
        "/api/v1/projects/",
        {
            **PROPOSAL,
            "state": "greenlit",
            "review_tier": "OTHER",
            "review_round": 5,
            "submitted_at": NOW,
            "producer": "{studio_b}",
            **AUDIT,
        },
        ["state", "review_tier", "review_round", "submitted_at", "producer", "created_at"],
    ),
    (
        "producer_a",
        "patch",
        "/api/v1/projects/{project}/",
        {"state": "cleared", "tier_reason": "mine", "tier_changed_at": NOW, **AUDIT},
        ["state", "tier_reason", "tier_changed_at", "id", "updated_at"],
    ),
    (
        "producer_a",
        "put",
        "/api/v1/projects/{project}/",
        {**PROPOSAL, "producer": "{studio_b}", "state_display": "Cleared"},
        ["producer", "state_display"],
    ),
    (
        "producer_a",
        "post",
        "/api/v1/projects/{project}/transitions/submit/",
        {"state": "greenlit", "actor": "{content_manager}", "organisation": "{platform}"},
        ["state", "actor", "organisation"],
    ),
    (
        "producer_a",
        "post",
        "/api/v1/budgets/{budget}/submit/",
        {"status": "approved", "approved_by": "{content_manager}", "approved_at": NOW},
        ["status", "approved_by", "approved_at"],
    ),
    (
        "producer_a",
        "patch",
        "/api/v1/budget-lines/{line}/",
        {"planned": "1.00", "category_display": "x", **AUDIT},
        ["category_display", "id", "created_at", "updated_at"],
    ),
    (
        "producer_a",
        "put",
        "/api/v1/budgets/{budget}/lines/",
        [{"category": "cast", "planned": "1.00", "budget": "{budget}", **AUDIT}],
        ["0.budget", "0.id", "0.created_at"],
    ),
    (
        "rater",
        "patch",
        "/api/v1/scorecards/{card}/",
        {
            "status": "submitted",
            "submitted_at": NOW,
            "rater": "{content_manager}",
            "overall": "10.00",
            "evaluation": 1,
        },
        ["status", "submitted_at", "rater", "overall", "evaluation"],
    ),
    (
        "rater",
        "patch",
        "/api/v1/scorecards/{card}/",
        {"scores": [{"criterion": 1, "value": 5, "weight": "9.00", "scorecard": 1}]},
        ["scores.0.weight", "scores.0.scorecard"],
    ),
    (
        "content_manager",
        "post",
        "/api/v1/evaluations/{evaluation}/decide/",
        {
            "decision": "reject",
            "reason": "No.",
            "decided_by": "{content_manager}",
            "decided_at": NOW,
            "status": "decided",
        },
        ["decided_by", "decided_at", "status"],
    ),
    (
        "admin_a",
        "post",
        "/api/v1/api-keys/",
        {
            "name": "Tool",
            "scopes": ["read"],
            "prefix": "abcd1234",
            "user": "{producer_a}",
            "revoked_at": NOW,
            "created_by": "{producer_b}",
        },
        ["prefix", "user", "revoked_at", "created_by"],
    ),
]


def _fill(value, world, setup):
    if isinstance(value, dict):
        return {k: _fill(v, world, setup) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world, setup) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        name = value[1:-1]
        target = setup.get(name) or getattr(world, name)
        return target.pk
    return value


@pytest.mark.parametrize(
    ("who", "method", "url", "body", "fields"),
    CASES,
    ids=[f"{c[1].upper()} {c[2]} {i}" for i, c in enumerate(CASES)],
)
def test_owned_fields_in_a_body_are_refused_and_nothing_changes(
    world, setup, api, who, method, url, body, fields
):
    body = _fill(body, world, setup)
    if isinstance(body, dict) and "platform" in body:
        body["platform"] = world.platform.pk
    url = url.format(**{name: obj.pk for name, obj in setup.items()})
    before = snapshot()
    keys_before = ApiKey.objects.count()

    response = getattr(api(getattr(world, who)), method)(url, body, format="json")

    assert response.status_code == 400, response.content
    refused = response.json()["fields"]
    assert set(fields) <= set(refused), refused
    assert snapshot() == before
    assert ApiKey.objects.count() == keys_before


def test_a_key_cannot_assign_owned_fields_either(world, setup):
    from rest_framework.test import APIClient

    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name="Tool", scopes=("read", "write")
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    project = setup["project"]

    response = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"state": "released", "producer": world.studio_b.pk},
        format="json",
        HTTP_IF_MATCH="*",
    )

    assert response.status_code == 400
    assert {"state", "producer"} <= set(response.json()["fields"])
    project = Project.objects.get(pk=project.pk)
    assert (project.state, project.producer_id) == ("draft", world.studio_a.pk)
