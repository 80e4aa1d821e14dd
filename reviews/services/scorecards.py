"""Write paths for scorecards: inviting raters (no conflict of interest) and their blind scoring."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from reviews import handoffs
from reviews.models import Evaluation, Score, Scorecard
from reviews.services.evaluations import (
    COMMENT_MAX_LENGTH,
    is_producer_member,
    lock_evaluation,
    rater_membership,
    require_content_manager,
    require_open,
    user_label,
)
from workflow.audit import record_status_change


class ScorecardSubmitted(DomainError):
    status_code = 409
    code = "scorecard_submitted"
    default_detail = _("The scorecard has been submitted and can no longer change.")


class AlreadyInvited(DomainError):
    status_code = 409
    code = "already_invited"
    default_detail = _("This rater is already invited to the evaluation.")


class ConflictOfInterest(DomainError):
    status_code = 400
    code = "conflict_of_interest"
    default_detail = _("A member of the producer company cannot rate its proposal.")


@transaction.atomic
def scorecard_invite(*, evaluation: Evaluation, rater, actor) -> Scorecard:
    """Invite a rater of the platform; their function comes from their membership."""
    locked = lock_evaluation(evaluation.pk)
    project = locked.project
    require_content_manager(project, actor)
    require_open(locked)
    label = user_label(rater)
    if is_producer_member(rater, project):
        raise ConflictOfInterest(
            format_lazy(
                # Not where the person works: the content manager need not learn that.
                _("{rater} cannot rate this proposal (conflict of interest)."),
                rater=label,
            )
        )
    membership = rater_membership(rater, project)
    if membership is None:
        raise ValidationError(
            {
                "rater": format_lazy(
                    _("{rater} is not a rater of {platform}."),
                    rater=label,
                    platform=project.platform.name,
                )
            }
        )
    if Scorecard.objects.filter(evaluation=locked, rater=rater).exists():
        raise AlreadyInvited(
            format_lazy(
                _("{rater} is already invited to the evaluation of round {round}."),
                rater=label,
                round=locked.round,
            )
        )
    scorecard = Scorecard.objects.create(
        evaluation=locked, rater=rater, function=membership.rater_function, invited_by=actor
    )
    handoffs.raters_invited(scorecard_ids=[scorecard.pk])
    return scorecard


def _lock_scorecard_for_rater(scorecard: Scorecard, actor) -> Scorecard:
    evaluation = lock_evaluation(scorecard.evaluation_id)
    locked = Scorecard.objects.select_for_update(of=("self",)).get(pk=scorecard.pk)
    locked.evaluation = evaluation
    project = evaluation.project
    if locked.rater_id != actor.pk:
        raise PermissionDenied(_("Only the invited rater may fill in this scorecard."))
    if is_producer_member(actor, project):
        raise ConflictOfInterest()
    if rater_membership(actor, project) is None:
        raise PermissionDenied(
            format_lazy(
                _("You are no longer a rater of {platform}."), platform=project.platform.name
            )
        )
    require_open(evaluation)
    if locked.status == Scorecard.Status.SUBMITTED:
        raise ScorecardSubmitted()
    return locked


def _apply(
    scorecard: Scorecard, scores: Mapping[int, int | None] | None, comment: str | None
) -> None:
    criteria = {c.pk: c for c in scorecard.evaluation.rubric.criteria.all()}
    errors: dict[str, list] = {}
    if comment is not None and len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [
            _("Keep the comment under %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}
        ]
    wanted: dict[int, int | None] = {}
    for key, value in (scores or {}).items():
        criterion = criteria.get(key) if isinstance(key, int) else None
        if criterion is None:
            errors.setdefault("scores", []).append(
                format_lazy(_("{key} is not a criterion of this rubric."), key=key)
            )
            continue
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10
        ):
            errors.setdefault("scores", []).append(
                format_lazy(
                    _("“{criterion}” is scored from 1 to 10, not {value}."),
                    criterion=criterion.display_name,
                    value=value,
                )
            )
            continue
        wanted[key] = value
    if errors:
        raise ValidationError(errors)
    existing = {s.criterion_id: s for s in scorecard.scores.all()}
    for criterion_id, value in wanted.items():
        score = existing.get(criterion_id)
        if value is None:
            if score is not None:
                score.delete()
        elif score is None:
            Score.objects.create(scorecard=scorecard, criterion_id=criterion_id, value=value)
        elif score.value != value:
            score.value = value
            score.save(update_fields=["value"])
    update = ["updated_at"]
    if comment is not None:
        scorecard.comment = comment.strip()
        update.append("comment")
    scorecard.save(update_fields=update)


@transaction.atomic
def scorecard_save(
    *,
    scorecard: Scorecard,
    actor,
    scores: Mapping[int, int | None] | None = None,
    comment: str | None = None,
) -> Scorecard:
    """Save the rater's draft: scores by criterion id (``None`` clears one) and the comment.

    Criteria not named keep their score; a comment of ``None`` is left as it is.
    """
    locked = _lock_scorecard_for_rater(scorecard, actor)
    _apply(locked, scores, comment)
    return locked


@transaction.atomic
def scorecard_submit(
    *,
    scorecard: Scorecard,
    actor,
    scores: Mapping[int, int | None] | None = None,
    comment: str | None = None,
) -> Scorecard:
    """Submit the scorecard (saving ``scores`` and ``comment`` first, if given): every criterion
    must be scored. Afterwards it cannot change, and the rater sees the others' scorecards."""
    locked = _lock_scorecard_for_rater(scorecard, actor)
    _apply(locked, scores, comment)
    scored = set(locked.scores.values_list("criterion_id", flat=True))
    missing = [
        c.display_name for c in locked.evaluation.rubric.criteria.all() if c.pk not in scored
    ]
    if missing:
        raise ValidationError(
            {
                "scores": format_lazy(
                    _("Score every criterion before submitting; missing: {names}."),
                    names=", ".join(missing),
                )
            }
        )
    record_status_change(
        locked,
        from_status=locked.status,
        to_status=Scorecard.Status.SUBMITTED,
        actor=actor,
        project=locked.evaluation.project,
    )
    locked.status = Scorecard.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    handoffs.scorecard_submitted(scorecard=locked)
    return locked
