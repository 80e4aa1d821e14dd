"""Boundaries between the review parties: decisions behind every send-back and rejection, the
blind rule for a content manager who also rates, and what regulators may read."""

import pytest

from reviews.models import Evaluation, FeedbackItem
from reviews.services import evaluations as services
from reviews.services import scorecards
from tests.factories import MembershipFactory
from tests.reviews.evaluation_helpers import (  # noqa: F401 (fixture)
    add_rater,
    invite_and_submit,
    panel_fixture,
    reach_quorum,
    submit_proposal,
)
from workflow import services as workflow_services
from workflow.exceptions import DecisionRequired

V1 = "/api/v1"


@pytest.mark.parametrize("name", ["request_revision", "reject"])
@pytest.mark.parametrize("actor", ["content_manager", "shanghai_reviewer"])
def test_a_proposal_under_review_is_not_sent_back_or_rejected_without_a_decision(
    world, api, name, actor
):
    evaluation = submit_proposal(world, planned_budget="450000.00")  # ORDINARY: Shanghai files
    project = evaluation.project
    response = api(getattr(world, actor)).post(
        f"{V1}/projects/{project.pk}/transitions/{name}/", {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "decision_required"
    assert "/api/v1/evaluations/{id}/decide/" in response.json()["detail"]
    assert "/api/v1/regulatory-reviews/{id}/decide/" in response.json()["detail"]
    project.refresh_from_db()
    assert project.state == "submitted"
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.OPEN


def test_the_evaluation_decision_still_sends_the_proposal_back(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)
    outcome = services.evaluation_decide(
        evaluation=evaluation,
        actor=world.content_manager,
        decision="revise",
        feedback_items=[{"text": "Tighten 5-10.", "category": "content", "severity": "must_fix"}],
    )
    assert outcome.project.state == "revising"


def test_the_finished_cut_rejection_needs_the_final_review_decision(world, make_project):
    # Not a proposal decision: the finished-cut review's own (reviews.services.finals).
    project = make_project("final_review", tier="ORDINARY")
    with pytest.raises(DecisionRequired) as excinfo:
        workflow_services.project_transition(
            project=project, name="reject", actor=world.shanghai_reviewer, comment="Unfit."
        )
    assert "/api/v1/final-reviews/{id}/decide/" in str(excinfo.value.detail)
    project.refresh_from_db()
    assert project.state == "final_review"


def test_the_generic_service_refuses_too(world):
    evaluation = submit_proposal(world)
    with pytest.raises(DecisionRequired):
        workflow_services.project_transition(
            project=evaluation.project, name="reject", actor=world.content_manager
        )


def test_a_content_manager_who_also_rates_is_blind_until_they_submit(world, api, panel):
    MembershipFactory(
        user=world.content_manager,
        organisation=world.platform,
        role="rater",
        rater_function="content",
    )
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.business, [9, 9, 9, 9, 9])
    scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.content_manager, actor=world.content_manager
    )

    body = api(world.content_manager).get(f"{V1}/evaluations/{evaluation.pk}/").json()
    assert not body.get("aggregate") or body["aggregate"].get("overall") is None
    cards = api(world.content_manager).get(f"{V1}/scorecards/", {"evaluation": evaluation.pk})
    visible = [c for c in cards.json()["results"] if c.get("scores")]
    assert all(c["rater"]["username"] == world.content_manager.username for c in visible), visible

    card = evaluation.scorecards.get(rater=world.content_manager)
    scorecards.scorecard_submit(
        scorecard=card,
        actor=world.content_manager,
        scores={c.pk: 5 for c in evaluation.rubric.criteria.all()},
    )
    body = api(world.content_manager).get(f"{V1}/evaluations/{evaluation.pk}/").json()
    assert body["aggregate"]["overall"] is not None


def test_regulators_do_not_read_the_platforms_evaluation_feedback(world, api, panel):
    evaluation = submit_proposal(world, planned_budget="450000.00")
    project = evaluation.project
    reach_quorum(world, panel, evaluation)
    services.evaluation_decide(
        evaluation=evaluation,
        actor=world.content_manager,
        decision="revise",
        feedback_items=[
            {
                "text": "Ad-sales want a bigger brand slot.",
                "category": "commercial",
                "severity": "suggestion",
            }
        ],
    )
    assert FeedbackItem.objects.filter(project=project).count() == 1

    def listed(user):
        response = api(user).get(f"{V1}/feedback-items/", {"project": project.pk})
        return [item["text"] for item in response.json()["results"]]

    assert listed(world.producer_a) == ["Ad-sales want a bigger brand slot."]
    assert listed(world.content_manager) == ["Ad-sales want a bigger brand slot."]
    assert listed(world.shanghai_reviewer) == []
