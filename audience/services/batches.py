"""Write paths for a project's release batches: plan them, assign episodes, release, delete.

The rules and the locking are those of ``audience.services.episodes``.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audience.models import Episode, ReleaseBatch
from audience.services.episodes import (
    BatchReleased,
    S,
    check_not_future,
    lock_for_episodes,
    refuse_unknown,
    state_label,
)
from common.errors import DomainError
from workflow.models import Project

# A batch goes live with the series: released (or since taken down, for a late correction).
BATCH_RELEASE_STATES = frozenset({S.RELEASED, S.TAKEN_DOWN})


BATCH_FIELDS = ("note", "released_at")


class BatchNotReleasable(DomainError):
    status_code = 409
    code = "batch_not_releasable"
    default_detail = _("This batch cannot be released now.")


def _lock_batch(batch: ReleaseBatch, actor) -> tuple[Project, ReleaseBatch]:
    project = lock_for_episodes(batch.project_id, actor)
    return project, ReleaseBatch.objects.get(pk=batch.pk)


def _episodes_by_number(project: Project, numbers: Iterable[int]) -> list[Episode]:
    wanted = sorted(set(numbers))
    found = list(
        Episode.objects.filter(project=project, number__in=wanted)
        .select_related("batch")
        .order_by("number")
    )
    missing = sorted(set(wanted) - {e.number for e in found})
    if missing:
        raise ValidationError(
            {
                "episodes": _("This project has no episodes %(numbers)s; create them first.")
                % {"numbers": ", ".join(str(n) for n in missing[:20])}
            }
        )
    return found


def _assign(batch: ReleaseBatch, episodes: list[Episode]) -> int:
    if batch.released_at is not None:
        raise BatchReleased(
            _("Batch %(number)d is released; no episode can join it.") % {"number": batch.number}
        )
    moving = [e for e in episodes if e.batch_id != batch.pk and e.batch and e.batch.released_at]
    if moving:
        raise BatchReleased(
            _("Episodes %(numbers)s were released in another batch; they cannot move.")
            % {"numbers": ", ".join(str(e.number) for e in moving[:20])}
        )
    ids = [e.pk for e in episodes if e.batch_id != batch.pk]
    if ids:
        Episode.objects.filter(pk__in=ids).update(batch=batch, updated_at=timezone.now())
    return len(ids)


@transaction.atomic
def release_batch_create(
    *,
    project: Project,
    actor,
    number: int | None = None,
    note: str = "",
    episodes: Iterable[int] = (),
) -> ReleaseBatch:
    """A new batch (numbered after the last one unless ``number`` is given), with the episodes
    of the given numbers in it."""
    locked = lock_for_episodes(project.pk, actor)
    if number is None:
        last = ReleaseBatch.objects.filter(project=locked).aggregate(last=Max("number"))["last"]
        number = (last or 0) + 1
    elif ReleaseBatch.objects.filter(project=locked, number=number).exists():
        raise ValidationError(
            {"number": _("Batch %(number)d already exists in this project.") % {"number": number}}
        )
    batch = ReleaseBatch(project=locked, number=number, note=note)
    batch.full_clean(validate_unique=False, validate_constraints=False)
    batch.save()
    numbers = list(episodes)
    if numbers:
        _assign(batch, _episodes_by_number(locked, numbers))
    return batch


@transaction.atomic
def release_batch_update(*, batch: ReleaseBatch, actor, data: Mapping[str, Any]) -> ReleaseBatch:
    """The note, and the release time of a released batch (a correction; it stays released)."""
    refuse_unknown(data, BATCH_FIELDS)
    project, fresh = _lock_batch(batch, actor)
    if "released_at" in data and data["released_at"] != fresh.released_at:
        if fresh.released_at is None:
            raise ValidationError({"released_at": _("Release the batch to set when it went live.")})
        if data["released_at"] is None:
            raise BatchReleased(
                _("Batch %(number)d is released; it cannot be unreleased.")
                % {"number": fresh.number}
            )
        _check_release_time(project, fresh, data["released_at"])
        fresh.released_at = data["released_at"]
    if "note" in data:
        fresh.note = data["note"]
    fresh.full_clean(validate_unique=False, validate_constraints=False)
    fresh.save()
    return fresh


@transaction.atomic
def release_batch_assign(*, batch: ReleaseBatch, actor, episodes: Iterable[int]) -> ReleaseBatch:
    """Put the project's episodes of these numbers in the (unreleased) batch."""
    project, fresh = _lock_batch(batch, actor)
    if fresh.released_at is not None:
        raise BatchReleased(
            _("Batch %(number)d is released; no episode can join it.") % {"number": fresh.number}
        )
    numbers = list(episodes)
    if not numbers:
        raise ValidationError({"episodes": _("Name at least one episode.")})
    if _assign(fresh, _episodes_by_number(project, numbers)):
        fresh.save(update_fields=["updated_at"])
    return fresh


def _check_release_time(project: Project, batch: ReleaseBatch, released_at: datetime) -> None:
    check_not_future("released_at", released_at)
    before = (
        ReleaseBatch.objects.filter(project=project, number__lt=batch.number)
        .exclude(released_at=None)
        .aggregate(latest=Max("released_at"))["latest"]
    )
    if before is not None and released_at < before:
        raise ValidationError(
            {"released_at": _("An earlier batch went live later than this; check the time.")}
        )
    after = (
        ReleaseBatch.objects.filter(project=project, number__gt=batch.number)
        .exclude(released_at=None)
        .order_by("released_at")
        .values_list("released_at", flat=True)
        .first()
    )
    if after is not None and released_at > after:
        raise ValidationError(
            {"released_at": _("A later batch went live before this time; check the time.")}
        )


@transaction.atomic
def release_batch_release(
    *, batch: ReleaseBatch, actor, released_at: datetime | None = None
) -> ReleaseBatch:
    """The batch went live (now, or at ``released_at`` in the past): after the batches before it,
    with at least one episode, while the series is released."""
    project, fresh = _lock_batch(batch, actor)
    if fresh.released_at is not None:
        raise BatchNotReleasable(
            _("Batch %(number)d is already released.") % {"number": fresh.number}
        )
    if project.state not in BATCH_RELEASE_STATES:
        raise BatchNotReleasable(
            _("Batches go live once the series is released; this project is %(state)s.")
            % {"state": state_label(project)}
        )
    pending = list(
        ReleaseBatch.objects.filter(project=project, number__lt=fresh.number, released_at=None)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if pending:
        raise BatchNotReleasable(
            _("Release batch %(number)d first: batches go live in order.") % {"number": pending[0]}
        )
    if not fresh.episodes.exists():
        raise BatchNotReleasable(
            _("Batch %(number)d has no episodes; assign some first.") % {"number": fresh.number}
        )
    moment = timezone.now() if released_at is None else released_at
    _check_release_time(project, fresh, moment)
    fresh.released_at = moment
    fresh.save(update_fields=["released_at", "updated_at"])
    return fresh


@transaction.atomic
def release_batch_delete(*, batch: ReleaseBatch, actor) -> None:
    """Remove an unreleased batch; its episodes stay, without a batch."""
    _project, fresh = _lock_batch(batch, actor)
    if fresh.released_at is not None:
        raise BatchReleased(
            _("Batch %(number)d is released; it cannot be deleted.") % {"number": fresh.number}
        )
    fresh.episodes.update(batch=None, updated_at=timezone.now())
    fresh.delete()
