"""The platform evaluation over REST: the blind rule for each role, invitations, scoring,
decisions, errors and query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import Evaluation, FeedbackItem, Score, Scorecard
from reviews.services import evaluations as services
from reviews.services import scorecards
from tests.factories import MembershipFactory
from tests.reviews.evaluation_helpers import (
    add_rater,
    criteria,
    invite_and_submit,
    panel_fixture,  # noqa: F401 - the `panel` fixture
    reach_quorum,
    scores,
    submit_proposal,
)
from workflow.models import Project

EVALUATIONS = "/api/v1/evaluations/"
SCORECARDS = "/api/v1/scorecards/"


def url(evaluation, suffix=""):
    return f"{EVALUATIONS}{evaluation.pk}/{suffix}"


def card_url(card, suffix=""):
    return f"{SCORECARDS}{card.pk}/{suffix}"


def score_body(evaluation, values):
    return [
        {"criterion": c.pk, "value": v} for c, v in zip(criteria(evaluation), values, strict=True)
    ]


@pytest.fixture
def evaluation(world):
    return submit_proposal(world)


# The blind rule ---------------------------------------------------------------------------------


def test_rater_sees_only_their_own_scorecard_until_they_submit(world, panel, api, evaluation):
    invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5], comment="Strong.")
    mine = scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.business, actor=world.content_manager
    )
    scorecards.scorecard_save(
        scorecard=mine, actor=panel.business, scores={criteria(evaluation)[0].pk: 3}
    )
    client = api(panel.business)

    detail = client.get(url(evaluation)).json()

    assert detail["viewer_role"] == "rater"
    assert detail["my_scorecard"] == mine.pk
    assert (detail["progress"], detail["aggregate"]) == (None, None)
    assert [c["id"] for c in detail["scorecards"]] == [mine.pk]
    assert detail["scorecards"][0]["scores"] == [
        {"criterion": criteria(evaluation)[0].pk, "value": 3}
    ]
    listed = client.get(SCORECARDS).json()["results"]
    assert [c["id"] for c in listed] == [mine.pk]
    other = Scorecard.objects.get(rater=panel.content)
    assert client.get(card_url(other)).status_code == 404
    assert [r["id"] for r in client.get(EVALUATIONS).json()["results"]] == [evaluation.pk]


def test_rater_sees_every_submitted_scorecard_and_the_aggregate_after_submitting(
    world, panel, api, evaluation
):
    first = invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5], comment="Strong.")
    scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.marketing, actor=world.content_manager
    )
    mine = invite_and_submit(world, evaluation, panel.business, [6, 5, 7, 6, 7])
    client = api(panel.business)

    detail = client.get(url(evaluation)).json()

    assert {c["id"] for c in detail["scorecards"]} == {first.pk, mine.pk}
    seen = next(c for c in detail["scorecards"] if c["id"] == first.pk)
    assert (seen["comment"], seen["overall"]) == ("Strong.", "7.25")
    assert detail["aggregate"]["overall"] == "6.75"
    assert detail["aggregate"]["stdev"] == "0.50"
    assert detail["progress"]["submitted"] == 2
    assert detail["progress"]["invited"] == 3
    # The marketing rater's pending card is not among what the business rater may list.
    assert {c["id"] for c in client.get(SCORECARDS).json()["results"]} == {first.pk, mine.pk}


def test_content_manager_sees_submitted_scorecards_progress_and_aggregate_never_drafts(
    world, panel, api, evaluation
):
    submitted = invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5])
    draft = scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.business, actor=world.content_manager
    )
    scorecards.scorecard_save(
        scorecard=draft, actor=panel.business, scores=scores(evaluation, [1] * 5), comment="secret"
    )
    client = api(world.content_manager)

    detail = client.get(url(evaluation)).json()

    assert detail["viewer_role"] == "manager"
    assert [c["id"] for c in detail["scorecards"]] == [submitted.pk]
    assert detail["progress"] == {
        "invited": 2,
        "submitted": 1,
        "by_function": {
            "content": {"invited": 1, "submitted": 1},
            "business": {"invited": 1, "submitted": 0},
            "marketing": {"invited": 0, "submitted": 0},
        },
    }
    assert detail["aggregate"]["scorecards"] == 1
    assert detail["aggregate"]["overall"] == "7.25"
    assert detail["aggregate"]["suggested_grade"] == "A"
    rows = {c["id"]: c for c in client.get(SCORECARDS).json()["results"]}
    assert set(rows) == {submitted.pk, draft.pk}
    assert rows[draft.pk]["status"] == "invited"
    assert (rows[draft.pk]["scores"], rows[draft.pk]["comment"], rows[draft.pk]["overall"]) == (
        None,
        None,
        None,
    )
    assert rows[submitted.pk]["scores"] is not None


def test_producer_sees_the_status_and_then_the_decision_never_a_score(
    world, panel, api, evaluation
):
    reach_quorum(world, panel, evaluation)
    client = api(world.producer_a)

    before = client.get(url(evaluation)).json()
    assert before["viewer_role"] == "producer"
    assert before["status"] == "open"
    assert (before["progress"], before["aggregate"], before["scorecards"]) == (None, None, [])
    assert before["decision"] == ""

    services.evaluation_decide(
        evaluation=evaluation,
        actor=world.content_manager,
        decision="greenlight",
        grade="A",
        granted_budget=Decimal("190000"),
        traffic_support=Decimal("60000"),
        reason="Good hook.",
    )
    after = client.get(url(evaluation)).json()

    assert (after["status"], after["decision"], after["grade"]) == ("decided", "greenlight", "A")
    assert (after["granted_budget"], after["traffic_support"]) == ("190000.00", "60000.00")
    assert after["reason"] == "Good hook."
    assert (after["progress"], after["aggregate"], after["scorecards"]) == (None, None, [])
    assert client.get(SCORECARDS).json()["count"] == 0
    assert "value" not in str(after)
    # An org admin of the producer company sees the same.
    assert api(world.admin_a).get(url(evaluation)).json()["scorecards"] == []


@pytest.mark.parametrize(
    "who",
    ["shanghai_reviewer", "national_reviewer", "other_content_manager", "producer_b", "outsider"],
)
def test_regulators_and_other_organisations_see_nothing(world, panel, api, evaluation, who):
    card = invite_and_submit(world, evaluation, panel.content, [8] * 5)
    client = api(getattr(world, who))

    assert client.get(EVALUATIONS).json()["count"] == 0
    assert client.get(url(evaluation)).status_code == 404
    assert client.get(SCORECARDS).json()["count"] == 0
    assert client.get(card_url(card)).status_code == 404
    assert (
        client.post(url(evaluation, "decide/"), {"decision": "reject"}, format="json").status_code
        == 404
    )


def test_a_rater_not_invited_sees_nothing_of_the_evaluation(world, panel, api, evaluation):
    invite_and_submit(world, evaluation, panel.content, [8] * 5)

    assert api(panel.marketing).get(url(evaluation)).status_code == 404
    assert api(panel.marketing).get(EVALUATIONS).json()["count"] == 0


def test_a_rater_who_joins_the_producer_company_gets_the_producers_view(
    world, panel, api, evaluation
):
    invite_and_submit(world, evaluation, panel.content, [8] * 5)
    invite_and_submit(world, evaluation, panel.business, [6] * 5)
    MembershipFactory(user=panel.business, organisation=world.studio_a, role="producer")
    rater = type(panel.business).objects.get(pk=panel.business.pk)  # memberships read afresh

    detail = api(rater).get(url(evaluation)).json()

    assert detail["viewer_role"] == "producer"
    assert (detail["scorecards"], detail["aggregate"]) == ([], None)
    assert api(rater).get(SCORECARDS).json()["count"] == 0


def test_project_filter_and_pending_scorecards(world, panel, api, evaluation):
    other = submit_proposal(world)
    scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.content, actor=world.content_manager
    )
    done = invite_and_submit(world, other, panel.content, [7] * 5)
    client = api(panel.content)

    pending = client.get(SCORECARDS, {"mine": "true", "status": "invited"}).json()["results"]
    assert [(c["evaluation"], c["status"]) for c in pending] == [(evaluation.pk, "invited")]
    assert [c["id"] for c in client.get(SCORECARDS, {"status": "submitted"}).json()["results"]] == [
        done.pk
    ]
    cm = api(world.content_manager)
    by_project = cm.get(EVALUATIONS, {"project": other.project_id}).json()["results"]
    assert [e["id"] for e in by_project] == [other.pk]


# Invitations ------------------------------------------------------------------------------------


def test_invite_through_the_api(world, panel, api, evaluation):
    client = api(world.content_manager)

    eligible = client.get(url(evaluation, "raters/")).json()
    assert [(r["username"], r["rater_function"]) for r in eligible] == [
        ("rater_p", "business"),
        ("rater_content", "content"),
        ("rater_marketing", "marketing"),
    ]
    response = client.post(url(evaluation, "invite/"), {"rater": panel.marketing.pk}, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["rater"]["username"], response.json()["rater_function"]) == (
        "rater_marketing",
        "marketing",
    )
    again = client.post(url(evaluation, "invite/"), {"rater": panel.marketing.pk}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_invited"
    assert "already invited" in again.json()["detail"]
    assert "rater_marketing" not in [
        r["username"] for r in client.get(url(evaluation, "raters/")).json()
    ]
    assert api(panel.content).get(url(evaluation, "raters/")).status_code == 404


def test_invite_errors(world, panel, api, evaluation):
    client = api(world.content_manager)
    conflicted = add_rater(world.platform, "conflicted", "content")
    MembershipFactory(user=conflicted, organisation=world.studio_a, role="producer")

    conflict = client.post(url(evaluation, "invite/"), {"rater": conflicted.pk}, format="json")
    assert conflict.status_code == 400
    assert conflict.json()["code"] == "conflict_of_interest"
    assert "conflict of interest" in conflict.json()["detail"]

    stranger = client.post(
        url(evaluation, "invite/"), {"rater": world.zhejiang_reviewer.pk}, format="json"
    )
    assert stranger.status_code == 400
    assert stranger.json()["fields"]["rater"] == ["There is no rater of Platform P with this id."]
    assert "reviewer_zj" not in str(stranger.json())

    not_rater = client.post(
        url(evaluation, "invite/"), {"rater": world.content_manager.pk}, format="json"
    )
    assert not_rater.status_code == 400
    assert "is not a rater of Platform P" in not_rater.json()["fields"]["rater"][0]

    smuggled = client.post(
        url(evaluation, "invite/"),
        {"rater": panel.content.pk, "function": "marketing"},
        format="json",
    )
    assert smuggled.status_code == 400
    assert smuggled.json()["fields"] == {"function": ["Unknown field."]}

    by_rater = api(panel.content).post(
        url(evaluation, "invite/"), {"rater": panel.business.pk}, format="json"
    )
    assert by_rater.status_code == 404  # not invited: the evaluation is outside their scope
    assert not Scorecard.objects.exists()
    scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.content, actor=world.content_manager
    )
    invited = api(panel.content).post(
        url(evaluation, "invite/"), {"rater": panel.business.pk}, format="json"
    )
    assert invited.status_code == 403
    assert Scorecard.objects.filter(rater=panel.business).count() == 0


# Scoring ----------------------------------------------------------------------------------------


def test_rater_saves_then_submits_through_the_api(world, api, evaluation):
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    client = api(world.rater)
    first, *_ = criteria(evaluation)

    saved = client.patch(
        card_url(card),
        {"scores": [{"criterion": first.pk, "value": 9}], "comment": "Fun."},
        format="json",
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["scores"] == [{"criterion": first.pk, "value": 9}]
    assert saved.json()["overall"] is None  # not every criterion scored yet

    incomplete = client.post(card_url(card, "submit/"), {}, format="json")
    assert incomplete.status_code == 400
    assert "missing: Topic and trend fit" in incomplete.json()["fields"]["scores"][0]

    submitted = client.post(
        card_url(card, "submit/"),
        {"scores": score_body(evaluation, [9, 8, 8, 7, 6])},
        format="json",
    )
    assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert (body["status"], body["comment"], body["overall"]) == ("submitted", "Fun.", "7.75")

    late = client.patch(card_url(card), {"comment": "Changed my mind."}, format="json")
    assert late.status_code == 409
    assert late.json()["code"] == "scorecard_submitted"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scores": [{"criterion": 0, "value": 11}]}, "scores.0.value"),
        ({"scores": [{"criterion": 0, "value": 0}]}, "scores.0.value"),
        ({"scores": [{"criterion": 0, "value": 5, "weight": 9}]}, "scores.0.weight"),
        ({"scores": [{"criterion": 0, "value": 5}, {"criterion": 0, "value": 6}]}, "scores"),
        ({"status": "submitted"}, "status"),
        ({"comment": "x" * 4001}, "comment"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_saved(world, api, evaluation, body, field):
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    for score in body.get("scores", []):
        score["criterion"] = criteria(evaluation)[0].pk

    response = api(world.rater).patch(card_url(card), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not Score.objects.exists()


def test_a_rater_cannot_score_someone_elses_card(world, panel, api, evaluation):
    invite_and_submit(world, evaluation, panel.content, [8] * 5)
    theirs = scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.business, actor=world.content_manager
    )
    # The content rater has submitted, but an unsubmitted card of another stays out of scope.
    response = api(panel.content).patch(card_url(theirs), {"comment": "hi"}, format="json")
    assert response.status_code == 404
    # The content manager sees the card but is not its rater.
    response = api(world.content_manager).patch(card_url(theirs), {"comment": "hi"}, format="json")
    assert response.status_code == 403


# Deciding ---------------------------------------------------------------------------------------


def test_decide_greenlight_through_the_api(world, panel, api, evaluation):
    reach_quorum(world, panel, evaluation)
    client = api(world.content_manager)

    response = client.post(
        url(evaluation, "decide/"),
        {
            "decision": "greenlight",
            "grade": "B",
            "granted_budget": "180000.00",
            "traffic_support": "0",
            "reason": "Fine.",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["project_state"], body["transition"], body["waiting_for"]) == (
        "greenlit",
        "greenlight",
        [],
    )
    assert (body["evaluation"]["decision"], body["evaluation"]["grade"]) == ("greenlight", "B")
    assert body["evaluation"]["traffic_support"] == "0.00"
    again = client.post(
        url(evaluation, "decide/"), {"decision": "reject", "reason": "x"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "evaluation_closed"


def test_decide_greenlight_waiting_for_the_planning_filing(world, panel, api):
    evaluation = submit_proposal(world, planned_budget="450000.00")
    reach_quorum(world, panel, evaluation)

    response = api(world.content_manager).post(
        url(evaluation, "decide/"),
        {
            "decision": "greenlight",
            "grade": "A",
            "granted_budget": "450000",
            "traffic_support": "1",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["project_state"], body["transition"]) == ("submitted", None)
    assert any("planning filing" in reason for reason in body["waiting_for"])


def test_decide_revise_through_the_api(world, panel, api, evaluation):
    reach_quorum(world, panel, evaluation)

    response = api(world.content_manager).post(
        url(evaluation, "decide/"),
        {
            "decision": "revise",
            "reason": "Tighten it.",
            "feedback_items": [
                {
                    "text": "Hook too late.",
                    "category": "content",
                    "severity": "must_fix",
                    "episode": 1,
                }
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["project_state"], response.json()["transition"]) == (
        "revising",
        "request_revision",
    )
    item = FeedbackItem.objects.get()
    assert (item.stage, item.round, item.evaluation_id) == ("evaluation", 1, evaluation.pk)


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        ({"decision": "greenlight", "grade": "A", "traffic_support": "1"}, 400, "granted_budget"),
        (
            {
                "decision": "greenlight",
                "grade": "A",
                "granted_budget": "-5",
                "traffic_support": "1",
            },
            400,
            "granted_budget",
        ),
        (
            {"decision": "greenlight", "grade": "Z", "granted_budget": "5", "traffic_support": "1"},
            400,
            "grade",
        ),
        ({"decision": "reject"}, 400, "reason"),
        (
            {
                "decision": "revise",
                "feedback_items": [{"text": "x", "category": "vibes", "severity": "must_fix"}],
            },
            400,
            "feedback_items.0.category",
        ),
        (
            {
                "decision": "revise",
                "feedback_items": [
                    {"text": "x", "category": "content", "severity": "must_fix", "episode": 99}
                ],
            },
            400,
            "feedback_items.0.episode",
        ),
        ({"decision": "reject", "reason": "No.", "status": "decided"}, 400, "status"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_written(
    world, panel, api, evaluation, body, status, key
):
    reach_quorum(world, panel, evaluation)

    response = api(world.content_manager).post(url(evaluation, "decide/"), body, format="json")

    assert response.status_code == status
    assert key in response.json()["fields"], response.json()
    evaluation.refresh_from_db()
    assert evaluation.status == "open"
    assert Project.objects.get(pk=evaluation.project_id).state == "submitted"
    assert not FeedbackItem.objects.exists()


def test_deciding_without_quorum_is_a_conflict_naming_what_is_missing(
    world, panel, api, evaluation
):
    invite_and_submit(world, evaluation, panel.content, [8] * 5)

    response = api(world.content_manager).post(
        url(evaluation, "decide/"), {"decision": "reject", "reason": "No."}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "quorum_not_met"
    assert body["detail"] == "The evaluation of round 1 has no quorum yet."
    assert body["reasons"] == [
        "1 submitted business scorecard needed, 0 so far.",
        "1 submitted marketing scorecard needed, 0 so far.",
    ]


def test_a_rater_cannot_decide(world, panel, api, evaluation):
    reach_quorum(world, panel, evaluation)

    response = api(panel.content).post(
        url(evaluation, "decide/"), {"decision": "reject", "reason": "x"}, format="json"
    )

    assert response.status_code == 403
    assert Evaluation.objects.get(pk=evaluation.pk).status == "open"


# Query counts -----------------------------------------------------------------------------------


def _fill(world, panel, n):
    for _ in range(n):
        evaluation = submit_proposal(world)
        invite_and_submit(world, evaluation, panel.content, [8, 7, 9, 6, 5])
        invite_and_submit(world, evaluation, panel.business, [6, 5, 7, 6, 7])
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.marketing, actor=world.content_manager
        )


@pytest.mark.parametrize("who", ["content_manager", "producer_a", "rater"])
@pytest.mark.parametrize("endpoint", [EVALUATIONS, SCORECARDS])
def test_lists_cost_the_same_queries_for_2_and_12_evaluations(
    world, panel, api, django_assert_num_queries, who, endpoint
):
    client = api(getattr(world, who))
    _fill(world, panel, 2)
    client.get(endpoint)  # warm: content types, memberships
    with CaptureQueriesContext(connection) as few:
        client.get(endpoint)
    _fill(world, panel, 10)

    with django_assert_num_queries(len(few)):
        response = client.get(endpoint)

    assert response.status_code == 200
    expected = {"content_manager": (12, 36), "producer_a": (12, 0), "rater": (12, 24)}[who]
    assert response.json()["count"] == (expected[0] if endpoint == EVALUATIONS else expected[1])
    # count, evaluations, criteria, scorecards, scores (memberships are cached on the user);
    # scorecards: count, scorecards, scores, criteria; none for a producer (nothing in scope).
    pinned = {EVALUATIONS: 5, SCORECARDS: 0 if who == "producer_a" else 4}
    assert len(few) == pinned[endpoint]
