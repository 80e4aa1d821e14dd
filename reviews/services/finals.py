"""The finished-cut review (成片审查): routing by tier, the authority's decision, the loss of a
rejected project (the compliance checklist the producer confirms before it: ``checklists``).

Steps (``final_review_steps``), decided in sequence, each only once the earlier ones approved:

1. KEY and ORDINARY: the provincial bureau of the producer's province; OTHER: the commissioning
   platform's own review;
2. the national re-review by the national administration, for KEY and ORDINARY projects with
   home-page first-screen promotion;
3. the joint review (联合审查) by the national administration, for a special subject.

The platform's approval of the cut (``approve_cut``) opens round 1's steps; a request for changes
closes the pending ones and ``resubmit_final`` opens, for the new round, the steps not already
approved (approvals stand). The approval that completes the review records the tier's clearance
number and clears the project; a rejection rejects it and records the producer's loss.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models import Budget
from budgets.selectors import budget_totals
from common.errors import DomainError, PermissionDenied
from reviews import handoffs
from reviews.models import (
    CLEARANCE_KIND_FOR_TIER,
    FeedbackItem,
    ProjectLoss,
    RegulatoryReview,
)
from reviews.services.decisions import (
    FILING_NUMBER_MAX_LENGTH,
    Outcome,
    Step,
    check_outcome,
    clean_decision,
    decline,
    lock_pending_among,
    national_administration,
    provincial_bureau,
    record_clearance,
    set_review_status,
    supersede,
)
from workflow import webhooks
from workflow.keys import require_transition_scope
from workflow.models import Membership, Organisation, Project, ProjectState
from workflow.services import transition_fire
from workflow.visibility import memberships_of

Review = RegulatoryReview
FINAL_REVIEW = Review.Kind.FINAL_REVIEW
S = ProjectState

FIRST, NATIONAL_RE_REVIEW, JOINT_REVIEW = 1, 2, 3
CLEARANCE_NUMBER_MAX_LENGTH = FILING_NUMBER_MAX_LENGTH


class ProjectNotInFinalReview(DomainError):
    status_code = 409
    code = "project_not_in_final_review"
    default_detail = _("The finished cut can be decided only while it is in final review.")


class EarlierFinalStepPending(DomainError):
    status_code = 409
    code = "earlier_step_pending"
    default_detail = _("An earlier step of the finished-cut review has not been approved yet.")


# Routing ----------------------------------------------------------------------------------------


def _what() -> str:
    return gettext("the finished-cut review")


def final_review_steps(project: Project) -> list[Step]:
    """The steps of the project's finished-cut review, in order (NoAuthority if one is missing)."""
    if project.review_tier in ("KEY", "ORDINARY"):
        steps = [Step(FIRST, provincial_bureau(project, review=_what()))]
        if project.homepage_promotion:
            steps.append(Step(NATIONAL_RE_REVIEW, national_administration(project, review=_what())))
    else:
        steps = [Step(FIRST, project.platform)]
    if project.special_subject:
        steps.append(Step(JOINT_REVIEW, national_administration(project, review=_what())))
    return steps


def step_name(sequence: int, authority_name: str) -> str:
    if sequence == NATIONAL_RE_REVIEW:
        return gettext("The national re-review at %(authority)s") % {"authority": authority_name}
    if sequence == JOINT_REVIEW:
        return gettext("The joint review at %(authority)s") % {"authority": authority_name}
    return gettext("The finished-cut review at %(authority)s") % {"authority": authority_name}


def _live_steps() -> QuerySet[RegulatoryReview]:
    return (
        Review.objects.filter(kind=FINAL_REVIEW)
        .exclude(status=Review.Status.SUPERSEDED)
        .order_by("round", "sequence", "pk")
    )


def _live_reviews(project: Project, *, lock: bool = True) -> list[RegulatoryReview]:
    queryset = (
        Review.objects.select_for_update() if lock else Review.objects.select_related("authority")
    )
    return list(
        queryset.filter(project=project, kind=FINAL_REVIEW)
        .exclude(status=Review.Status.SUPERSEDED)
        .order_by("round", "sequence", "pk")
    )


def _approved_steps(reviews: list[RegulatoryReview], tier: str) -> set[tuple[int, int]]:
    return {
        (r.sequence, r.authority_id)
        for r in reviews
        if r.status == Review.Status.APPROVED and r.tier == tier
    }


