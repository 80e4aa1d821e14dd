"""Feedback items: raised by a review (evaluation, planning filing), answered by the producer."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from reviews.models import FeedbackItem

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
            created_by=actor,
            **{k: v for k, v in data.items() if k in ITEM_FIELDS},
        )
        item_errors: dict[str, list[str]] = {k: [_("Unknown field.")] for k in unknown}
        try:
            item.full_clean(exclude=["project", "evaluation", "regulatory_review", "created_by"])
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
    return created
