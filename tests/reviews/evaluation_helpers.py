"""Helpers for the platform-evaluation tests: a panel of raters, a submitted proposal, scoring."""

from types import SimpleNamespace

import pytest
from django.db import transaction

from reviews.models import Evaluation
from reviews.services import evaluations as services
from reviews.services import scorecards
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from workflow.models import Membership
from workflow.services import project_transition

# Below the ORDINARY threshold: tier OTHER, no planning filing, so a greenlight decision is all
# the greenlight needs.
OTHER_BUDGET = "200000.00"


def add_rater(organisation, username: str, function: str):
    user = UserFactory(username=username, first_name=username.title())
    MembershipFactory(
        user=user, organisation=organisation, role=Membership.Role.RATER, rater_function=function
    )
    return user


@pytest.fixture(name="panel")
def panel_fixture(world):
    """Platform P's raters, one per function (``world.rater`` is the business one)."""
    return SimpleNamespace(
        content=add_rater(world.platform, "rater_content", "content"),
        business=world.rater,
        marketing=add_rater(world.platform, "rater_marketing", "marketing"),
    )


def submit_proposal(world, *, producer=None, platform=None, **fields) -> Evaluation:
    """A proposal of Studio A to Platform P, submitted for real; returns its open evaluation."""
    fields.setdefault("planned_budget", OTHER_BUDGET)
    project = ProjectFactory(
        producer=producer or world.studio_a, platform=platform or world.platform, **fields
    )
    actor = world.producer_b if producer == world.studio_b else world.producer_a
    project = project_transition(project=project, name="submit", actor=actor)
    return Evaluation.objects.get(project=project, round=project.review_round)


@transaction.atomic
def put_decision(project, decision: str = Evaluation.Decision.GREENLIGHT) -> Evaluation:
    """Record the platform's decision for the project's current round directly, as if the panel
    had rated and the content manager decided (tests only, like ``put_in_state``); the
    round's open evaluation, if any, takes the decision."""
    evaluation, _ = Evaluation.objects.update_or_create(
        project=project,
        round=project.review_round,
        defaults={
            "rubric": services.rubric_for_new_evaluation(project.platform),
            "status": Evaluation.Status.DECIDED,
            "decision": decision,
            "grade": Evaluation.Grade.A if decision == Evaluation.Decision.GREENLIGHT else "",
        },
    )
    return evaluation


def put_greenlight_decision(project) -> Evaluation:
    return put_decision(project, Evaluation.Decision.GREENLIGHT)


def criteria(evaluation: Evaluation) -> list:
    return list(evaluation.rubric.criteria.order_by("position", "id"))


def scores(evaluation: Evaluation, values: list[int]) -> dict[int, int]:
    return {c.pk: v for c, v in zip(criteria(evaluation), values, strict=True)}


def invite_and_submit(world, evaluation: Evaluation, rater, values: list[int], comment: str = ""):
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=rater, actor=world.content_manager
    )
    return scorecards.scorecard_submit(
        scorecard=card, actor=rater, scores=scores(evaluation, values), comment=comment
    )


def reach_quorum(world, panel, evaluation: Evaluation) -> None:
    """One submitted scorecard per function (the default quorum)."""
    invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5])
    invite_and_submit(world, evaluation, panel.business, [6, 5, 7, 6, 7])
    invite_and_submit(world, evaluation, panel.marketing, [5, 5, 5, 5, 5])


def greenlight(world, evaluation: Evaluation, **overrides):
    decision = {
        "decision": "greenlight",
        "grade": "A",
        "granted_budget": "180000.00",
        "traffic_support": "50000.00",
        "reason": "Strong hook.",
    }
    decision.update(overrides)
    return services.evaluation_decide(
        evaluation=evaluation, actor=world.content_manager, **decision
    )
