"""The finished-cut review: routing by tier and flags, steps in sequence, the clearance on the last
approval, findings and resubmission, rejection and the loss, decisions behind every transition."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budgets.models import Budget, BudgetLine
from common.errors import PermissionDenied
from reviews.models import Clearance, FeedbackItem, ProjectLoss
from reviews.services import checklists, finals
from reviews.services.feedback import feedback_item_respond
from reviews.services.filings import NoAuthority, ReviewNotPending
from tests.reviews.finals_helpers import (
    confirm_checklist,
    decide,
    licence,
    registration,
    step_at,
    steps,
    to_final_review,
)
from workflow import services
from workflow.exceptions import DecisionRequired, GuardsNotMet
from workflow.models import Organisation, Project, ProjectTransition
from workflow.selectors import transition_options

FINDING = {
    "text": "Blur the brand logo.",
    "category": "compliance",
    "severity": "must_fix",
    "episode": 12,
    "timecode": "01:05",
}


def state_of(project) -> str:
    return Project.objects.get(pk=project.pk).state


# Routing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "flags", "expected"),
    [
        ("ORDINARY", {}, [("Shanghai bureau", 1, 1, "pending")]),
        ("KEY", {}, [("Shanghai bureau", 1, 1, "pending")]),
        (
            "KEY",
            {"homepage_promotion": True},
            [("Shanghai bureau", 1, 1, "pending"), ("National administration", 2, 1, "pending")],
        ),
        (
            "KEY",
            {"special_subject": True},
            [("Shanghai bureau", 1, 1, "pending"), ("National administration", 3, 1, "pending")],
        ),
        (
            "KEY",
            {"special_subject": True, "homepage_promotion": True},
            [
                ("Shanghai bureau", 1, 1, "pending"),
                ("National administration", 2, 1, "pending"),
                ("National administration", 3, 1, "pending"),
            ],
        ),
        ("OTHER", {}, [("Platform P", 1, 1, "pending")]),
    ],
)
def test_approving_the_cut_routes_the_finished_cut_by_tier_and_flags(
    world, make_project, tier, flags, expected
):
    project = to_final_review(world, make_project, tier=tier, **flags)

    assert project.state == "final_review"
    assert steps(project) == expected


def test_a_zhejiang_producers_cut_goes_to_the_zhejiang_bureau(world, make_project):
    project = to_final_review(world, make_project, producer=world.studio_b)
    assert steps(project) == [("Zhejiang bureau", 1, 1, "pending")]


def test_no_bureau_for_the_province_keeps_the_cut_with_the_platform(world, make_project):
    Organisation.objects.filter(pk=world.shanghai.pk).update(province="beijing")
    project = make_project("cut_review")

    with pytest.raises(GuardsNotMet) as excinfo:
        services.project_transition(
            project=project, name="approve_cut", actor=world.content_manager
        )

    assert "Shanghai" in " ".join(excinfo.value.reasons)
    assert "finished-cut review" in " ".join(excinfo.value.reasons)
    assert state_of(project) == "cut_review"
    with pytest.raises(NoAuthority):
        finals.final_review_steps(project)


# Steps in sequence, the clearance on the last approval --------------------------------------


def test_ordinary_approval_records_the_registration_number_and_clears(world, make_project):
    project = to_final_review(world, make_project)
    number = registration()

    decided = decide(
        step_at(project, world.shanghai), world.shanghai_reviewer, clearance_number=number
    )

    assert (decided.status, decided.filing_number) == ("approved", number)
    assert state_of(project) == "cleared"
    clearance = Clearance.objects.get(project=project)
    assert (clearance.kind, clearance.number, clearance.issued_by) == (
        "online_registration",
        number,
        world.shanghai,
    )
    entry = ProjectTransition.objects.filter(project=project).latest("id")
    assert (entry.name, entry.actor) == ("clear", world.shanghai_reviewer)


def test_key_homepage_needs_the_bureau_then_the_national_re_review(world, make_project):
    project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
    national = step_at(project, world.nrta)

    with pytest.raises(finals.EarlierFinalStepPending) as excinfo:
        decide(national, world.national_reviewer, clearance_number=licence("012", "总局"))
    assert excinfo.value.status_code == 409
    assert "Shanghai bureau" in excinfo.value.detail

    decide(step_at(project, world.shanghai), world.shanghai_reviewer)
    assert state_of(project) == "final_review"  # one step approved, one still to decide
    assert not Clearance.objects.filter(project=project).exists()
    options = transition_options(Project.objects.get(pk=project.pk), world.national_reviewer)
    clear = next(o for o in options if o.name == "clear")
    assert not clear.allowed
    assert "finished-cut review's decision" in clear.reasons[0]

    decide(national, world.national_reviewer, clearance_number=licence("012", "总局"))

    assert state_of(project) == "cleared"
    clearance = Clearance.objects.get(project=project)
    assert (clearance.kind, clearance.issued_by) == ("distribution_licence", world.nrta)


def test_a_number_on_a_step_that_does_not_complete_the_review_is_refused(world, make_project):
    project = to_final_review(world, make_project, tier="KEY", special_subject=True)

    with pytest.raises(ValidationError) as excinfo:
        decide(
            step_at(project, world.shanghai), world.shanghai_reviewer, clearance_number=licence()
        )

    assert "The joint review at National administration" in str(
        excinfo.value.message_dict["clearance_number"]
    )
    assert steps(project)[0][3] == "pending"


def test_the_completing_approval_needs_the_number(world, make_project):
    project = to_final_review(world, make_project)
    with pytest.raises(ValidationError) as excinfo:
        decide(step_at(project, world.shanghai), world.shanghai_reviewer)
    assert "clearance_number" in excinfo.value.message_dict
    assert state_of(project) == "final_review"
    assert steps(project) == [("Shanghai bureau", 1, 1, "pending")]


def test_a_malformed_number_is_refused_on_the_clearance_number(world, make_project):
    project = to_final_review(world, make_project)
    with pytest.raises(ValidationError) as excinfo:
        decide(step_at(project, world.shanghai), world.shanghai_reviewer, clearance_number="X1")
    assert "clearance_number" in excinfo.value.message_dict
    assert state_of(project) == "final_review"
    assert steps(project) == [("Shanghai bureau", 1, 1, "pending")]


def test_the_platform_reviews_an_other_project_itself(world, make_project):
    project = to_final_review(world, make_project, tier="OTHER")
    review = step_at(project, world.platform)

    with pytest.raises(PermissionDenied):
        decide(review, world.shanghai_reviewer, clearance_number="PP-2026-0042")
    with pytest.raises(PermissionDenied):
        decide(review, world.other_content_manager, clearance_number="PP-2026-0042")

    decide(review, world.content_manager, clearance_number="PP-2026-0042")

    assert state_of(project) == "cleared"
    clearance = Clearance.objects.get(project=project)
    assert (clearance.kind, clearance.issued_by) == ("platform_approval", world.platform)


def test_a_decided_step_cannot_be_decided_again(world, make_project):
    project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
    review = step_at(project, world.shanghai)
    decide(review, world.shanghai_reviewer)
    with pytest.raises(ReviewNotPending):
        decide(review, world.shanghai_reviewer, outcome="reject", comment="changed mind")
    assert state_of(project) == "final_review"


# Changes requested, resubmission ------------------------------------------------------------


def test_request_changes_sends_the_cut_back_with_findings(world, make_project):
    project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
    review = step_at(project, world.shanghai)

    decide(
        review,
        world.shanghai_reviewer,
        outcome="request_changes",
        comment="One point.",
        items=[FINDING],
    )

    assert state_of(project) == "final_changes"
    item = FeedbackItem.objects.get(project=project)
    assert (item.stage, item.round, item.regulatory_review_id, item.episode, item.timecode) == (
        "final_review",
        1,
        review.pk,
        12,
        "01:05",
    )
    # The national step waiting behind it is closed with the round.
    assert steps(project) == [
        ("Shanghai bureau", 1, 1, "changes_requested"),
        ("National administration", 2, 1, "superseded"),
    ]


def test_request_changes_needs_findings(world, make_project):
    project = to_final_review(world, make_project)
    with pytest.raises(ValidationError) as excinfo:
        decide(step_at(project, world.shanghai), world.shanghai_reviewer, outcome="request_changes")
    assert "items" in excinfo.value.message_dict
    assert state_of(project) == "final_review"


def test_resubmit_final_is_refused_while_must_fix_findings_are_open(world, make_project):
    project = to_final_review(world, make_project)
    decide(
        step_at(project, world.shanghai),
        world.shanghai_reviewer,
        outcome="request_changes",
        items=[FINDING],
    )

    with pytest.raises(GuardsNotMet) as excinfo:
        services.project_transition(project=project, name="resubmit_final", actor=world.producer_a)

    assert "Blur the brand logo." in " ".join(excinfo.value.reasons)
    assert state_of(project) == "final_changes"


def test_resubmission_reopens_only_the_steps_not_approved(world, make_project):
    project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
    decide(step_at(project, world.shanghai), world.shanghai_reviewer)
    decide(
        step_at(project, world.nrta),
        world.national_reviewer,
        outcome="request_changes",
        items=[FINDING],
    )
    item = FeedbackItem.objects.get(project=project)
    feedback_item_respond(item=item, actor=world.producer_a, status="addressed", response="Done.")

    project = services.project_transition(
        project=project, name="resubmit_final", actor=world.producer_a
    )

    assert (project.state, project.review_round) == ("final_review", 2)
    assert steps(project) == [
        ("Shanghai bureau", 1, 1, "approved"),
        ("National administration", 2, 1, "changes_requested"),
        ("National administration", 2, 2, "pending"),
    ]
    decide(
        step_at(project, world.nrta),
        world.national_reviewer,
        clearance_number=licence("007", "总局"),
    )
    assert state_of(project) == "cleared"


def test_resubmission_after_the_first_step_asked_for_changes_opens_every_step(world, make_project):
    project = to_final_review(world, make_project, tier="KEY", homepage_promotion=True)
    decide(
        step_at(project, world.shanghai),
        world.shanghai_reviewer,
        outcome="request_changes",
        items=[FINDING],
    )
    feedback_item_respond(
        item=FeedbackItem.objects.get(project=project),
        actor=world.producer_a,
        status="addressed",
        response="Done.",
    )
    project = services.project_transition(
        project=project, name="resubmit_final", actor=world.producer_a
    )

    # The national step of the new round waits for the bureau's new decision, not the old one.
    decide(step_at(project, world.shanghai), world.shanghai_reviewer)
    decide(
        step_at(project, world.nrta),
        world.national_reviewer,
        clearance_number=licence("003", "总局"),
    )
    assert state_of(project) == "cleared"


def test_resubmit_final_needs_the_checklist_still_complete(world, make_project):
    project = to_final_review(world, make_project)
    decide(
        step_at(project, world.shanghai),
        world.shanghai_reviewer,
        outcome="request_changes",
        items=[FINDING],
    )
    project.refresh_from_db()
    feedback_item_respond(
        item=FeedbackItem.objects.get(project=project),
        actor=world.producer_a,
        status="addressed",
        response="Blurred.",
    )
    confirmation = project.checklist_confirmations.get(item__code="cast-fee-pledge")
    checklists.checklist_item_unconfirm(confirmation=confirmation, actor=world.producer_a)

    with pytest.raises(GuardsNotMet) as excinfo:
        services.project_transition(project=project, name="resubmit_final", actor=world.producer_a)

    assert excinfo.value.reasons == [
        "The compliance checklist of Shanghai bureau is missing: cast-fee pledge."
    ]


# Rejection and the loss ---------------------------------------------------------------------


def test_rejection_rejects_the_project_and_records_the_planned_budget_as_the_loss(
    world, make_project
):
    project = to_final_review(
        world, make_project, tier="KEY", homepage_promotion=True, planned_budget="1250000.00"
    )
    review = step_at(project, world.shanghai)

    decide(review, world.shanghai_reviewer, outcome="reject", comment="Glorifies gambling.")

    assert state_of(project) == "rejected"
    loss = ProjectLoss.objects.get(project=project)
    assert (loss.amount, loss.review, loss.note) == (
        Decimal("1250000.00"),
        review,
        "Glorifies gambling.",
    )
    assert steps(project)[1][3] == "superseded"


def test_the_loss_is_the_approved_budgets_total_when_there_is_one(world, make_project):
    project = to_final_review(world, make_project)
    budget = Budget.objects.create(project=project, status=Budget.Status.APPROVED)
    BudgetLine.objects.create(budget=budget, category="cast", planned=Decimal("200000.00"))
    BudgetLine.objects.create(budget=budget, category="post", planned=Decimal("80000.50"))

    decide(
        step_at(project, world.shanghai), world.shanghai_reviewer, outcome="reject", comment="No."
    )

    assert ProjectLoss.objects.get(project=project).amount == Decimal("280000.50")


def test_rejection_needs_a_comment(world, make_project):
    project = to_final_review(world, make_project)
    with pytest.raises(ValidationError) as excinfo:
        decide(step_at(project, world.shanghai), world.shanghai_reviewer, outcome="reject")
    assert "comment" in excinfo.value.message_dict
    assert state_of(project) == "final_review"
    assert not ProjectLoss.objects.exists()


# Decisions behind the transitions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "actor"),
    [
        ("clear", "shanghai_reviewer"),
        ("request_final_changes", "shanghai_reviewer"),
        ("reject", "shanghai_reviewer"),
    ],
)
def test_the_final_review_transitions_need_a_recorded_decision(world, make_project, name, actor):
    project = to_final_review(world, make_project)

    with pytest.raises(DecisionRequired) as excinfo:
        services.project_transition(project=project, name=name, actor=getattr(world, actor))

    assert "POST /api/v1/final-reviews/{id}/decide/" in str(excinfo.value.detail)
    assert state_of(project) == "final_review"
    assert not ProjectLoss.objects.exists()


def test_only_the_steps_authority_decides(world, make_project):
    project = to_final_review(world, make_project)
    review = step_at(project, world.shanghai)
    for user in (world.producer_a, world.content_manager, world.zhejiang_reviewer):
        with pytest.raises(PermissionDenied):
            decide(review, user, clearance_number=registration())
    assert state_of(project) == "final_review"


def test_confirming_the_checklist_after_a_refused_approval_lets_the_cut_through(
    world, make_project
):
    project = make_project("cut_review")
    confirm_checklist(project, world.producer_a, skip={"content-self-check"})
    with pytest.raises(GuardsNotMet):
        services.project_transition(
            project=project, name="approve_cut", actor=world.content_manager
        )
    confirm_checklist(project, world.producer_a)
    moved = services.project_transition(
        project=project, name="approve_cut", actor=world.content_manager
    )
    assert moved.state == "final_review"


# The national administration as the last step outside KEY ----------------------------------
# (a jurisdiction whose policy does not make these flags KEY still routes the national steps)


def test_an_ordinary_home_page_title_is_cleared_by_the_national_re_review(world, make_project):
    project = to_final_review(world, make_project, tier="ORDINARY", homepage_promotion=True)
    assert [s[:2] for s in steps(project)] == [
        ("Shanghai bureau", 1),
        ("National administration", 2),
    ]
    decide(step_at(project, world.shanghai), world.shanghai_reviewer)

    decide(
        step_at(project, world.nrta),
        world.national_reviewer,
        clearance_number=registration("021", "总局"),
    )

    assert state_of(project) == "cleared"
    assert Clearance.objects.get(project=project).issued_by == world.nrta


def test_an_other_special_subject_gets_the_platforms_number_then_the_joint_review(
    world, make_project
):
    project = to_final_review(world, make_project, tier="OTHER", special_subject=True)
    assert [s[:2] for s in steps(project)] == [("Platform P", 1), ("National administration", 3)]

    with pytest.raises(ValidationError) as excinfo:
        decide(step_at(project, world.platform), world.content_manager)
    assert "clearance_number" in excinfo.value.message_dict
    decide(step_at(project, world.platform), world.content_manager, clearance_number="PP-77")
    assert state_of(project) == "final_review"
    with pytest.raises(ValidationError) as excinfo:
        decide(step_at(project, world.nrta), world.national_reviewer, clearance_number="X-123")
    assert "clearance_number" in excinfo.value.message_dict

    decide(step_at(project, world.nrta), world.national_reviewer)

    assert state_of(project) == "cleared"
    clearance = Clearance.objects.get(project=project)
    assert (clearance.kind, clearance.issued_by, clearance.number) == (
        "platform_approval",
        world.platform,
        "PP-77",
    )
