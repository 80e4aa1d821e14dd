"""A decided evaluation explains itself to the producer: the rubric version, each criterion's mean
and spread over all raters, the weighted score against the cut-offs, the grade suggested and the
grade given, and the reason; never one rater's scores, and only the total below three raters."""

import pytest
from django.urls import reverse

from reviews.services.rubrics import rubric_publish
from tests.reviews.evaluation_helpers import (
    greenlight,
    invite_and_submit,
    panel_fixture,  # noqa: F401 - the `panel` fixture
    reach_quorum,
    submit_proposal,
)


def explanation(api, user, evaluation):
    response = api(user).get(f"/api/v1/evaluations/{evaluation.pk}/")
    assert response.status_code == 200, response.content
    return response.json()["explanation"]


def test_the_producer_reads_how_the_decision_was_reached(world, panel, api):
    """Default rubric, weights 1.5, 1, 1.5, 1, 1 (sum 6):

    content   8 7 9 6 5 -> 43.5 / 6 = 7.25
    business  6 5 7 6 7 -> 37.5 / 6 = 6.25
    marketing 5 5 5 5 5 -> 5.00
    weighted score (7.25 + 6.25 + 5) / 3 = 6.17: grade B (5.5 <= 6.17 < 7); A given.
    first criterion: 8, 6, 5 -> mean 6.33, spread sqrt(14/9) = 1.25
    """
    evaluation = submit_proposal(world)
    assert explanation(api, world.producer_a, evaluation) is None  # not decided yet
    reach_quorum(world, panel, evaluation)
    greenlight(world, evaluation, grade="A", reason="The lead is bankable.")

    explained = explanation(api, world.producer_a, evaluation)

    assert (explained["raters"], explained["criteria_shown"]) == (3, True)
    assert explained["weighted_score"] == "6.17"
    assert (explained["suggested_grade"], explained["grade"]) == ("B", "A")
    assert explained["grade_differs"] is True
    assert explained["reason"] == "The lead is bankable."
    assert explained["cutoffs"] == [
        {"grade": "S", "minimum": "8.50"},
        {"grade": "A", "minimum": "7.00"},
        {"grade": "B", "minimum": "5.50"},
        {"grade": "C", "minimum": None},
    ]
    first = explained["criteria"][0]
    assert (first["weight"], first["mean"], first["spread"]) == ("1.50", "6.33", "1.25")
    assert first["description"]
    # Nothing about any one rater reaches the producer.
    body = api(world.producer_a).get(f"/api/v1/evaluations/{evaluation.pk}/").json()
    assert body["scorecards"] == []
    assert body["aggregate"] is None


def test_below_three_raters_only_the_total_and_the_grades_are_shown(world, panel, api):
    rubric_publish(
        platform=world.platform,
        actor=world.content_manager,
        name="Two readers",
        criteria=[{"name": n} for n in ("Hook", "Cast", "Plot", "Pace", "Ads")],
        quorum={"content": 1, "business": 1, "marketing": 0},
    )
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.content, [8, 8, 8, 8, 8])
    invite_and_submit(world, evaluation, panel.business, [6, 6, 6, 6, 6])
    greenlight(world, evaluation, grade="B")

    explained = explanation(api, world.producer_a, evaluation)

    assert (explained["raters"], explained["criteria_shown"]) == (2, False)
    assert {(c["mean"], c["spread"]) for c in explained["criteria"]} == {(None, None)}
    assert explained["disagreement"] is False
    assert (explained["weighted_score"], explained["suggested_grade"]) == ("7.00", "A")


@pytest.mark.parametrize("who", ["rater", "other_producer"])
def test_raters_and_other_producers_get_no_explanation(world, panel, api, who):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)
    greenlight(world, evaluation)

    if who == "rater":
        assert explanation(api, panel.content, evaluation) is None
    else:
        response = api(world.producer_b).get(f"/api/v1/evaluations/{evaluation.pk}/")
        assert response.status_code == 404


def test_the_producer_sees_it_on_the_evaluation_page(world, panel, client):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)
    greenlight(world, evaluation, grade="A")
    client.force_login(world.producer_a)

    page = client.get(reverse("admin:reviews_evaluation_change", args=[evaluation.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "How it was decided" in text
    assert "Weighted score 6.17: suggested grade B; grade given A." in text
    assert "The grade given differs from the suggested one." in text
