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

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Clearance
from contracts.services import clearance_record
from reviews.models import FeedbackItem, RegulatoryReview
from reviews.services.feedback import feedback_items_add
from workflow.exceptions import ConcurrentUpdate, DomainError, PermissionDenied
from workflow.models import Membership, Organisation, Project, ProjectState
from workflow.provinces import Province
from workflow.selectors import memberships_of
from workflow.services import COMMENT_MAX_LENGTH, project_lock, project_transition

Review = RegulatoryReview
PLANNING_FILING = Review.Kind.PLANNING_FILING
S = ProjectState

# A tier change in these states opens the new tier's filings at once; in draft and revising the
# next (re)submission opens them; from the cut review on, the finished-cut review takes over.
REOPEN_ON_TIER_CHANGE = frozenset({S.SUBMITTED, S.GREENLIT, S.IN_PRODUCTION})


class NoAuthority(DomainError):
    status_code = 409
    code = "no_authority"
    default_detail = _("There is no authority to file this project with.")


class ReviewNotPending(DomainError):
    status_code = 409
    code = "review_not_pending"
    default_detail = _("This review has already been decided or superseded.")


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


@dataclass(frozen=True)
class Step:
    sequence: int
    authority: Organisation


def _provincial_bureau(province: str, *, review=None) -> Organisation:
    """The bureau of the province; ``review`` names what is being routed, for the refusal."""
    bureau = (
        Organisation.objects.filter(
            kind=Organisation.Kind.REGULATOR,
            level=Organisation.Level.PROVINCIAL,
            province=province,
        )
        .order_by("pk")
        .first()
    )
    if bureau is None:
        label = Province(province).label if province in Province.values else province
        raise NoAuthority(
            _(
                "There is no provincial bureau for %(province)s, so %(review)s cannot be "
                "routed. An administrator must add the bureau first."
            )
            % {"province": label, "review": review or _("the planning filing")}
        )
    return bureau


def _national_administration(*, review=None) -> Organisation:
    national = (
        Organisation.objects.filter(
            kind=Organisation.Kind.REGULATOR, level=Organisation.Level.NATIONAL
        )
        .order_by("pk")
        .first()
    )
    if national is None:
        raise NoAuthority(
            _(
                "There is no national administration, so %(review)s cannot be routed. An "
                "administrator must add it first."
            )
            % {"review": review or _("the KEY planning filing")}
        )
    return national


def needed_steps(project: Project) -> list[Step]:
    """The planning-filing steps the project's current tier needs, in order."""
    if project.review_tier == "ORDINARY":
        return [Step(1, _provincial_bureau(project.producer.province))]
    if project.review_tier == "KEY":
        return [
            Step(1, _provincial_bureau(project.producer.province)),
            Step(2, _national_administration()),
        ]
    return []


def _live_reviews(project: Project) -> list[RegulatoryReview]:
    return list(
        Review.objects.select_for_update()
        .filter(project=project, kind=PLANNING_FILING)
        .exclude(status=Review.Status.SUPERSEDED)
        .order_by("round", "sequence", "pk")
    )


def _supersede(reviews: list[RegulatoryReview]) -> None:
    if reviews:
        Review.objects.filter(pk__in=[r.pk for r in reviews]).update(
            status=Review.Status.SUPERSEDED, updated_at=timezone.now()
        )


