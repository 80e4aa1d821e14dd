"""What the planning filing and the finished-cut review share: the authorities a review is routed
to, and the reviewer's decision (its input, the locks, a request for changes or a rejection).

Both reviews are ``RegulatoryReview`` rows decided by an authority; each service adds its own
routing, permission and approval on top of these.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from reviews.models import Clearance, FeedbackItem, RegulatoryReview
from reviews.services.clearances import clearance_write
from reviews.services.feedback import feedback_items_add
from workflow import webhooks
from workflow.audit import record_status_change, record_status_changes
from workflow.exceptions import ConcurrentUpdate
from workflow.models import Organisation, Project
from workflow.provinces import Province
from workflow.selectors import regulators_for
from workflow.services import (
    COMMENT_MAX_LENGTH,
    is_lock_timeout,
    project_lock,
    transition_fire,
    transition_target,
)

Review = RegulatoryReview


class NoAuthority(DomainError):
    status_code = 409
    code = "no_authority"
    default_detail = _("There is no authority to file this project with.")


class ReviewNotPending(DomainError):
    status_code = 409
    code = "review_not_pending"
    default_detail = _("This review has already been decided or superseded.")


@dataclass(frozen=True)
class Step:
    sequence: int
    authority: Organisation


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


# Routing ------------------------------------------------------------------------------------


def provincial_bureau(project: Project, *, review=None) -> Organisation:
    """The bureau of the project's province; ``review`` names what is being routed, for the
    refusal."""
    bureau = regulators_for(project).bureau
    if bureau is None:
        province = project.producer.province
        label = Province(province).label if province in Province.values else province
        raise NoAuthority(
            _(
                "There is no provincial bureau for %(province)s, so %(review)s cannot be "
                "routed. An administrator must add the bureau first."
            )
            % {"province": label, "review": review or _("the planning filing")}
        )
    return bureau


def national_administration(project: Project, *, review=None) -> Organisation:
    national = regulators_for(project).national
    if national is None:
        raise NoAuthority(
            _(
                "There is no national administration, so %(review)s cannot be routed. An "
                "administrator must add it first."
            )
            % {"review": review or _("the KEY planning filing")}
        )
    return national


def set_review_status(review: RegulatoryReview, status: str, *, actor, project: Project) -> None:
    """Decide a review (``review.comment`` is its reason): the status and its log entry, made
    for the review's authority."""
    record_status_change(
        review,
        from_status=review.status,
        to_status=status,
        actor=actor,
        organisation=review.authority,
        reason=review.comment,
        project=project,
    )
    review.status = status


def supersede(reviews: list[RegulatoryReview]) -> None:
    if reviews:
        record_status_changes(reviews, to_status=Review.Status.SUPERSEDED)
        Review.objects.filter(pk__in=[r.pk for r in reviews]).update(
            status=Review.Status.SUPERSEDED, updated_at=timezone.now()
        )


# The decision -------------------------------------------------------------------------------


