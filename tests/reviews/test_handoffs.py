"""The platform side is told when it is their move: a rater when invited, the content managers
when a scorecard comes in, when the quorum is reached and when a regulator decides a filing; the
next authority when an earlier step of a review is approved. After the commit, once per cause,
and to nobody else (another platform, the other raters, another bureau)."""

from django.contrib.contenttypes.models import ContentType

from reviews.models import RegulatoryReview, Scorecard
from reviews.services import scorecards
from reviews.services.filings import regulatory_review_decide
from tests.factories import MembershipFactory
from tests.reviews.evaluation_helpers import (
    add_rater,
    panel_fixture,  # noqa: F401 - the fixture
    put_decision,
    scores,
    submit_proposal,
)
from workflow import services
from workflow.models import Membership, Notification

KEY_BUDGET = "1200000.00"
ORDINARY_BUDGET = "450000.00"


def received(source_prefix: str) -> set[str]:
    return set(
        Notification.objects.filter(source__startswith=source_prefix).values_list(
            "recipient__username", flat=True
        )
    )


def test_an_invited_rater_is_told_to_score_after_the_commit(
    world, panel, django_capture_on_commit_callbacks
):
    evaluation = submit_proposal(world)
    # A content manager of the other platform is a rater there: never told of this proposal.
    MembershipFactory(
        user=world.other_content_manager,
        organisation=world.other_platform,
        role=Membership.Role.RATER,
        rater_function="business",
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        card = scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.content, actor=world.content_manager
        )
    assert not Notification.objects.filter(source__startswith="scorecard-invited").exists()
    for callback in callbacks:
        callback()

    notification = Notification.objects.get(source=f"scorecard-invited:{card.pk}")
    assert notification.recipient == panel.content
    assert notification.project_id == evaluation.project_id
    assert notification.target_type == ContentType.objects.get_for_model(Scorecard)
    assert notification.target_id == card.pk
    assert "rate the proposal" in notification.body
    assert received("scorecard-invited") == {"rater_content"}

    for callback in callbacks:  # the same hand-off again (a retry): nobody is told twice
        callback()
    assert Notification.objects.filter(source__startswith="scorecard-invited").count() == 1


def test_a_refused_invitation_tells_nobody(world, panel, django_capture_on_commit_callbacks):
    evaluation = submit_proposal(world)
    scorecards.scorecard_invite(
        evaluation=evaluation, rater=panel.content, actor=world.content_manager
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            scorecards.scorecard_invite(
                evaluation=evaluation, rater=panel.content, actor=world.content_manager
            )
        except scorecards.AlreadyInvited:
            pass

    assert callbacks == []


def test_a_submitted_scorecard_tells_the_content_managers_not_the_other_raters_nor_its_scores(
    world, panel, django_capture_on_commit_callbacks
):
    evaluation = submit_proposal(world)
    with django_capture_on_commit_callbacks(execute=True):
        content_card = scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.content, actor=world.content_manager
        )
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.business, actor=world.content_manager
        )

    with django_capture_on_commit_callbacks(execute=True):
        scorecards.scorecard_submit(
            scorecard=content_card, actor=panel.content, scores=scores(evaluation, [9, 8, 7, 6, 5])
        )

    notification = Notification.objects.get(source=f"scorecard-submitted:{content_card.pk}")
    assert notification.recipient == world.content_manager  # not cm_q, not the raters
    assert received("scorecard-submitted") == {"cm_p"}
    # Who and how many, never the scores (the body is all there is).
    assert notification.body == (
        f"{panel.content.get_full_name()} submitted their content scorecard on "
        f"“{evaluation.project.title}” (round 1): 1 of 2 invited raters have submitted."
    )
    assert not Notification.objects.filter(source__startswith="evaluation-quorum").exists()


def test_the_quorum_tells_the_content_managers_once(
    world, panel, django_capture_on_commit_callbacks
):
    evaluation = submit_proposal(world)
    cards = {}
    with django_capture_on_commit_callbacks(execute=True):
        for rater in (panel.content, panel.business, panel.marketing):
            cards[rater] = scorecards.scorecard_invite(
                evaluation=evaluation, rater=rater, actor=world.content_manager
            )
    for rater in (panel.content, panel.business):
        with django_capture_on_commit_callbacks(execute=True):
            scorecards.scorecard_submit(
                scorecard=cards[rater], actor=rater, scores=scores(evaluation, [7] * 5)
            )
    assert not Notification.objects.filter(source__startswith="evaluation-quorum").exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scorecards.scorecard_submit(
            scorecard=cards[panel.marketing],
            actor=panel.marketing,
            scores=scores(evaluation, [6] * 5),
        )
    for callback in callbacks:  # run again, as a retry would
        callback()

    quorum = Notification.objects.get(source=f"evaluation-quorum:{evaluation.pk}")
    assert quorum.recipient == world.content_manager
    assert "you can decide" in quorum.body
    assert received("evaluation-quorum") == {"cm_p"}


