"""Write paths for a project's episodes, and the rules and locking that its release batches
(``batches``) and test clips (``clips``) share.

One transaction each, the project row locked first (``workflow.services.project_lock``, the lock
every transition takes), so two people numbering episodes or releasing a batch of the same
project meet there: the second gets ``concurrent_update`` (409) rather than a half-applied change.

Rules:

- Who: the producer side (producers and org admins of the producer company) and the commissioning
  platform's content managers (and org admins), once the project is submitted; a superuser too.
- When: episodes and batches are planned from greenlight on (``EPISODE_STATES``), test clips are
  cut from production on (``TEST_CLIP_STATES``); nothing changes once the project is finished
  (completed, rejected, withdrawn). A refusal for the project's state is 409.
- Episode numbers are unique per project and within the project's planned ``episode_count``.
- Batches are numbered 1, 2, ...; a batch is released (``released_at``) after the batches before
  it, never earlier than them, and not in the future. A released batch is what the audience saw:
  its episodes stay in it (they can't move, be renumbered or deleted), and no episode joins it.
- An episode with audience signals or named by a revision keeps its number and is not deleted:
  the signals would go with it, and the revision's evidence would point at another episode.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audience.models import Episode, ReleaseBatch
from audience.selectors import on_writing_or_platform_side
from common.errors import DomainError, PermissionDenied
from workflow.models import Project, ProjectState
from workflow.services import project_lock

S = ProjectState

# Greenlit: the series is settled enough to number its episodes; production on, clips exist.
EPISODE_STATES = frozenset(
    {
        S.GREENLIT,
        S.IN_PRODUCTION,
        S.CUT_REVIEW,
        S.CUT_CHANGES,
        S.FINAL_REVIEW,
        S.FINAL_CHANGES,
        S.CLEARED,
        S.RELEASED,
        S.TAKEN_DOWN,
    }
)

EPISODE_FIELDS = ("number", "title", "duration_seconds", "access", "batch")


class EpisodesNotAccepted(DomainError):
    status_code = 409
    code = "episodes_not_accepted"
    default_detail = _("Episodes are planned from greenlight on, until the project is finished.")


class BatchReleased(DomainError):
    status_code = 409
    code = "batch_released"
    default_detail = _("The batch is released: its episodes are what the audience saw.")


class EpisodeInUse(DomainError):
    status_code = 409
    code = "episode_in_use"
    default_detail = _("The episode has audience signals or revisions; it keeps its number.")


# Who and when ---------------------------------------------------------------------------------


def can_manage_episodes(user, project: Project) -> bool:
    """The producer side, or the commissioning platform's content side once it has the project."""
    return on_writing_or_platform_side(user, project)


def state_label(project: Project) -> str:
    return str(project.get_state_display()).lower()


def lock_for_episodes(project_id: int, actor) -> Project:
    project = project_lock(project_id)
    if not can_manage_episodes(actor, project):
        raise PermissionDenied(
            _(
                "Only the producer company's producers and the commissioning platform's content "
                "managers manage a project's episodes."
            )
        )
    if project.state not in EPISODE_STATES:
        raise EpisodesNotAccepted(
            _(
                "Episodes are planned from greenlight on, until the project is finished; this "
                "project is %(state)s."
            )
            % {"state": state_label(project)}
        )
    return project


def refuse_unknown(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})


def check_not_future(name: str, moment: datetime | None) -> None:
    if moment is None:
        return
    if timezone.is_naive(moment):
        raise ValidationError({name: _("Give the time with its time zone.")})
    if moment > timezone.now():
        raise ValidationError({name: _("This time is in the future.")})


# Episodes -------------------------------------------------------------------------------------


def _number_message(project: Project):
    return _("This project has %(count)d episodes; enter 1 to %(count)d.") % {
        "count": project.episode_count
    }