def clean_text(value: str, field: str, *, required: bool, max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required for this outcome.")})
    if len(value) > max_length:
        raise ValidationError({field: _("Keep it under %(n)d characters.") % {"n": max_length}})
    return value


def check_outcome(outcome: str) -> None:
    if outcome not in dict(Outcome.CHOICES):
        raise ValidationError({"outcome": _("Choose approve, request_changes or reject.")})


def _is_must_fix(item: Any) -> bool:
    return isinstance(item, dict) and item.get("severity") == FeedbackItem.Severity.MUST_FIX


def clean_decision(
    *,
    outcome: str,
    comment: str,
    items: list[dict[str, Any]] | None,
    number: str,
    number_field: str,
    number_max_length: int,
    number_required: bool,
    number_refused: str,
    must_fix_required: bool = False,
) -> tuple[str, str]:
    """Check a decision's input before anything is locked; returns the number and the comment.

    The number is what an approval records (``number_field`` names it in the errors): required
    on an approval when ``number_required``, refused with ``number_refused`` on any other
    outcome. A rejection needs a comment; a request for changes needs feedback items (with
    ``must_fix_required``, at least one must-fix item: suggestions alone send nothing back).
    """
    number = clean_text(
        number,
        number_field,
        required=number_required and outcome == Outcome.APPROVE,
        max_length=number_max_length,
    )
    comment = clean_text(
        comment, "comment", required=outcome == Outcome.REJECT, max_length=COMMENT_MAX_LENGTH
    )
    if outcome != Outcome.APPROVE and number:
        raise ValidationError({number_field: number_refused})
    if outcome == Outcome.REQUEST_CHANGES and not items:
        raise ValidationError({"items": _("Name at least one change the producer must make.")})
    if (
        outcome == Outcome.REQUEST_CHANGES
        and must_fix_required
        and not any(map(_is_must_fix, items))
    ):
        raise ValidationError(
            {
                "items": _(
                    "Name at least one must-fix change: suggestions alone do not send the cut back."
                )
            }
        )
    if outcome != Outcome.REQUEST_CHANGES and items:
        raise ValidationError({"items": _("Feedback items go with a request for changes.")})
    return number, comment


def lock_review(review_id: int) -> RegulatoryReview:
    """Lock the review (after its project: ``lock_pending``), waiting as long as the project's
    lock does for another decision on it."""
    return lock_reviews(Review.objects.filter(pk=review_id))[0]


def lock_reviews(queryset: QuerySet[RegulatoryReview]) -> list[RegulatoryReview]:
    """Lock the reviews of ``queryset`` (after their project), their authorities joined."""
    try:
        return list(
            queryset.select_for_update(no_key=True, of=("self",)).select_related("authority")
        )
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        raise ConcurrentUpdate(
            _("Someone else is deciding this review at the same time; reload and retry.")
        ) from exc


def lock_pending(review: RegulatoryReview) -> tuple[Project, RegulatoryReview]:
    """Lock the project, then the review (the order every transition takes); it must be pending."""
    project = project_lock(review.project_id)
    review = lock_review(review.pk)
    return project, _pending(review, project)


def lock_pending_among(
    review: RegulatoryReview, steps: QuerySet[RegulatoryReview]
) -> tuple[Project, RegulatoryReview, list[RegulatoryReview]]:
    """``lock_pending``, the review locked with the other ``steps`` of its project that the
    decision reads (one query for all). Returns the project, the review and the steps."""
    project = project_lock(review.project_id)
    locked = lock_reviews(steps.filter(project=project))
    mine = next((step for step in locked if step.pk == review.pk), None)
    if mine is None:  # not among the steps: decided or superseded meanwhile
        mine = lock_review(review.pk)
    return project, _pending(mine, project), locked


def _pending(review: RegulatoryReview, project: Project) -> RegulatoryReview:
    review.project = project  # the locked instance, which the decision moves
    if review.status != Review.Status.PENDING:
        raise ReviewNotPending(
            _("This review is already %(status)s.")
            % {"status": str(review.get_status_display()).lower()}
        )
    return review


def decline(
    review: RegulatoryReview,
    *,
    project: Project,
    actor,
    outcome: str,
    items: list[dict[str, Any]] | None,
    stage: str,
    changes_transition: str,
) -> Project:
    """Record a request for changes (with its feedback items, fired as ``changes_transition``)
    or a rejection (``reject``) on the locked, pending review; the caller has set who decided,
    when, and the comment. Announces the decision first (with the state it leads to), then the
    feedback items and the transition. Returns the project after the transition."""
    name = changes_transition if outcome == Outcome.REQUEST_CHANGES else "reject"
    target = transition_target(project, name)
    set_review_status(
        review,
        Review.Status.CHANGES_REQUESTED
        if outcome == Outcome.REQUEST_CHANGES
        else Review.Status.REJECTED,
        actor=actor,
        project=project,
    )
    review.save(update_fields=["status", "comment", "decided_by", "decided_at", "updated_at"])
    webhooks.review_decided(review=review, project=project, state=target)
    if outcome == Outcome.REQUEST_CHANGES:
        feedback_items_add(
            project=project,
            stage=stage,
            round=review.round,
            items=items or [],
            actor=actor,
            regulatory_review=review,
        )
    return transition_fire(
        project=project, name=name, actor=actor, comment=review.comment, decision=review
    )


def record_clearance(
    review, *, project, kind: str, number: str, actor, now, field: str, **extra
) -> Clearance:
    """Record the number the review's authority issued; its errors are keyed ``field``.

    Not announced: the caller sends ``clearance.issued`` after the decision's own event."""
    try:
        return clearance_write(
            project=project,
            kind=kind,
            number=number,
            issued_by=review.authority,
            actor=actor,
            issued_at=now,
            announce=False,
            **extra,
        )
    except ValidationError as exc:  # the clearance's number is the review's number field
        errors = exc.update_error_dict({})
        raise ValidationError(
            {(field if name == "number" else name): e for name, e in errors.items()}
        ) from exc