def planning_filings_open(project: Project) -> list[RegulatoryReview]:
    """Bring the project's planning filings in line with its tier and round.

    Runs inside the caller's transaction (a transition or a tier change) with the project locked.
    Pending reviews and reviews for another tier are superseded; each step the tier needs gets a
    pending review for the current round unless an approval for the tier already stands.
    Raises NoAuthority (nothing is written) when an authority the tier needs does not exist.
    """
    steps = needed_steps(project)
    live = _live_reviews(project)
    stale = [r for r in live if r.status == Review.Status.PENDING or r.tier != project.review_tier]
    _supersede(stale)
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
    _supersede(
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
        _supersede([r for r in _live_reviews(project) if r.tier != project.review_tier])


# The reviewer's decision --------------------------------------------------------------------


class Outcome:
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    CHOICES = (
        (APPROVE, _("Approve and record the filing number")),
        (REQUEST_CHANGES, _("Request changes")),
        (REJECT, _("Reject")),
    )


FILING_NUMBER_MAX_LENGTH = Review._meta.get_field("filing_number").max_length


def _lock_review(review_id: int) -> RegulatoryReview:
    try:
        return (
            Review.objects.select_for_update(nowait=True, of=("self",))
            .select_related("authority")
            .get(pk=review_id)
        )
    except DatabaseError as exc:
        raise ConcurrentUpdate(
            _("Someone else is deciding this review at the same time; reload and retry.")
        ) from exc


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


def _clean_text(value: str, field: str, *, required: bool, max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required for this outcome.")})
    if len(value) > max_length:
        raise ValidationError({field: _("Keep it under %(n)d characters.") % {"n": max_length}})
    return value


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
    if outcome not in dict(Outcome.CHOICES):
        raise ValidationError({"outcome": _("Choose approve, request_changes or reject.")})
    if review.kind != PLANNING_FILING:
        raise NotAPlanningFiling()
    if not is_reviewer_of(actor, review.authority_id):
        raise PermissionDenied(_("Only a reviewer of the authority may decide this review."))
    filing_number = _clean_text(
        filing_number,
        "filing_number",
        required=outcome == Outcome.APPROVE,
        max_length=FILING_NUMBER_MAX_LENGTH,
    )
    comment = _clean_text(
        comment, "comment", required=outcome == Outcome.REJECT, max_length=COMMENT_MAX_LENGTH
    )
    if outcome != Outcome.APPROVE and filing_number:
        raise ValidationError({"filing_number": _("Only an approval records a filing number.")})
    if outcome == Outcome.REQUEST_CHANGES and not items:
        raise ValidationError({"items": _("Name at least one change the producer must make.")})
    if outcome != Outcome.REQUEST_CHANGES and items:
        raise ValidationError({"items": _("Feedback items go with a request for changes.")})

    # The project first, then the review: the same order as every transition.
    project = project_lock(review.project_id)
    review = _lock_review(review.pk)
    if review.status != Review.Status.PENDING:
        raise ReviewNotPending(
            _("This review is already %(status)s.")
            % {"status": str(review.get_status_display()).lower()}
        )
    _check_earlier_steps(review)
    if outcome != Outcome.APPROVE and project.state != S.SUBMITTED:
        raise ProjectNotUnderReview()

    now = timezone.now()
    review.decided_by, review.decided_at, review.comment = actor, now, comment
    if outcome == Outcome.APPROVE:
        _record_filing_number(review, project=project, number=filing_number, actor=actor, now=now)
        review.status = Review.Status.APPROVED
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
        return review

    review.status = (
        Review.Status.CHANGES_REQUESTED
        if outcome == Outcome.REQUEST_CHANGES
        else Review.Status.REJECTED
    )
    review.save(update_fields=["status", "comment", "decided_by", "decided_at", "updated_at"])
    if outcome == Outcome.REQUEST_CHANGES:
        feedback_items_add(
            project=project,
            stage=FeedbackItem.Stage.PLANNING_FILING,
            round=review.round,
            items=items or [],
            actor=actor,
            regulatory_review=review,
        )
        project_transition(project=project, name="request_revision", actor=actor, comment=comment)
    else:
        project_transition(project=project, name="reject", actor=actor, comment=comment)
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


def record_clearance(
    review, *, project, kind: str, number: str, actor, now, field: str, **extra
) -> Clearance:
    """Record the number the review's authority issued; its errors are keyed ``field``."""
    try:
        return clearance_record(
            project=project,
            kind=kind,
            number=number,
            issued_by=review.authority,
            actor=actor,
            issued_at=now,
            **extra,
        )
    except ValidationError as exc:  # the clearance's number is the review's number field
        errors = exc.update_error_dict({})
        raise ValidationError(
            {(field if name == "number" else name): e for name, e in errors.items()}
        ) from exc
