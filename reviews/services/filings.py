"""Planning filings (规划备案): routing to the tier's authorities and the reviewer's decision.

Which authority files which project (``needed_steps``):

- ORDINARY: the provincial bureau of the producer's province (sequence 1);
- KEY: that bureau's first check (sequence 1), then the national administration's re-check
  (sequence 2), which can only be decided once the first check is approved;
- OTHER: none; the platform reviews the content itself.

A review is for one tier (``RegulatoryReview.tier``): an approval counts only while the project
stays in that tier. Pending reviews exist only while the proposal is with the reviewers:

- submit opens round 1's reviews;
- a request for revision (by the platform or a regulator), a rejection or a withdrawal
  supersedes the pending ones;
- resubmit opens round N's reviews for the steps not already approved for the current tier, so
  an approval survives a platform-only revision, and an authority that requested changes files the
  revised proposal again;
- a tier change (``tier_changed``) supersedes every review of the old tier, approved or not, and
  opens what the new tier needs; while the producer is revising, resubmit opens them instead.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from reviews import handoffs
from reviews.models import Clearance, FeedbackItem, RegulatoryReview
from reviews.services.decisions import (
    FILING_NUMBER_MAX_LENGTH,
    NoAuthority,  # noqa: F401 - raised by the routing, caught by callers
    Outcome,
    ReviewNotPending,  # noqa: F401 - raised by lock_pending, caught by callers
    Step,
    check_outcome,
    clean_decision,
    decline,
    lock_pending,
    national_administration,
    provincial_bureau,
    record_clearance,
    set_review_status,
    supersede,
)
from workflow import webhooks
from workflow.keys import require_transition_scope
from workflow.models import Membership, Project, ProjectState
from workflow.visibility import memberships_of

Review = RegulatoryReview
PLANNING_FILING = Review.Kind.PLANNING_FILING
S = ProjectState

# A tier change in these states opens the new tier's filings at once; in draft and revising the
# next (re)submission opens them; from the cut review on, the finished-cut review takes over.
REOPEN_ON_TIER_CHANGE = frozenset({S.SUBMITTED, S.GREENLIT, S.IN_PRODUCTION})


class EarlierStepPending(DomainError):
    status_code = 409
    code = "earlier_step_pending"
    default_detail = _("The earlier step of this filing has not been approved yet.")


class NotAPlanningFiling(DomainError):
    status_code = 409
    code = "not_a_planning_filing"
    default_detail = _(
        "This is a step of the finished-cut review: decide it through the finished-cut review."
    )


class ProjectNotUnderReview(DomainError):
    status_code = 409
    code = "project_not_under_review"
    default_detail = _(
        "Changes can be requested, or the proposal rejected, only while it is submitted."
    )


def needed_steps(project: Project) -> list[Step]:
    """The planning-filing steps the project's current tier needs, in order."""
    if project.review_tier == "ORDINARY":
        return [Step(1, provincial_bureau(project))]
    if project.review_tier == "KEY":
        return [
            Step(1, provincial_bureau(project)),
            Step(2, national_administration(project)),
        ]
    return []


def _live_reviews(project: Project) -> list[RegulatoryReview]:
    return list(
        Review.objects.select_for_update()
        .filter(project=project, kind=PLANNING_FILING)
        .exclude(status=Review.Status.SUPERSEDED)
        .order_by("round", "sequence", "pk")
    )


def planning_filings_open(project: Project, *, first: bool = False) -> list[RegulatoryReview]:
    """Bring the project's planning filings in line with its tier and round.

    Runs inside the caller's transaction (a transition or a tier change) with the project locked.
    Pending reviews and reviews for another tier are superseded; each step the tier needs gets a
    pending review for the current round unless an approval for the tier already stands.
    Raises NoAuthority (nothing is written) when an authority the tier needs does not exist.
    ``first``: the proposal's first submission, before which it has no filings to read.
    """
    steps = needed_steps(project)
    live = [] if first else _live_reviews(project)
    stale = [r for r in live if r.status == Review.Status.PENDING or r.tier != project.review_tier]
    supersede(stale)
    approved = {
        (r.sequence, r.authority_id)
        for r in live
        if r.status == Review.Status.APPROVED and r.tier == project.review_tier
    }
    opened = [
        Review(
            project=project,
            kind=PLANNING_FILING,
            authority=step.authority,
            sequence=step.sequence,
            round=project.review_round,
            tier=project.review_tier,
        )
        for step in steps
        if (step.sequence, step.authority.pk) not in approved
    ]
    return Review.objects.bulk_create(opened)