def final_reviews_open(project: Project) -> list[RegulatoryReview]:
    """Open the current round's steps that are not approved yet (the project locked by the caller).

    Pending steps of an earlier round, and steps of another tier, are superseded first.
    """
    steps = final_review_steps(project)
    live = _live_reviews(project)
    supersede(
        [r for r in live if r.status == Review.Status.PENDING or r.tier != project.review_tier]
    )
    approved = _approved_steps(live, project.review_tier)
    return Review.objects.bulk_create(
        [
            Review(
                project=project,
                kind=FINAL_REVIEW,
                authority=step.authority,
                sequence=step.sequence,
                round=project.review_round,
                tier=project.review_tier,
            )
            for step in steps
            if (step.sequence, step.authority.pk) not in approved
        ]
    )


def final_reviews_close(project: Project) -> None:
    """Supersede the pending steps: the cut left the authorities' hands."""
    supersede(
        list(
            Review.objects.select_for_update().filter(
                project=project, kind=FINAL_REVIEW, status=Review.Status.PENDING
            )
        )
    )


def unapproved_steps(
    project: Project,
    *,
    steps: list[Step] | None = None,
    live: list[RegulatoryReview] | None = None,
) -> list[tuple[Step, str | None]]:
    """The needed steps without an approval for the tier, each with its latest status (or None).

    ``steps``, ``live``: the project's ``final_review_steps`` and live steps, when the caller
    has them already."""
    steps = final_review_steps(project) if steps is None else steps
    live = _live_reviews(project, lock=False) if live is None else live
    approved = _approved_steps(live, project.review_tier)
    latest = {(r.sequence, r.authority_id): r.status for r in live if r.tier == project.review_tier}
    return [
        (step, latest.get((step.sequence, step.authority.pk)))
        for step in steps
        if (step.sequence, step.authority.pk) not in approved
    ]


# The authority's decision -------------------------------------------------------------------


def may_decide(user, authority: Organisation) -> bool:
    """A reviewer of the regulator, or for a platform (OTHER tier) one of its content managers."""
    role = (
        Membership.Role.CONTENT_MANAGER
        if authority.kind == Organisation.Kind.PLATFORM
        else Membership.Role.REGULATOR_REVIEWER
    )
    return any(m.organisation_id == authority.pk and m.role == role for m in memberships_of(user))


def _check_earlier_steps(review: RegulatoryReview, live: list[RegulatoryReview]) -> None:
    """``live``: the project's live steps (``_live_reviews``), their authorities joined."""
    earlier = sorted(
        (r.sequence, r.authority.name)
        for r in live
        if r.tier == review.tier
        and r.round == review.round
        and r.sequence < review.sequence
        and r.status != Review.Status.APPROVED
    )
    if earlier:
        raise EarlierFinalStepPending(
            gettext("%(steps)s must be approved first.")
            % {"steps": ", ".join(step_name(sequence, name) for sequence, name in earlier)},
        )


def _loss_amount(project: Project) -> Decimal:
    budget = Budget.objects.filter(project=project, status=Budget.Status.APPROVED).first()
    if budget is not None:
        return budget_totals(budget)["planned_total"]
    return project.planned_budget


