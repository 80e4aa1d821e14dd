"""Planning filings: routing by tier, the reviewer's decision, the greenlight guard, re-routing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from common.errors import PermissionDenied
from reviews.models import Clearance, FeedbackItem, RegulatoryReview
from reviews.rules.filings import planning_filing_reasons
from reviews.services.filings import (
    EarlierStepPending,
    NoAuthority,
    ProjectNotUnderReview,
    ReviewNotPending,
    regulatory_review_decide,
)
from tests.conftest import fire_transition
from tests.factories import MembershipFactory, OrganisationFactory
from tests.reviews.evaluation_helpers import put_decision
from workflow import guards, services
from workflow.models import Project, ProjectTransition

Review = RegulatoryReview
KEY_BUDGET = "1200000.00"
ORDINARY_BUDGET = "450000.00"
OTHER_BUDGET = "120000.00"
MUST_FIX = {
    "text": "Move the reveal before the paywall.",
    "category": "content",
    "severity": "must_fix",
}


def submit(world, make_project, budget=ORDINARY_BUDGET, *, producer=None, actor=None):
    project = make_project("draft", planned_budget=budget, producer=producer)
    return services.project_transition(
        project=project, name="submit", actor=actor or world.producer_a
    )


def filings(project):
    return list(
        Review.objects.filter(project=project)
        .order_by("round", "sequence", "pk")
        .values_list("authority__name", "sequence", "round", "tier", "status")
    )


def review_at(project, authority, *, status="pending"):
    return Review.objects.get(project=project, authority=authority, status=status)


def approve(review, actor, number):
    return regulatory_review_decide(
        review=review, actor=actor, outcome="approve", filing_number=number
    )


# Routing -----------------------------------------------------------------------------------


def test_ordinary_goes_to_the_home_bureau_only(world, make_project):
    project = submit(world, make_project, ORDINARY_BUDGET)
    assert project.review_tier == "ORDINARY"
    assert filings(project) == [("Shanghai bureau", 1, 1, "ORDINARY", "pending")]


def test_a_zhejiang_producer_files_with_the_zhejiang_bureau(world, make_project):
    project = submit(world, make_project, producer=world.studio_b, actor=world.producer_b)
    assert filings(project) == [("Zhejiang bureau", 1, 1, "ORDINARY", "pending")]


def test_key_goes_to_the_bureau_then_the_national_administration(world, make_project):
    project = submit(world, make_project, KEY_BUDGET)
    assert project.review_tier == "KEY"
    assert filings(project) == [
        ("Shanghai bureau", 1, 1, "KEY", "pending"),
        ("National administration", 2, 1, "KEY", "pending"),
    ]


def test_other_files_nothing(world, make_project):
    project = submit(world, make_project, OTHER_BUDGET)
    assert project.review_tier == "OTHER"
    assert filings(project) == []
    assert planning_filing_reasons(project) == []


def test_no_bureau_for_the_province_refuses_the_submission(world, make_project):
    studio_c = OrganisationFactory(name="Studio C", province="sichuan")
    producer_c = MembershipFactory(organisation=studio_c, role="producer").user
    project = make_project("draft", producer=studio_c)

    with pytest.raises(NoAuthority) as excinfo:
        services.project_transition(project=project, name="submit", actor=producer_c)

    assert excinfo.value.status_code == 409
    assert "Sichuan" in excinfo.value.detail
    project.refresh_from_db()
    assert project.state == "draft"
    assert not ProjectTransition.objects.exists()
    assert not Review.objects.exists()


# Deciding ----------------------------------------------------------------------------------


def test_approval_records_the_filing_number_as_a_clearance(world, make_project):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)

    decided = approve(review, world.shanghai_reviewer, "沪网剧备字（2025）第0417号")

    assert (decided.status, decided.filing_number) == ("approved", "沪网剧备字（2025）第0417号")
    assert decided.decided_by == world.shanghai_reviewer
    assert decided.decided_at is not None
    clearance = Clearance.objects.get(project=project)
    assert (clearance.kind, clearance.number, clearance.issued_by) == (
        "planning_filing",
        "沪网剧备字（2025）第0417号",
        world.shanghai,
    )
    assert clearance.recorded_by == world.shanghai_reviewer
    assert planning_filing_reasons(project) == []
    project.refresh_from_db()
    assert project.state == "submitted"  # the platform still decides


def test_a_filing_number_is_unique_per_authority(world, make_project):
    first = submit(world, make_project)
    second = submit(world, make_project)
    approve(review_at(first, world.shanghai), world.shanghai_reviewer, "SH-2025-001")

    with pytest.raises(ValidationError) as excinfo:
        approve(review_at(second, world.shanghai), world.shanghai_reviewer, "SH-2025-001")

    assert "filing_number" in excinfo.value.message_dict
    assert review_at(second, world.shanghai).filing_number == ""
    assert Clearance.objects.count() == 1
    # One register per kind: another authority cannot reuse the number either.
    zhejiang_project = submit(world, make_project, producer=world.studio_b, actor=world.producer_b)
    with pytest.raises(ValidationError):
        approve(review_at(zhejiang_project, world.zhejiang), world.zhejiang_reviewer, "SH-2025-001")


def test_an_approval_validates_the_clearance_it_records(world, make_project, monkeypatch):
    """Filings record through the clearance service, so its rules hold for them too."""
    validated = []
    full_clean = Clearance.full_clean

    def spy(self, *args, **kwargs):
        validated.append((self.project_id, self.number, self.issued_by_id))
        return full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Clearance, "full_clean", spy)
    project = submit(world, make_project)

    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-2025-001")

    assert validated == [(project.pk, "SH-2025-001", world.shanghai.pk)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "approve"}, "filing_number"),
        ({"outcome": "approve", "filing_number": "   "}, "filing_number"),
        ({"outcome": "reject"}, "comment"),
        ({"outcome": "request_changes"}, "items"),
        ({"outcome": "request_changes", "items": [{"text": "x"}]}, "items.0.category"),
        ({"outcome": "reject", "comment": "no", "filing_number": "X-1"}, "filing_number"),
        ({"outcome": "shrug"}, "outcome"),
    ],
)
def test_each_outcome_needs_its_inputs(world, make_project, kwargs, field):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)

    with pytest.raises(ValidationError) as excinfo:
        regulatory_review_decide(review=review, actor=world.shanghai_reviewer, **kwargs)

    assert field in excinfo.value.message_dict
    review.refresh_from_db()
    assert review.status == "pending"
    assert not FeedbackItem.objects.exists()
    assert Project.objects.get(pk=project.pk).state == "submitted"


def test_request_changes_sends_the_proposal_back_with_items(world, make_project):
    project = submit(world, make_project, KEY_BUDGET)
    review = review_at(project, world.shanghai)

    regulatory_review_decide(
        review=review,
        actor=world.shanghai_reviewer,
        outcome="request_changes",
        comment="Two points before filing.",
        items=[
            MUST_FIX,
            {
                "text": "Consider a shorter title.",
                "category": "commercial",
                "severity": "suggestion",
                "episode": 1,
                "timecode": "00:12",
            },
        ],
    )

    project.refresh_from_db()
    assert project.state == "revising"
    entry = ProjectTransition.objects.get(project=project, name="request_revision")
    assert (entry.actor, entry.organisation, entry.comment) == (
        world.shanghai_reviewer,
        world.shanghai,
        "Two points before filing.",
    )
    items = FeedbackItem.objects.filter(project=project).order_by("pk")
    assert [(i.stage, i.round, i.severity, i.regulatory_review_id) for i in items] == [
        ("planning_filing", 1, "must_fix", review.pk),
        ("planning_filing", 1, "suggestion", review.pk),
    ]
    # The national re-check waiting behind it is withdrawn with the proposal.
    assert filings(project) == [
        ("Shanghai bureau", 1, 1, "KEY", "changes_requested"),
        ("National administration", 2, 1, "KEY", "superseded"),
    ]


def test_reject_needs_a_comment_and_rejects_the_proposal(world, make_project):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)

    regulatory_review_decide(
        review=review, actor=world.shanghai_reviewer, outcome="reject", comment="Distorts history."
    )

    project.refresh_from_db()
    assert project.state == "rejected"
    assert ProjectTransition.objects.get(project=project, name="reject").comment == (
        "Distorts history."
    )
    assert filings(project) == [("Shanghai bureau", 1, 1, "ORDINARY", "rejected")]


@pytest.mark.parametrize(
    "who", ["zhejiang_reviewer", "national_reviewer", "producer_a", "content_manager", "outsider"]
)
def test_only_a_reviewer_of_the_authority_decides(world, make_project, who):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)

    with pytest.raises(PermissionDenied):
        approve(review, getattr(world, who), "SH-1")

    review.refresh_from_db()
    assert review.status == "pending"


def test_an_org_admin_of_the_bureau_is_not_a_reviewer(world, make_project):
    bureau_admin = MembershipFactory(organisation=world.shanghai, role="org_admin").user
    project = submit(world, make_project)
    with pytest.raises(PermissionDenied):
        approve(review_at(project, world.shanghai), bureau_admin, "SH-1")


def test_the_national_re_check_waits_for_the_bureau(world, make_project):
    project = submit(world, make_project, KEY_BUDGET)
    national = review_at(project, world.nrta)

    for outcome, extra in [
        ("approve", {"filing_number": "NR-1"}),
        ("reject", {"comment": "no"}),
        ("request_changes", {"items": [MUST_FIX]}),
    ]:
        with pytest.raises(EarlierStepPending):
            regulatory_review_decide(
                review=national, actor=world.national_reviewer, outcome=outcome, **extra
            )
    assert not Clearance.objects.exists()

    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-1")
    assert planning_filing_reasons(project) == [
        "The planning filing re-check at National administration is still pending."
    ]
    approve(national, world.national_reviewer, "NR-1")
    assert planning_filing_reasons(project) == []
    assert Clearance.objects.filter(project=project).count() == 2


def test_a_decided_review_cannot_be_decided_again(world, make_project):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)
    approve(review, world.shanghai_reviewer, "SH-1")

    with pytest.raises(ReviewNotPending) as excinfo:
        regulatory_review_decide(
            review=review, actor=world.shanghai_reviewer, outcome="reject", comment="changed mind"
        )
    assert "already approved" in excinfo.value.detail
    assert Project.objects.get(pk=project.pk).state == "submitted"


# Rounds ------------------------------------------------------------------------------------


def _respond_all(project, actor):
    from reviews.services.feedback import feedback_item_respond

    for item in FeedbackItem.objects.filter(project=project, round=project.review_round):
        feedback_item_respond(item=item, actor=actor, status="addressed", response="Done.")


def test_resubmission_after_a_regulators_request_files_again(world, make_project):
    project = submit(world, make_project, KEY_BUDGET)
    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-1")
    regulatory_review_decide(
        review=review_at(project, world.nrta),
        actor=world.national_reviewer,
        outcome="request_changes",
        items=[MUST_FIX],
    )
    project.refresh_from_db()
    _respond_all(project, world.producer_a)

    project = services.project_transition(project=project, name="resubmit", actor=world.producer_a)

    # The bureau's approval stands; the national administration files the revised proposal.
    assert filings(project) == [
        ("Shanghai bureau", 1, 1, "KEY", "approved"),
        ("National administration", 2, 1, "KEY", "changes_requested"),
        ("National administration", 2, 2, "KEY", "pending"),
    ]
    assert planning_filing_reasons(project) == [
        "The planning filing re-check at National administration is still pending."
    ]


def test_a_platform_revision_keeps_an_approved_filing_and_refiles_a_pending_one(
    world, make_project
):
    approved = submit(world, make_project)
    approve(review_at(approved, world.shanghai), world.shanghai_reviewer, "SH-1")
    pending = submit(world, make_project)
    for project in (approved, pending):
        put_decision(project, "revise")
        fire_transition(project=project, name="request_revision", actor=world.content_manager)
    assert review_at(pending, world.shanghai, status="superseded")

    for project in (approved, pending):
        put_decision(project, "revise")
        services.project_transition(project=project, name="resubmit", actor=world.producer_a)

    assert filings(approved) == [("Shanghai bureau", 1, 1, "ORDINARY", "approved")]
    assert planning_filing_reasons(approved) == []
    assert filings(pending) == [
        ("Shanghai bureau", 1, 1, "ORDINARY", "superseded"),
        ("Shanghai bureau", 1, 2, "ORDINARY", "pending"),
    ]


def test_changes_and_rejection_only_while_submitted(world, make_project):
    project = submit(world, make_project)
    review = review_at(project, world.shanghai)
    # A greenlit project whose tier changed gets a pending filing; it can be approved, but the
    # proposal is no longer the reviewers' to send back.
    Project.objects.filter(pk=project.pk).update(state="greenlit")
    with pytest.raises(ProjectNotUnderReview):
        regulatory_review_decide(
            review=review, actor=world.shanghai_reviewer, outcome="reject", comment="no"
        )
    approve(review, world.shanghai_reviewer, "SH-1")


def test_withdrawal_supersedes_pending_filings(world, make_project):
    project = submit(world, make_project)
    put_decision(project, "revise")
    fire_transition(project=project, name="request_revision", actor=world.content_manager)
    services.project_transition(project=project, name="withdraw", actor=world.producer_a)
    assert filings(project) == [("Shanghai bureau", 1, 1, "ORDINARY", "superseded")]


# The greenlight guard ----------------------------------------------------------------------


def test_greenlight_waits_for_the_planning_filing(world, make_project):
    project = submit(world, make_project)

    reasons = guards.unmet(project, "greenlight")
    assert "The planning filing at Shanghai bureau is still pending." in reasons

    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-1")
    assert not [r for r in guards.unmet(project, "greenlight") if "planning filing" in r]


def test_greenlight_guard_names_requested_changes_and_unopened_filings(world, make_project):
    project = make_project("submitted", tier="KEY")  # placed there: nothing was opened
    assert planning_filing_reasons(project) == [
        "The planning filing at Shanghai bureau has not been opened.",
        "The planning filing re-check at National administration has not been opened.",
    ]
    Review.objects.create(
        project=project,
        kind="planning_filing",
        authority=world.shanghai,
        sequence=1,
        round=1,
        tier="KEY",
        status="changes_requested",
    )
    assert planning_filing_reasons(project)[0] == (
        "The planning filing at Shanghai bureau: changes were requested."
    )


def test_greenlight_guard_costs_one_query(world, make_project, django_assert_num_queries):
    project = submit(world, make_project, KEY_BUDGET)
    with django_assert_num_queries(1):
        planning_filing_reasons(project)


# Tier changes after submission ------------------------------------------------------------


def refresh_tier(project, budget):
    """A budget change after submission, as the budget service would make it."""
    Project.objects.filter(pk=project.pk).update(planned_budget=Decimal(budget))
    with transaction.atomic():
        locked = (
            Project.objects.select_for_update()
            .select_related("producer", "platform")
            .get(pk=project.pk)
        )
        return services.project_refresh_tier(project=locked)


def test_crossing_into_key_opens_the_new_filings(world, make_project):
    project = submit(world, make_project, ORDINARY_BUDGET)
    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-1")

    project = refresh_tier(project, KEY_BUDGET)

    assert project.review_tier == "KEY"
    assert project.tier_changed_at is not None
    assert filings(project) == [
        ("Shanghai bureau", 1, 1, "ORDINARY", "superseded"),
        ("Shanghai bureau", 1, 1, "KEY", "pending"),
        ("National administration", 2, 1, "KEY", "pending"),
    ]
    reasons = planning_filing_reasons(project)
    assert reasons[0] == "The review tier changed to Key; its planning filings must be approved."
    assert "The planning filing at Shanghai bureau is still pending." in reasons

    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-2")
    approve(review_at(project, world.nrta), world.national_reviewer, "NR-1")
    assert planning_filing_reasons(project) == []


def test_dropping_to_other_needs_no_filing(world, make_project):
    project = submit(world, make_project, KEY_BUDGET)

    project = refresh_tier(project, OTHER_BUDGET)

    assert project.review_tier == "OTHER"
    assert {status for *_, status in filings(project)} == {"superseded"}
    assert planning_filing_reasons(project) == []


def test_a_tier_change_while_revising_is_filed_on_resubmission(world, make_project):
    project = submit(world, make_project, ORDINARY_BUDGET)
    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-1")
    put_decision(project, "revise")
    project = fire_transition(project=project, name="request_revision", actor=world.content_manager)
    project = services.project_update(
        project=project, actor=world.producer_a, data={"planned_budget": Decimal(KEY_BUDGET)}
    )
    assert project.review_tier == "KEY"
    assert filings(project) == [("Shanghai bureau", 1, 1, "ORDINARY", "superseded")]

    project = services.project_transition(project=project, name="resubmit", actor=world.producer_a)

    assert filings(project)[1:] == [
        ("Shanghai bureau", 1, 2, "KEY", "pending"),
        ("National administration", 2, 2, "KEY", "pending"),
    ]


def test_start_production_after_a_tier_change_waits_for_the_new_filings(world, make_project):
    project = submit(world, make_project, ORDINARY_BUDGET)
    approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-1")
    Project.objects.filter(pk=project.pk).update(state="greenlit")

    project = refresh_tier(project, KEY_BUDGET)

    assert "The planning filing at Shanghai bureau is still pending." in guards.unmet(
        project, "start_production"
    )
    untouched = make_project("greenlit")
    assert not [r for r in guards.unmet(untouched, "start_production") if "filing" in r]


def test_tier_change_without_an_authority_is_refused(world, make_project):
    project = submit(world, make_project, ORDINARY_BUDGET)
    world.nrta.delete()
    with pytest.raises(NoAuthority):
        refresh_tier(project, KEY_BUDGET)
    project.refresh_from_db()
    assert project.review_tier == "ORDINARY"
    assert project.tier_changed_at is None
    assert filings(project) == [("Shanghai bureau", 1, 1, "ORDINARY", "pending")]


def test_times_are_aware(world, make_project):
    project = submit(world, make_project)
    review = approve(review_at(project, world.shanghai), world.shanghai_reviewer, "SH-1")
    assert timezone.is_aware(review.decided_at)