def planning_filings_close(project: Project) -> None:
    """Supersede the pending filings: the proposal left the reviewers' hands."""
    supersede(
        list(
            Review.objects.select_for_update().filter(
                project=project, kind=PLANNING_FILING, status=Review.Status.PENDING
            )
        )
    )


def planning_filings_retier(project: Project, *, previous: str) -> None:
    """The tier moved after submission: drop the old tier's filings, open the new tier's."""
    if project.state in REOPEN_ON_TIER_CHANGE:
        planning_filings_open(project)
    else:
        supersede([r for r in _live_reviews(project) if r.tier != project.review_tier])


# The reviewer's decision --------------------------------------------------------------------


def is_reviewer_of(user, authority_id: int) -> bool:
    return any(
        m.organisation_id == authority_id and m.role == Membership.Role.REGULATOR_REVIEWER
        for m in memberships_of(user)
    )


def _check_earlier_steps(review: RegulatoryReview) -> None:
    earlier = (
        Review.objects.filter(
            project_id=review.project_id,
            kind=review.kind,
            tier=review.tier,
            sequence__lt=review.sequence,
        )
        .exclude(status=Review.Status.SUPERSEDED)
        .exclude(status=Review.Status.APPROVED)
    )
    if earlier.exists():
        raise EarlierStepPending(
            _(
                "The first check by the provincial bureau must be approved before the national "
                "administration decides."
            )
        )


@transaction.atomic
def regulatory_review_decide(
    *,
    review: RegulatoryReview,
    actor,
    outcome: str,
    filing_number: str = "",
    comment: str = "",
    items: list[dict[str, Any]] | None = None,
) -> RegulatoryReview:
    """Decide a pending planning filing: approve, request changes, or reject.

    Approving records the filing number on the review and as a Clearance issued by the authority
    (unique per authority). Requesting changes needs feedback items and sends the proposal back
    to the producer (``request_revision``); rejecting needs a comment and rejects the proposal.
    """
    check_outcome(outcome)
    require_transition_scope(actor)
    if review.kind != PLANNING_FILING:
        raise NotAPlanningFiling()
    if not is_reviewer_of(actor, review.authority_id):
        raise PermissionDenied(_("Only a reviewer of the authority may decide this review."))
    filing_number, comment = clean_decision(
        outcome=outcome,
        comment=comment,
        items=items,
        number=filing_number,
        number_field="filing_number",
        number_max_length=FILING_NUMBER_MAX_LENGTH,
        number_required=True,
        number_refused=_("Only an approval records a filing number."),
    )

    project, review = lock_pending(review)
    _check_earlier_steps(review)
    if outcome != Outcome.APPROVE and project.state != S.SUBMITTED:
        raise ProjectNotUnderReview()

    review.decided_by, review.decided_at, review.comment = actor, timezone.now(), comment
    if outcome == Outcome.APPROVE:
        clearance = _record_filing_number(
            review, project=project, number=filing_number, actor=actor, now=review.decided_at
        )
        set_review_status(review, Review.Status.APPROVED, actor=actor, project=project)
        review.filing_number = filing_number
        review.save(
            update_fields=[
                "status",
                "filing_number",
                "comment",
                "decided_by",
                "decided_at",
                "updated_at",
            ]
        )
        webhooks.review_decided(review=review, project=project)
        webhooks.clearance_issued(clearance=clearance, project=project)
        handoffs.review_decided(review=review)
        return review

    project = decline(
        review,
        project=project,
        actor=actor,
        outcome=outcome,
        items=items,
        stage=FeedbackItem.Stage.PLANNING_FILING,
        changes_transition="request_revision",
    )
    handoffs.review_decided(review=review)
    return review


def _record_filing_number(review, *, project, number: str, actor, now) -> Clearance:
    return record_clearance(
        review,
        project=project,
        kind=Clearance.Kind.PLANNING_FILING,
        number=number,
        actor=actor,
        now=now,
        field="filing_number",
    )
