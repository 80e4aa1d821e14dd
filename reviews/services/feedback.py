"""Feedback items: raised by a review (evaluation, planning filing), answered by the producer."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from reviews.models import FeedbackItem
from reviews.selectors.feedback import PLATFORM_INTERNAL
from workflow import webhooks
from workflow.audit import record_status_change
from workflow.exceptions import ConcurrentUpdate
from workflow.models import Project, ProjectState
from workflow.permissions import CONTENT_MANAGER, PRODUCER
from workflow.services import project_lock

TIMECODE = re.compile(r"^(\d{1,2}:)?[0-5]?\d:[0-5]\d$")
ITEM_FIELDS = ("text", "category", "severity", "episode", "timecode")


@transaction.atomic
def feedback_items_add(
    *,
    project,
    stage: str,
    round: int,  # noqa: A002 - the domain's word
    items: list[dict[str, Any]],
    actor,
    evaluation=None,
    regulatory_review=None,
    cut_submission=None,
) -> list[FeedbackItem]:
    """Create the items of one review round; all or none. Errors are keyed ``items.N.field``."""
    created, errors = [], {}
    for index, data in enumerate(items):
        unknown = set(data) - set(ITEM_FIELDS)
        item = FeedbackItem(
            project=project,
            stage=stage,
            round=round,
            evaluation=evaluation,
            regulatory_review=regulatory_review,
            cut_submission=cut_submission,
            created_by=actor,
            **{k: v for k, v in data.items() if k in ITEM_FIELDS},
        )
        item_errors: dict[str, list[str]] = {k: [_("Unknown field.")] for k in unknown}
        try:
            item.full_clean(
                exclude=[
                    "project",
                    "evaluation",
                    "regulatory_review",
                    "cut_submission",
                    "fixed_in",
                    "created_by",
                ]
            )
        except ValidationError as exc:
            item_errors.update(exc.message_dict)
        if item.episode is not None and not 1 <= item.episode <= project.episode_count:
            item_errors.setdefault("episode", []).append(
                _("The series has episodes 1 to %(n)d.") % {"n": project.episode_count}
            )
        if item.timecode and not TIMECODE.match(item.timecode):
            item_errors.setdefault("timecode", []).append(
                _("Write the timecode as MM:SS or HH:MM:SS.")
            )
        for field, messages in item_errors.items():
            errors[f"items.{index}.{field}"] = messages
        created.append(item)
    if errors:
        raise ValidationError(errors)
    for item in created:
        item.save()
    webhooks.feedback_items_added(
        items=created, project=project, parties_only=stage in PLATFORM_INTERNAL
    )
    return created


class FeedbackClosed(DomainError):
    status_code = 409
    code = "feedback_closed"
    default_detail = _("This feedback item can no longer be answered.")


# The project state in which the producer answers each stage's items.
ANSWERED_IN = {
    FeedbackItem.Stage.EVALUATION: ProjectState.REVISING,
    FeedbackItem.Stage.PLANNING_FILING: ProjectState.REVISING,
    FeedbackItem.Stage.CUT_REVIEW: ProjectState.CUT_CHANGES,
    FeedbackItem.Stage.FINAL_REVIEW: ProjectState.FINAL_CHANGES,
}
RESPONSE_MAX_LENGTH = 4000


def _lock_item(item_id: int) -> tuple[FeedbackItem, Project]:
    """Lock the project, then the item: the order every transition takes."""
    project_id = FeedbackItem.objects.values_list("project_id", flat=True).get(pk=item_id)
    project = project_lock(project_id)
    try:
        item = FeedbackItem.objects.select_for_update(of=("self",)).get(pk=item_id)
    except DatabaseError as exc:
        raise ConcurrentUpdate() from exc
    return item, project


def _check_open_for_answers(item: FeedbackItem, project: Project) -> None:
    if item.round != project.review_round or project.state != ANSWERED_IN.get(item.stage):
        raise FeedbackClosed(
            _(
                "Feedback of round %(round)d can be answered only while the project is being "
                "revised in that round (it is %(state)s, round %(current)d)."
            )
            % {
                "round": item.round,
                "state": str(ProjectState(project.state).label).lower(),
                "current": project.review_round,
            }
        )


@transaction.atomic
def feedback_item_respond(*, item: FeedbackItem, actor, status: str, response: str) -> FeedbackItem:
    """The producer answers an item: addressed, or declined with a reason.

    Declining a must-fix item is recorded but does not let the proposal be resubmitted (the
    resubmit guard counts only addressed must-fix items). An answer may be changed while the
    round is still being revised.
    """
    if status not in (FeedbackItem.Status.ADDRESSED, FeedbackItem.Status.DECLINED):
        raise ValidationError({"status": _("Answer with addressed or declined.")})
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Say what was changed, or why not.")})
    if len(response) > RESPONSE_MAX_LENGTH:
        raise ValidationError(
            {
                "response": _("Keep the response under %(n)d characters.")
                % {"n": RESPONSE_MAX_LENGTH}
            }
        )
    item, project = _lock_item(item.pk)
    if not PRODUCER(project, actor):
        raise PermissionDenied(_("Only a producer of the project's company may answer feedback."))
    _check_open_for_answers(item, project)
    record_status_change(
        item,
        from_status=item.status,
        to_status=status,
        actor=actor,
        reason=response,
        project=project,
    )
    item.status, item.response = status, response
    item.resolved_by, item.resolved_at = actor, timezone.now()
    item.save(update_fields=["status", "response", "resolved_by", "resolved_at", "updated_at"])
    return item


def may_reopen(item: FeedbackItem, project: Project, actor) -> bool:
    return item.created_by_id == actor.pk or CONTENT_MANAGER(project, actor)


@transaction.atomic
def feedback_item_reopen(*, item: FeedbackItem, actor) -> FeedbackItem:
    """The reviewer who raised an item (or the platform's content manager) finds the answer
    insufficient and opens it again, while the producer is still revising that round."""
    item, project = _lock_item(item.pk)
    if not may_reopen(item, project, actor):
        raise PermissionDenied(
            _("Only the reviewer who raised the item or a content manager may reopen it.")
        )
    if item.status == FeedbackItem.Status.OPEN:
        raise FeedbackClosed(_("This feedback item is already open."))
    _check_open_for_answers(item, project)
    record_status_change(
        item,
        from_status=item.status,
        to_status=FeedbackItem.Status.OPEN,
        actor=actor,
        project=project,
    )
    item.status = FeedbackItem.Status.OPEN
    item.resolved_by, item.resolved_at = None, None
    item.save(update_fields=["status", "resolved_by", "resolved_at", "updated_at"])
    return item
