"""The platform evaluation's rules: opening, invitations, blind scoring, quorum, decisions and the
greenlight guard (services and state machine; the API and admin have their own modules)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from common.errors import PermissionDenied
from reviews.models import Criterion, Evaluation, FeedbackItem, Rubric, Score, Scorecard
from reviews.selectors.evaluations import evaluation_aggregate, evaluation_list_for
from reviews.services import evaluations as services
from reviews.services import scorecards
from tests.factories import MembershipFactory
from tests.reviews.evaluation_helpers import (
    add_rater,
    criteria,
    greenlight,
    invite_and_submit,
    panel_fixture,  # noqa: F401 - the `panel` fixture
    reach_quorum,
    scores,
    submit_proposal,
)
from workflow import guards
from workflow.exceptions import GuardsNotMet
from workflow.models import Membership, Project, ProjectTransition
from workflow.services import project_transition

# Opening ----------------------------------------------------------------------------------------


def test_submitting_opens_round_one_with_the_platforms_default_rubric(world):
    evaluation = submit_proposal(world)

    assert (evaluation.round, evaluation.status) == (1, "open")
    rubric = evaluation.rubric
    assert (rubric.platform, rubric.version, rubric.is_active) == (world.platform, 1, True)
    assert [(c.name, c.weight) for c in criteria(evaluation)] == [
        ("Hook and pacing", Decimal("1.50")),
        ("Topic and trend fit", Decimal("1.00")),
        ("Commercial potential", Decimal("1.50")),
        ("Production feasibility", Decimal("1.00")),
        ("Compliance risk", Decimal("1.00")),
    ]
    assert all(c.description for c in criteria(evaluation))
    # The next proposal to the platform uses the same rubric.
    assert submit_proposal(world).rubric == rubric
    assert Rubric.objects.count() == 1


def test_a_platforms_own_active_rubric_is_used(world):
    old = Rubric.objects.create(platform=world.platform, name="Old", version=1, is_active=False)
    mine = Rubric.objects.create(platform=world.platform, name="Ours", version=2)
    Criterion.objects.create(rubric=mine, name="Hook", weight=Decimal("2"))

    assert submit_proposal(world).rubric == mine
    assert old.evaluations.count() == 0


def test_a_platform_with_only_retired_rubrics_gets_the_default_as_its_next_version(world):
    Rubric.objects.create(platform=world.platform, name="Old", version=3, is_active=False)

    rubric = submit_proposal(world).rubric

    assert (rubric.name, rubric.version, rubric.is_active) == (
        services.DEFAULT_RUBRIC_NAME,
        4,
        True,
    )


def test_resubmission_opens_the_next_round_and_reinvites_the_panel(world, panel):
    first = submit_proposal(world)
    reach_quorum(world, panel, first)
    services.evaluation_decide(
        evaluation=first,
        actor=world.content_manager,
        decision="revise",
        feedback_items=[
            {"text": "Open on the wedding.", "category": "content", "severity": "suggestion"}
        ],
    )
    outsider = add_rater(world.platform, "left_the_panel", "content")
    MembershipFactory(user=outsider, organisation=world.studio_a, role=Membership.Role.PRODUCER)

    project = project_transition(project=first.project, name="resubmit", actor=world.producer_a)

    second = Evaluation.objects.get(project=project, round=2)
    assert second.status == "open"
    assert {(c.rater, c.function, c.status, c.invited_by) for c in second.scorecards.all()} == {
        (panel.content, "content", "invited", world.content_manager),
        (panel.business, "business", "invited", world.content_manager),
        (panel.marketing, "marketing", "invited", world.content_manager),
    }
    assert not Score.objects.filter(scorecard__evaluation=second).exists()
    first.refresh_from_db()
    assert (first.status, first.decision) == ("decided", "revise")


def test_reinvitation_leaves_out_raters_who_left_or_became_conflicted(world, panel):
    first = submit_proposal(world)
    reach_quorum(world, panel, first)
    services.evaluation_decide(
        evaluation=first,
        actor=world.content_manager,
        decision="revise",
        feedback_items=[{"text": "Shorter.", "category": "content", "severity": "suggestion"}],
    )
    Membership.objects.filter(user=panel.marketing).delete()
    MembershipFactory(user=panel.content, organisation=world.studio_a, role="producer")

    project_transition(project=first.project, name="resubmit", actor=world.producer_a)

    second = Evaluation.objects.get(project=first.project, round=2)
    assert [c.rater for c in second.scorecards.all()] == [panel.business]


def test_a_regulators_revision_request_closes_the_open_evaluation(world, make_project):
    evaluation = submit_proposal(world, planned_budget="450000.00")  # ORDINARY: Shanghai bureau

    from reviews.services.filings import regulatory_review_decide

    regulatory_review_decide(
        review=evaluation.project.regulatory_reviews.get(),
        actor=world.shanghai_reviewer,
        outcome="request_changes",
        items=[
            {
                "text": "Name the novel's rights holder.",
                "category": "copyright",
                "severity": "must_fix",
            }
        ],
    )

    evaluation.refresh_from_db()
    assert evaluation.status == "closed"
    with pytest.raises(services.EvaluationClosed, match="closed without a decision"):
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=world.rater, actor=world.content_manager
        )


def test_withdrawal_closes_the_open_evaluation(world):
    evaluation = submit_proposal(world)
    project = evaluation.project
    Project.objects.filter(pk=project.pk).update(state="revising")  # withdraw leaves revising

    project_transition(project=project, name="withdraw", actor=world.producer_a)

    evaluation.refresh_from_db()
    assert evaluation.status == "closed"


# Invitations ------------------------------------------------------------------------------------


def test_the_content_manager_invites_a_rater_with_the_function_of_their_membership(world, panel):
    evaluation = submit_proposal(world)

    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.marketing, actor=world.content_manager
    )

    assert (card.rater, card.function, card.status, card.invited_by) == (
        panel.marketing,
        "marketing",
        "invited",
        world.content_manager,
    )


@pytest.mark.parametrize("inviter", ["rater", "producer_a", "other_content_manager", "outsider"])
def test_only_the_platforms_content_manager_invites(world, panel, inviter):
    evaluation = submit_proposal(world)

    with pytest.raises(PermissionDenied, match="content manager"):
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.content, actor=getattr(world, inviter)
        )
    assert not Scorecard.objects.exists()


def test_a_member_of_the_producer_company_is_never_invited_even_as_a_platform_rater(world):
    evaluation = submit_proposal(world)
    moonlighter = add_rater(world.platform, "moonlighter", "content")
    MembershipFactory(user=moonlighter, organisation=world.studio_a, role="org_admin")

    with pytest.raises(scorecards.ConflictOfInterest) as excinfo:
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=moonlighter, actor=world.content_manager
        )

    assert excinfo.value.status_code == 400
    # The content manager learns that the person cannot rate it, not where they work.
    assert excinfo.value.detail == (
        f"{moonlighter.get_full_name()} cannot rate this proposal (conflict of interest)."
    )
    assert "Studio A" not in excinfo.value.detail
    assert not Scorecard.objects.exists()


@pytest.mark.parametrize("who", ["content_manager", "other_content_manager", "producer_b"])
def test_only_raters_of_the_platform_can_be_invited(world, who):
    evaluation = submit_proposal(world)

    with pytest.raises(ValidationError) as excinfo:
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=getattr(world, who), actor=world.content_manager
        )

    assert "is not a rater of Platform P" in excinfo.value.message_dict["rater"][0]
    assert not Scorecard.objects.exists()


def test_a_second_invitation_of_the_same_rater_is_refused(world):
    evaluation = submit_proposal(world)
    scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )

    with pytest.raises(
        scorecards.AlreadyInvited, match="already invited to the evaluation of round 1"
    ):
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=world.rater, actor=world.content_manager
        )

    assert Scorecard.objects.count() == 1
    # And the database holds the line too: one scorecard per rater and evaluation.
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.create(
            evaluation=evaluation,
            rater=world.rater,
            function="business",
            invited_by=world.content_manager,
        )


# Scoring ----------------------------------------------------------------------------------------


def test_a_rater_saves_a_draft_and_edits_it_until_submitted(world):
    evaluation = submit_proposal(world)
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    first, second, *_ = criteria(evaluation)

    scorecards.scorecard_save(
        scorecard=card, actor=world.rater, scores={first.pk: 7, second.pk: 3}, comment=" Hmm "
    )
    scorecards.scorecard_save(
        scorecard=card, actor=world.rater, scores={second.pk: None, first.pk: 9}
    )

    card.refresh_from_db()
    assert {s.criterion_id: s.value for s in card.scores.all()} == {first.pk: 9}
    assert card.comment == "Hmm"
    assert card.status == "invited"


@pytest.mark.parametrize("value", [0, 11, -3, 7.5, "8", True])
def test_scores_outside_one_to_ten_are_refused_and_nothing_is_saved(world, value):
    evaluation = submit_proposal(world)
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    first, second, *_ = criteria(evaluation)

    with pytest.raises(ValidationError) as excinfo:
        scorecards.scorecard_save(
            scorecard=card, actor=world.rater, scores={first.pk: 8, second.pk: value}
        )

    assert "“Topic and trend fit” is scored from 1 to 10" in excinfo.value.message_dict["scores"][0]
    assert not Score.objects.exists()


def test_a_criterion_of_another_rubric_is_refused(world):
    evaluation = submit_proposal(world)
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    foreign = Rubric.objects.create(platform=world.other_platform, name="Q", version=1)
    criterion = Criterion.objects.create(rubric=foreign, name="Other")

    with pytest.raises(ValidationError, match="is not a criterion of this rubric"):
        scorecards.scorecard_save(scorecard=card, actor=world.rater, scores={criterion.pk: 5})


def test_only_the_invited_rater_fills_in_the_scorecard(world, panel):
    evaluation = submit_proposal(world)
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )

    for intruder in (panel.content, world.content_manager, world.producer_a):
        with pytest.raises(PermissionDenied):
            scorecards.scorecard_save(
                scorecard=card, actor=intruder, scores=scores(evaluation, [5] * 5)
            )
    assert not Score.objects.exists()


def test_submitting_needs_every_criterion_and_names_the_missing_ones(world):
    evaluation = submit_proposal(world)
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    first, *_ = criteria(evaluation)

    with pytest.raises(ValidationError) as excinfo:
        scorecards.scorecard_submit(scorecard=card, actor=world.rater, scores={first.pk: 8})

    assert excinfo.value.message_dict["scores"] == [
        "Score every criterion before submitting; missing: Topic and trend fit, "
        "Commercial potential, Production feasibility, Compliance risk."
    ]
    card.refresh_from_db()
    assert card.status == "invited"
    assert not Score.objects.exists()  # the submit's own save was rolled back too


def test_a_submitted_scorecard_cannot_change(world):
    evaluation = submit_proposal(world)
    card = invite_and_submit(world, evaluation, world.rater, [7, 7, 7, 7, 7])
    assert card.status == "submitted"
    assert card.submitted_at is not None

    with pytest.raises(scorecards.ScorecardSubmitted):
        scorecards.scorecard_save(
            scorecard=card, actor=world.rater, scores=scores(evaluation, [1] * 5)
        )
    with pytest.raises(scorecards.ScorecardSubmitted):
        scorecards.scorecard_submit(scorecard=card, actor=world.rater)
    assert set(Score.objects.values_list("value", flat=True)) == {7}


def test_scoring_and_inviting_after_the_decision_are_refused(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)
    late = add_rater(world.platform, "late_rater", "marketing")
    scorecards.scorecard_invite(evaluation=evaluation, rater=late, actor=world.content_manager)
    greenlight(world, evaluation)
    card = Scorecard.objects.get(rater=late)

    with pytest.raises(services.EvaluationClosed, match="already decided"):
        scorecards.scorecard_save(scorecard=card, actor=late, scores=scores(evaluation, [5] * 5))
    with pytest.raises(services.EvaluationClosed):
        scorecards.scorecard_submit(scorecard=card, actor=late, scores=scores(evaluation, [5] * 5))
    with pytest.raises(services.EvaluationClosed):
        scorecards.scorecard_invite(
            evaluation=evaluation,
            rater=add_rater(world.platform, "later", "content"),
            actor=world.content_manager,
        )
    assert not Score.objects.filter(scorecard=card).exists()


def test_a_rater_who_left_the_platform_can_no_longer_score(world):
    evaluation = submit_proposal(world)
    card = scorecards.scorecard_invite(
        evaluation=evaluation, rater=world.rater, actor=world.content_manager
    )
    Membership.objects.filter(user=world.rater).delete()
    world.rater.refresh_from_db()
    rater = type(world.rater).objects.get(pk=world.rater.pk)  # no cached memberships

    with pytest.raises(PermissionDenied, match="no longer a rater of Platform P"):
        scorecards.scorecard_save(scorecard=card, actor=rater, scores=scores(evaluation, [5] * 5))


# Aggregation (numbers worked by hand) ------------------------------------------------------------


def aggregate_of(evaluation, user):
    return evaluation_aggregate(evaluation_list_for(user).get(pk=evaluation.pk))


def test_aggregate_numbers_worked_by_hand(world, panel):
    """Weights 1.5, 1, 1.5, 1, 1 (sum 6).

    content   8 7 9 6 5 -> (12 + 7 + 13.5 + 6 + 5) / 6 = 43.5 / 6 = 7.25
    business  6 5 7 6 7 -> (9 + 5 + 10.5 + 6 + 7) / 6  = 37.5 / 6 = 6.25
    marketing 5 5 5 5 5 -> 5.00
    overall = 18.5 / 3 = 6.1666... -> 6.17; grade B (5.5 <= 6.17 < 7.0)
    population deviation: (1.0833² + 0.0833² + 1.1667²) / 3 = 2.5417 / 3 = 0.8472,
    sqrt = 0.9204 -> 0.92 (the sample deviation would be 1.13)
    per criterion: hook 8 6 5 -> 6.33 ± 1.25; trend 7 5 5 -> 5.67 ± 0.94;
    commercial 9 7 5 -> 7.00 ± 1.63; feasibility 6 6 5 -> 5.67 ± 0.47; compliance 5 7 5 -> 5.67 ± 0.94
    """
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)
    # A draft that is not submitted does not count.
    draft = scorecards.scorecard_invite(
        evaluation=evaluation,
        rater=add_rater(world.platform, "drafting", "content"),
        actor=world.content_manager,
    )
    scorecards.scorecard_save(
        scorecard=draft, actor=draft.rater, scores=scores(evaluation, [1, 1, 1, 1, 1])
    )

    aggregate = aggregate_of(evaluation, world.content_manager)

    assert aggregate.scorecards == 3
    assert aggregate.overall == Decimal("6.17")
    assert aggregate.stdev == Decimal("0.92")
    assert aggregate.disagreement is False
    assert aggregate.suggested_grade == "B"
    assert [(c.name, c.mean, c.stdev) for c in aggregate.criteria] == [
        ("Hook and pacing", Decimal("6.33"), Decimal("1.25")),
        ("Topic and trend fit", Decimal("5.67"), Decimal("0.94")),
        ("Commercial potential", Decimal("7.00"), Decimal("1.63")),
        ("Production feasibility", Decimal("5.67"), Decimal("0.47")),
        ("Compliance risk", Decimal("5.67"), Decimal("0.94")),
    ]
    assert sorted(aggregate.rater_overall.values()) == [
        Decimal("5.00"),
        Decimal("6.25"),
        Decimal("7.25"),
    ]


@pytest.mark.parametrize(
    ("high", "low", "overall", "stdev", "disagree", "grade"),
    [
        # 10 and 4: mean 7.00 (A at its edge), deviation 3.00 > 2.0.
        (10, 4, "7.00", "3.00", True, "A"),
        # 9 and 5: deviation exactly 2.00 is not above the threshold.
        (9, 5, "7.00", "2.00", False, "A"),
        # 9 and 8: 8.50, S at its edge.
        (9, 8, "8.50", "0.50", False, "S"),
        # 6 and 5: 5.50, B at its edge; 5 and 5: C.
        (6, 5, "5.50", "0.50", False, "B"),
        (5, 5, "5.00", "0.00", False, "C"),
    ],
)
def test_disagreement_flag_and_grade_edges(
    world, panel, high, low, overall, stdev, disagree, grade
):
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.content, [high] * 5)
    invite_and_submit(world, evaluation, panel.business, [low] * 5)

    aggregate = aggregate_of(evaluation, world.content_manager)

    assert (aggregate.overall, aggregate.stdev) == (Decimal(overall), Decimal(stdev))
    assert aggregate.disagreement is disagree
    assert aggregate.suggested_grade == grade


def test_thresholds_come_from_settings(world, panel, settings):
    settings.MDPROD_EVALUATION_DISAGREEMENT = Decimal("0.4")
    settings.MDPROD_GRADE_CUTOFFS = {"S": "9.5", "A": "8.0", "B": "6.5"}
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.content, [9] * 5)
    invite_and_submit(world, evaluation, panel.business, [8] * 5)

    aggregate = aggregate_of(evaluation, world.content_manager)

    assert (aggregate.disagreement, aggregate.suggested_grade) == (True, "A")


def test_no_submitted_scorecards_no_aggregate(world):
    evaluation = submit_proposal(world)

    aggregate = aggregate_of(evaluation, world.content_manager)

    assert (aggregate.scorecards, aggregate.overall, aggregate.stdev) == (0, None, None)
    assert (aggregate.disagreement, aggregate.suggested_grade) == (False, None)


# Deciding ---------------------------------------------------------------------------------------


def test_deciding_without_quorum_names_what_is_missing_and_writes_nothing(world, panel):
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.content, [8] * 5)
    scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.business, actor=world.content_manager
    )

    with pytest.raises(services.QuorumNotMet) as excinfo:
        greenlight(world, evaluation)

    assert excinfo.value.status_code == 409
    assert excinfo.value.reasons == [
        "1 submitted business scorecard needed, 0 so far.",
        "1 submitted marketing scorecard needed, 0 so far.",
    ]
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision) == ("open", "")
    assert evaluation.project.state == "submitted"


def test_the_quorum_is_configurable(world, panel, settings):
    settings.MDPROD_EVALUATION_QUORUM = {"business": 2}
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.business, [8] * 5)
    with pytest.raises(services.QuorumNotMet) as excinfo:
        greenlight(world, evaluation)
    assert excinfo.value.reasons == ["2 submitted business scorecards needed, 1 so far."]
    invite_and_submit(world, evaluation, add_rater(world.platform, "b2", "business"), [8] * 5)

    assert greenlight(world, evaluation).transition == "greenlight"


def test_greenlight_records_the_decision_and_fires_the_transition(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    outcome = greenlight(world, evaluation, grade="B", granted_budget="180000.5")

    assert (outcome.transition, outcome.waiting_for) == ("greenlight", [])
    assert outcome.project.state == "greenlit"
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision, evaluation.grade) == (
        "decided",
        "greenlight",
        "B",
    )
    assert evaluation.granted_budget == Decimal("180000.50")
    assert evaluation.traffic_support == Decimal("50000.00")
    assert (evaluation.decided_by, evaluation.reason) == (world.content_manager, "Strong hook.")
    assert evaluation.decided_at is not None
    entry = ProjectTransition.objects.get(project=evaluation.project, name="greenlight")
    assert (entry.actor, entry.comment) == (world.content_manager, "Strong hook.")


def test_greenlight_waits_for_the_planning_filing_then_the_content_manager_fires_it(world, panel):
    evaluation = submit_proposal(world, planned_budget="450000.00")  # ORDINARY
    reach_quorum(world, panel, evaluation)

    outcome = greenlight(world, evaluation)

    assert outcome.transition is None
    assert outcome.project.state == "submitted"
    assert outcome.waiting_for
    assert all("planning filing" in reason for reason in outcome.waiting_for)
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision) == ("decided", "greenlight")
    # The evaluation's own condition holds now; only the filing's remain.
    project = Project.objects.get(pk=evaluation.project_id)
    assert guards.unmet(project, "greenlight") == outcome.waiting_for
    assert not ProjectTransition.objects.filter(name="greenlight").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"grade": None}, "grade", "A greenlight needs a grade"),
        ({"grade": "D"}, "grade", "A greenlight needs a grade"),
        ({"granted_budget": None}, "granted_budget", "A greenlight needs a granted budget"),
        ({"traffic_support": ""}, "traffic_support", "needs an amount of traffic support"),
        ({"granted_budget": "-1.00"}, "granted_budget", "cannot be negative"),
        ({"traffic_support": "-0.01"}, "traffic_support", "cannot be negative"),
        ({"traffic_support": "12.345"}, "traffic_support", "2 after the decimal point"),
        ({"traffic_support": "lots"}, "traffic_support", "Enter an amount"),
        (
            {"feedback_items": [{"text": "x", "category": "content", "severity": "must_fix"}]},
            "feedback_items",
            "revision request only",
        ),
        ({"decision": "maybe"}, "decision", "Choose greenlight, revise or reject"),
    ],
)
def test_bad_greenlight_input_is_refused_and_nothing_written(
    world, panel, overrides, field, message
):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    with pytest.raises(ValidationError) as excinfo:
        greenlight(world, evaluation, **overrides)

    assert message in excinfo.value.message_dict[field][0]
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.grade, evaluation.granted_budget) == ("open", "", None)
    assert Project.objects.get(pk=evaluation.project_id).state == "submitted"


def test_revise_adds_the_feedback_items_and_moves_the_project_to_revising(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    outcome = services.evaluation_decide(
        evaluation=evaluation,
        actor=world.content_manager,
        decision="revise",
        reason="Sharpen episode 1.",
        feedback_items=[
            {
                "text": "Open on the wedding.",
                "category": "content",
                "severity": "must_fix",
                "episode": 1,
                "timecode": "00:05",
            },
            {"text": "Name the rights holder.", "category": "copyright", "severity": "suggestion"},
        ],
    )

    assert outcome.transition == "request_revision"
    assert outcome.project.state == "revising"
    items = list(FeedbackItem.objects.order_by("id"))
    assert [
        (i.text, i.stage, i.round, i.evaluation_id, i.severity, i.created_by) for i in items
    ] == [
        ("Open on the wedding.", "evaluation", 1, evaluation.pk, "must_fix", world.content_manager),
        (
            "Name the rights holder.",
            "evaluation",
            1,
            evaluation.pk,
            "suggestion",
            world.content_manager,
        ),
    ]
    entry = ProjectTransition.objects.get(project=evaluation.project, name="request_revision")
    assert entry.comment == "Sharpen episode 1."
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision) == ("decided", "revise")


def test_revise_without_items_or_with_a_bad_one_writes_nothing(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    with pytest.raises(ValidationError, match="at least one feedback item"):
        services.evaluation_decide(
            evaluation=evaluation, actor=world.content_manager, decision="revise"
        )
    with pytest.raises(ValidationError) as excinfo:
        services.evaluation_decide(
            evaluation=evaluation,
            actor=world.content_manager,
            decision="revise",
            feedback_items=[
                {"text": "Fine.", "category": "content", "severity": "must_fix"},
                {
                    "text": "Episode 900.",
                    "category": "content",
                    "severity": "must_fix",
                    "episode": 900,
                },
            ],
        )

    assert "feedback_items.1.episode" in excinfo.value.message_dict
    assert not FeedbackItem.objects.exists()
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision) == ("open", "")
    assert Project.objects.get(pk=evaluation.project_id).state == "submitted"


def test_reject_needs_a_reason_and_moves_the_project_to_rejected(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    with pytest.raises(ValidationError, match="Say why"):
        services.evaluation_decide(
            evaluation=evaluation, actor=world.content_manager, decision="reject", reason="  "
        )
    with pytest.raises(ValidationError, match="Only a greenlight has a grade"):
        services.evaluation_decide(
            evaluation=evaluation,
            actor=world.content_manager,
            decision="reject",
            reason="No.",
            grade="C",
        )
    outcome = services.evaluation_decide(
        evaluation=evaluation,
        actor=world.content_manager,
        decision="reject",
        reason="The premise copies a hit of last year.",
    )

    assert (outcome.transition, outcome.project.state) == ("reject", "rejected")
    evaluation.refresh_from_db()
    assert evaluation.reason == "The premise copies a hit of last year."


def test_deciding_twice_is_refused(world, panel):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)
    greenlight(world, evaluation)

    with pytest.raises(services.EvaluationClosed, match="already decided"):
        services.evaluation_decide(
            evaluation=evaluation, actor=world.content_manager, decision="reject", reason="No."
        )


@pytest.mark.parametrize("decider", ["rater", "producer_a", "other_content_manager"])
def test_only_the_content_manager_decides(world, panel, decider):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    with pytest.raises(PermissionDenied):
        services.evaluation_decide(
            evaluation=evaluation, actor=getattr(world, decider), decision="reject", reason="No."
        )
    evaluation.refresh_from_db()
    assert evaluation.status == "open"


def test_a_failing_transition_leaves_no_decision_behind(world, panel, monkeypatch):
    evaluation = submit_proposal(world)
    reach_quorum(world, panel, evaluation)

    def boom(project, **context):
        raise GuardsNotMet(reasons=["refused by a test effect"])

    from workflow import effects

    monkeypatch.setitem(effects._registry, "reject", [boom])
    with pytest.raises(GuardsNotMet):
        services.evaluation_decide(
            evaluation=evaluation, actor=world.content_manager, decision="reject", reason="No."
        )

    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.decision, evaluation.reason) == ("open", "", "")
    assert Project.objects.get(pk=evaluation.project_id).state == "submitted"
    assert not ProjectTransition.objects.filter(name="reject").exists()


# The greenlight guard ---------------------------------------------------------------------------


def test_greenlight_without_a_decision_says_why(world, panel):
    evaluation = submit_proposal(world)
    invite_and_submit(world, evaluation, panel.content, [8] * 5)
    for rater in (panel.business, panel.marketing):
        scorecards.scorecard_invite(evaluation=evaluation, rater=rater, actor=world.content_manager)

    with pytest.raises(GuardsNotMet) as excinfo:
        project_transition(
            project=evaluation.project, name="greenlight", actor=world.content_manager
        )

    assert excinfo.value.reasons == [
        "The platform evaluation of round 1 has no greenlight decision yet "
        "(1 of 3 scorecards submitted)."
    ]


def test_greenlight_guard_in_round_two_and_without_an_evaluation(world, make_project):
    bare = make_project("submitted", tier="OTHER")  # placed there without the submit effect
    assert guards.unmet(bare, "greenlight") == [
        "The platform evaluation of round 1 has not been opened."
    ]
    Project.objects.filter(pk=bare.pk).update(state="revising")
    resubmitted = project_transition(
        project=Project.objects.get(pk=bare.pk), name="resubmit", actor=world.producer_a
    )
    assert guards.unmet(resubmitted, "greenlight") == [
        "The platform evaluation of round 2 has no greenlight decision yet "
        "(0 of 0 scorecards submitted)."
    ]


def test_the_guard_costs_one_query(world, django_assert_num_queries):
    evaluation = submit_proposal(world)
    project = Project.objects.get(pk=evaluation.project_id)
    from reviews.rules.evaluations import platform_evaluation_greenlit

    with django_assert_num_queries(1):
        platform_evaluation_greenlit(project)