@transaction.atomic
def final_review_decide(
    *,
    review: RegulatoryReview,
    actor,
    outcome: str,
    clearance_number: str = "",
    expires_on: date | None = None,
    comment: str = "",
    items: list[dict[str, Any]] | None = None,
) -> RegulatoryReview:
    """Decide a pending step of the finished-cut review: approve, request changes, or reject.

    An approval that leaves another step to decide only approves the step; the approval that
    completes the review clears the project and records the clearance (the tier's kind, issued by
    the step's authority), so ``clearance_number`` is required there and refused elsewhere. (For
    an OTHER special subject the platform's approval, which precedes the joint review, records
    the platform's approval number: see ``issuing_step``.)
    Requesting changes needs feedback items, at least one of them must-fix (the producer
    answers them in final_changes);
    rejecting needs a comment, rejects the project and records the producer's loss.
    """
    check_outcome(outcome)
    require_transition_scope(actor)
    if review.kind != FINAL_REVIEW:
        raise ValidationError({"review": _("This is not a step of a finished-cut review.")})
    if not may_decide(actor, review.authority):
        raise PermissionDenied(_("Only a reviewer of the authority may decide this review."))
    clearance_number, comment = clean_decision(
        outcome=outcome,
        comment=comment,
        items=items,
        number=clearance_number,
        number_field="clearance_number",
        number_max_length=CLEARANCE_NUMBER_MAX_LENGTH,
        number_required=False,
        number_refused=_("Only an approval records a number."),
        must_fix_required=True,
    )
    if outcome != Outcome.APPROVE and expires_on is not None:
        raise ValidationError({"expires_on": _("Only an approval records a clearance.")})

    # The project's live steps, which the decision reads, are locked with the review.
    project, review, live = lock_pending_among(review, _live_steps())
    if project.state != S.FINAL_REVIEW:
        raise ProjectNotInFinalReview()
    _check_earlier_steps(review, live)

    now = timezone.now()
    review.decided_by, review.decided_at, review.comment = actor, now, comment
    if outcome == Outcome.APPROVE:
        _approve(
            review,
            project=project,
            actor=actor,
            now=now,
            number=clearance_number,
            expires_on=expires_on,
            live=live,
        )
        handoffs.review_decided(review=review)
        return review

    project = decline(
        review,
        project=project,
        actor=actor,
        outcome=outcome,
        items=items,
        stage=FeedbackItem.Stage.FINAL_REVIEW,
        changes_transition="request_final_changes",
    )
    if outcome == Outcome.REJECT:
        ProjectLoss.objects.create(
            project=project,
            amount=_loss_amount(project),
            review=review,
            recorded_at=now,
            note=comment,
        )
    return review


def issues_clearance(authority: Organisation, tier: str) -> bool:
    """Whether the authority issues the tier's clearance: the platform its approval number for
    OTHER, a regulator the licence or registration number for KEY and ORDINARY."""
    if tier == "OTHER":
        return authority.kind == Organisation.Kind.PLATFORM
    return authority.kind == Organisation.Kind.REGULATOR


def issuing_step(project: Project, *, steps: list[Step] | None = None) -> Step | None:
    """The step whose approval records the clearance: the last one whose authority issues it.

    That is the step completing the review, except for an OTHER special subject, where the joint
    review by the national administration follows the platform's own (which issues the number).
    """
    issuers = [
        step
        for step in (final_review_steps(project) if steps is None else steps)
        if issues_clearance(step.authority, project.review_tier)
    ]
    return issuers[-1] if issuers else None


def _approve(
    review, *, project, actor, now, number: str, expires_on: date | None, live: list
) -> None:
    steps = final_review_steps(project)
    remaining = [
        step
        for step, _status in unapproved_steps(project, steps=steps, live=live)
        if (step.sequence, step.authority.pk) != (review.sequence, review.authority_id)
    ]
    completes = not remaining
    issuer = issuing_step(project, steps=steps)
    issues = issuer is not None and (issuer.sequence, issuer.authority.pk) == (
        review.sequence,
        review.authority_id,
    )
    if issues and not number:
        raise ValidationError(
            {
                "clearance_number": _(
                    "This approval records the clearance of the finished-cut review: enter the "
                    "number issued."
                )
            }
        )
    if not issues and (number or expires_on is not None):
        field = "clearance_number" if number else "expires_on"
        if completes or issuer is None:
            message = _("The clearance was recorded by an earlier step; this one records none.")
        else:
            message = _(
                "The clearance is recorded by the approval that completes the review; "
                "%(steps)s still to decide."
            ) % {"steps": ", ".join(step_name(s.sequence, s.authority.name) for s in remaining)}
        raise ValidationError({field: message})
    set_review_status(review, Review.Status.APPROVED, actor=actor, project=project)
    review.filing_number = number
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
    clearance = None
    if issues:
        extra = {"expires_on": expires_on} if expires_on is not None else {}
        clearance = record_clearance(
            review,
            project=project,
            kind=CLEARANCE_KIND_FOR_TIER[project.review_tier],
            number=number,
            actor=actor,
            now=now,
            field="clearance_number",
            **extra,
        )
    # Cause first: the decision, the clearance it issued, then the project's move.
    webhooks.review_decided(
        review=review, project=project, state=S.CLEARED if completes else project.state
    )
    if clearance is not None:
        webhooks.clearance_issued(clearance=clearance, project=project)
    if completes:
        transition_fire(
            project=project, name="clear", actor=actor, comment=review.comment, decision=review
        )
