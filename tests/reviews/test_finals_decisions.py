"""The decision the finished-cut review shares with the planning filing: a request for changes in
the finished-cut review needs a must-fix finding (suggestions alone send nothing back), through
the service, the API and the admin, and nothing is written when it is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews.models import FeedbackItem, RegulatoryReview
from reviews.services.filings import regulatory_review_decide
from tests.reviews.finals_helpers import decide, step_at, to_final_review
from workflow import services
from workflow.models import Project, ProjectTransition

SUGGESTION = {"text": "A shorter title card.", "category": "content", "severity": "suggestion"}
MUST_FIX = {"text": "Blur the logo.", "category": "compliance", "severity": "must_fix"}


def assert_nothing_written(project, review):
    review.refresh_from_db()
    assert review.status == "pending"
    assert review.decided_at is None
    assert not FeedbackItem.objects.filter(project=project).exists()
    assert Project.objects.get(pk=project.pk).state == "final_review"
    assert not ProjectTransition.objects.filter(
        project=project, name="request_final_changes"
    ).exists()


def test_suggestions_alone_do_not_send_the_finished_cut_back(world, make_project):
    project = to_final_review(world, make_project)
    review = step_at(project, world.shanghai)

    with pytest.raises(ValidationError) as excinfo:
        decide(
            review,
            world.shanghai_reviewer,
            outcome="request_changes",
            items=[SUGGESTION, {**SUGGESTION, "text": "Brighter grading."}],
        )

    assert "must-fix" in excinfo.value.message_dict["items"][0]
    assert_nothing_written(project, review)


def test_one_must_fix_finding_among_suggestions_sends_it_back(world, make_project):
    project = to_final_review(world, make_project)

    decide(
        step_at(project, world.shanghai),
        world.shanghai_reviewer,
        outcome="request_changes",
        items=[SUGGESTION, MUST_FIX],
    )

    assert Project.objects.get(pk=project.pk).state == "final_changes"
    assert FeedbackItem.objects.filter(project=project).count() == 2


def test_the_api_refuses_suggestions_alone_on_items(world, make_project, api):
    project = to_final_review(world, make_project)
    review = step_at(project, world.shanghai)

    response = api(world.shanghai_reviewer).post(
        f"/api/v1/final-reviews/{review.pk}/decide/",
        {"outcome": "request_changes", "items": [SUGGESTION]},
        format="json",
    )

    assert response.status_code == 400
    assert "must-fix" in response.json()["fields"]["items"][0]
    assert_nothing_written(project, review)


def test_the_admin_refuses_suggestions_alone_on_the_form(client, world, make_project):
    project = to_final_review(world, make_project)
    review = step_at(project, world.shanghai)
    client.force_login(world.shanghai_reviewer)

    response = client.post(
        reverse("admin:reviews_finalreview_decide", args=[review.pk]),
        {"outcome": "request_changes", "category": "content", "suggestions": "3 Shorter."},
    )

    assert response.status_code == 200
    assert "suggestions alone do not send the cut back" in response.content.decode()
    assert_nothing_written(project, review)


def test_the_planning_filing_still_takes_a_suggestion_alone(world, make_project):
    """The shared decision keeps the planning filing's rule: any feedback item will do."""
    project = make_project("draft", planned_budget="450000.00")
    project = services.project_transition(project=project, name="submit", actor=world.producer_a)
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)

    regulatory_review_decide(
        review=review,
        actor=world.shanghai_reviewer,
        outcome="request_changes",
        items=[SUGGESTION],
    )

    assert Project.objects.get(pk=project.pk).state == "revising"
    assert list(FeedbackItem.objects.values_list("severity", flat=True)) == ["suggestion"]