def _check_number(project: Project, number: int, *, exclude_pk: int | None = None) -> None:
    if number is None or number < 1 or number > project.episode_count:
        raise ValidationError({"number": _number_message(project)})
    taken = Episode.objects.filter(project=project, number=number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"number": _("Episode %(number)d already exists in this project.") % {"number": number}}
        )


def _check_batch_for(project: Project, batch: ReleaseBatch | None) -> ReleaseBatch | None:
    """The batch, read afresh (under the project's lock): of this project and not yet released."""
    if batch is None:
        return None
    fresh = ReleaseBatch.objects.filter(pk=batch.pk, project=project).first()
    if fresh is None:
        raise ValidationError({"batch": _("This project has no such release batch.")})
    if fresh.released_at is not None:
        raise BatchReleased(
            _("Batch %(number)d is released; an episode cannot join it. Put it in a new batch.")
            % {"number": fresh.number}
        )
    return fresh


def _episode_in_use(episode: Episode) -> bool:
    return episode.signals.exists() or episode.revisions.exists()


def _lock_episode(episode: Episode, actor) -> tuple[Project, Episode]:
    project = lock_for_episodes(episode.project_id, actor)
    fresh = Episode.objects.select_related("batch").get(pk=episode.pk)
    return project, fresh


@transaction.atomic
def episode_create(
    *,
    project: Project,
    actor,
    number: int,
    title: str = "",
    duration_seconds: int | None = None,
    access: str = Episode.Access.FREE,
    batch: ReleaseBatch | None = None,
) -> Episode:
    """One episode. Its duration defaults to the project's planned episode length."""
    locked = lock_for_episodes(project.pk, actor)
    _check_number(locked, number)
    batch = _check_batch_for(locked, batch)
    episode = Episode(
        project=locked,
        number=number,
        title=title,
        duration_seconds=(
            locked.episode_length_seconds if duration_seconds is None else duration_seconds
        ),
        access=access,
        batch=batch,
    )
    episode.full_clean(validate_unique=False, validate_constraints=False)
    episode.save()
    return episode


@transaction.atomic
def episode_update(*, episode: Episode, actor, data: Mapping[str, Any]) -> Episode:
    """Change an episode's fields (``EPISODE_FIELDS``); ``batch`` None takes it out of its batch."""
    refuse_unknown(data, EPISODE_FIELDS)
    project, fresh = _lock_episode(episode, actor)
    released_batch = fresh.batch if fresh.batch and fresh.batch.released_at else None

    if "number" in data and data["number"] != fresh.number:
        if released_batch is not None:
            raise BatchReleased(
                _("Episode %(number)d is released (batch %(batch)d); it keeps its number.")
                % {"number": fresh.number, "batch": released_batch.number}
            )
        if _episode_in_use(fresh):
            raise EpisodeInUse(
                _("Episode %(number)d has audience signals or revisions; it keeps its number.")
                % {"number": fresh.number}
            )
        _check_number(project, data["number"], exclude_pk=fresh.pk)
        fresh.number = data["number"]

    if "batch" in data:
        new_batch = data["batch"]
        if (new_batch.pk if new_batch else None) != fresh.batch_id:
            if released_batch is not None:
                raise BatchReleased(
                    _(
                        "Episode %(number)d was released in batch %(batch)d; it cannot move to "
                        "another batch."
                    )
                    % {"number": fresh.number, "batch": released_batch.number}
                )
            fresh.batch = _check_batch_for(project, new_batch)

    for name in ("title", "duration_seconds", "access"):
        if name in data:
            setattr(fresh, name, data[name])
    fresh.full_clean(validate_unique=False, validate_constraints=False)
    fresh.save()
    return fresh


@transaction.atomic
def episode_delete(*, episode: Episode, actor) -> None:
    """Remove a planned episode: not one that is released, has signals or is named by a revision."""
    _project, fresh = _lock_episode(episode, actor)
    if fresh.batch is not None and fresh.batch.released_at is not None:
        raise BatchReleased(
            _("Episode %(number)d is released (batch %(batch)d); it cannot be deleted.")
            % {"number": fresh.number, "batch": fresh.batch.number}
        )
    if _episode_in_use(fresh):
        raise EpisodeInUse(
            _("Episode %(number)d has audience signals or revisions; it cannot be deleted.")
            % {"number": fresh.number}
        )
    fresh.delete()