def test_a_late_extra_scorecard_does_not_announce_the_quorum_again(
    world, panel, django_capture_on_commit_callbacks
):
    evaluation = submit_proposal(world)
    extra = add_rater(world.platform, "rater_extra", "content")
    raters = (panel.content, panel.business, panel.marketing, extra)
    with django_capture_on_commit_callbacks(execute=True):
        cards = [
            scorecards.scorecard_invite(evaluation=evaluation, rater=r, actor=world.content_manager)
            for r in raters
        ]
    for rater, card in zip(raters, cards, strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            scorecards.scorecard_submit(
                scorecard=card, actor=rater, scores=scores(evaluation, [5] * 5)
            )

    assert Notification.objects.filter(source__startswith="evaluation-quorum").count() == 1
    assert Notification.objects.filter(source__startswith="scorecard-submitted").count() == 4


def _submitted(world, make_project, budget):
    project = make_project("draft", planned_budget=budget)
    return services.project_transition(project=project, name="submit", actor=world.producer_a)


def test_an_approved_filing_that_was_the_last_thing_missing_says_greenlight_is_possible(
    world, make_project, django_capture_on_commit_callbacks
):
    project = _submitted(world, make_project, ORDINARY_BUDGET)
    put_decision(project, "greenlight")  # the platform decided; the greenlight waited
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)

    with django_capture_on_commit_callbacks(execute=True):
        regulatory_review_decide(
            review=review, actor=world.shanghai_reviewer, outcome="approve", filing_number="SH-1"
        )

    notification = Notification.objects.get(source=f"review-decided:{review.pk}")
    assert notification.recipient == world.content_manager
    assert notification.subject.endswith("greenlight is now possible")
    assert notification.project_id == project.pk
    assert notification.target_id == review.pk
    assert received("review-decided") == {"cm_p"}  # not the other platform, not the producer


def test_an_approved_filing_before_the_decision_says_what_the_greenlight_waits_for(
    world, make_project, django_capture_on_commit_callbacks
):
    project = _submitted(world, make_project, ORDINARY_BUDGET)
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)

    with django_capture_on_commit_callbacks(execute=True):
        regulatory_review_decide(
            review=review, actor=world.shanghai_reviewer, outcome="approve", filing_number="SH-2"
        )

    notification = Notification.objects.get(source=f"review-decided:{review.pk}")
    assert notification.subject.endswith("planning filing approved")
    assert "still waits for" in notification.body


def test_the_bureaus_approval_of_a_key_filing_tells_the_national_administration(
    world, make_project, django_capture_on_commit_callbacks
):
    project = _submitted(world, make_project, KEY_BUDGET)
    bureau = RegulatoryReview.objects.get(project=project, authority=world.shanghai)
    national = RegulatoryReview.objects.get(project=project, authority=world.nrta)

    with django_capture_on_commit_callbacks(execute=True):
        regulatory_review_decide(
            review=bureau, actor=world.shanghai_reviewer, outcome="approve", filing_number="SH-3"
        )

    assert received(f"review-ready:{national.pk}") == {"reviewer_nrta"}
    assert not Notification.objects.filter(recipient=world.zhejiang_reviewer).exists()
    # The greenlight still waits for the national re-check.
    assert Notification.objects.get(source=f"review-decided:{bureau.pk}").subject.endswith(
        "planning filing approved"
    )


def test_a_filing_sent_back_tells_the_content_managers(
    world, make_project, django_capture_on_commit_callbacks
):
    project = _submitted(world, make_project, ORDINARY_BUDGET)
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)

    with django_capture_on_commit_callbacks(execute=True):
        regulatory_review_decide(
            review=review,
            actor=world.shanghai_reviewer,
            outcome="request_changes",
            comment="Rework episode 3.",
            items=[{"text": "Episode 3.", "category": "content", "severity": "must_fix"}],
        )

    notification = Notification.objects.get(source=f"review-decided:{review.pk}")
    assert notification.recipient == world.content_manager
    assert notification.subject.endswith("the planning filing needs changes")


def test_a_resubmitted_proposal_tells_the_re_invited_raters(
    world, panel, django_capture_on_commit_callbacks
):
    from tests.conftest import fire_transition

    evaluation = submit_proposal(world)
    with django_capture_on_commit_callbacks(execute=True):
        scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.content, actor=world.content_manager
        )
    fire_transition(
        project=evaluation.project, name="request_revision", actor=world.content_manager
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.project_transition(
            project=evaluation.project, name="resubmit", actor=world.producer_a
        )

    card = Scorecard.objects.get(evaluation__project=evaluation.project, evaluation__round=2)
    assert received(f"scorecard-invited:{card.pk}") == {"rater_content"}


def test_a_failing_notification_never_fails_the_change(
    world, panel, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from workflow import notifications

    evaluation = submit_proposal(world)

    def broken(messages):
        raise RuntimeError("mail store down")

    monkeypatch.setattr(notifications, "deliver", broken)
    with django_capture_on_commit_callbacks(execute=True):
        card = scorecards.scorecard_invite(
            evaluation=evaluation, rater=panel.content, actor=world.content_manager
        )

    assert Scorecard.objects.filter(pk=card.pk, rater=panel.content).exists()
    assert f"notifying scorecard invitations [{card.pk}] failed" in caplog.text
    assert not Notification.objects.filter(source__startswith="scorecard-invited").exists()


def test_the_bureaus_approval_of_a_home_page_cut_tells_the_national_re_review(
    world, make_project, django_capture_on_commit_callbacks
):
    from tests.reviews.finals_helpers import decide, step_at, to_final_review

    project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
    national = step_at(project, world.nrta)

    with django_capture_on_commit_callbacks(execute=True):
        decide(step_at(project, world.shanghai), world.shanghai_reviewer)

    assert received(f"review-ready:{national.pk}") == {"reviewer_nrta"}
    notification = Notification.objects.get(source=f"review-ready:{national.pk}")
    assert notification.subject.endswith("your finished-cut review step")
    assert not Notification.objects.filter(
        recipient__in=[world.zhejiang_reviewer, world.other_content_manager]
    ).exists()