MAX_BULK_EPISODES = 500


@transaction.atomic
def episodes_bulk_create(
    *,
    project: Project,
    actor,
    first: int,
    last: int,
    duration_seconds: int | None = None,
    free_through: int | None = None,
    access_after: str | None = None,
    batch: ReleaseBatch | None = None,
    title_pattern: str = "",
    skip_existing: bool = False,
) -> list[Episode]:
    """Episodes ``first`` to ``last`` at once ("1-80, 90 s each, 1-10 free, the rest paid").

    Defaults come from the proposal: the duration is its episode length, episodes up to its
    ``free_episodes`` are free, the rest paid (free for a free, ad-supported drama).
    ``title_pattern`` may contain ``{number}``. With ``skip_existing`` the numbers already taken
    are left as they are; without it any of them refuses the whole range. Returns the new
    episodes in number order.
    """
    locked = lock_for_episodes(project.pk, actor)
    errors: dict[str, Any] = {}
    if first < 1:
        errors["first"] = _("Start at episode 1 or later.")
    if last < first:
        errors["last"] = _("The last episode cannot come before the first.")
    elif last > locked.episode_count:
        errors["last"] = _number_message(locked)
    elif last - first + 1 > MAX_BULK_EPISODES:
        errors["last"] = _("Create at most %(max)d episodes at a time.") % {
            "max": MAX_BULK_EPISODES
        }
    if free_through is not None and free_through < 0:
        errors["free_through"] = _("Give an episode number, or 0 for none free.")
    if access_after is not None and access_after not in Episode.Access.values:
        errors["access_after"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(Episode.Access.values)
        }
    if title_pattern:
        try:
            title_pattern.format(number=1)
        except (KeyError, IndexError, ValueError):
            errors["title_pattern"] = _(
                "Use {number} for the episode number, e.g. “Episode {number}”."
            )
    if errors:
        raise ValidationError(errors)
    batch = _check_batch_for(locked, batch)

    wanted = range(first, last + 1)
    taken = set(
        Episode.objects.filter(project=locked, number__in=wanted).values_list("number", flat=True)
    )
    if taken and not skip_existing:
        shown = sorted(taken)
        raise ValidationError(
            {
                "first": _("These episodes already exist: %(numbers)s.")
                % {
                    "numbers": ", ".join(str(n) for n in shown[:20])
                    + (" …" if len(shown) > 20 else "")
                }
            }
        )
    if free_through is None:
        free_through = locked.free_episodes
    if access_after is None:
        access_after = (
            Episode.Access.FREE
            if locked.monetisation == Project.Monetisation.FREE_AD
            else Episode.Access.PAID
        )
    duration = locked.episode_length_seconds if duration_seconds is None else duration_seconds
    new = []
    for number in wanted:
        if number in taken:
            continue
        episode = Episode(
            project=locked,
            number=number,
            title=title_pattern.format(number=number) if title_pattern else "",
            duration_seconds=duration,
            access=Episode.Access.FREE if number <= free_through else access_after,
            batch=batch,
        )
        try:
            episode.full_clean(
                exclude=["project", "batch"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            # The same values for every episode: report the first, on the bulk's own names.
            messages = exc.message_dict
            if "duration_seconds" in messages:
                raise ValidationError({"duration_seconds": messages["duration_seconds"]}) from exc
            if "title" in messages:
                raise ValidationError({"title_pattern": messages["title"]}) from exc
            raise
        new.append(episode)
    Episode.objects.bulk_create(new)
    return list(
        Episode.objects.filter(project=locked, number__in=[e.number for e in new])
        .select_related("batch")
        .order_by("number")
    )


# Release batches -------------------------------------------------------------------------------


# Test clips ------------------------------------------------------------------------------------
