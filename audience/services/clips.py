"""Write paths for a project's test clips, cut from production on.

The rules and the locking are those of ``audience.services.episodes``.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audience.models import TestClip
from audience.services.episodes import (
    EPISODE_STATES,
    S,
    can_manage_episodes,
    check_not_future,
    refuse_unknown,
    state_label,
)
from common.errors import DomainError, PermissionDenied
from workflow.models import Project
from workflow.services import project_lock

TEST_CLIP_STATES = EPISODE_STATES - {S.GREENLIT}


TEST_CLIP_FIELDS = ("code", "title", "duration_seconds", "released_at")


class TestClipsNotAccepted(DomainError):
    __test__ = False  # not a pytest test class, whatever its name

    status_code = 409
    code = "test_clips_not_accepted"
    default_detail = _("Test clips are made from production on, until the project is finished.")


class ClipInUse(DomainError):
    status_code = 409
    code = "test_clip_in_use"
    default_detail = _("The clip has audience signals; imports name it by its code.")


def _lock_for_test_clips(project_id: int, actor) -> Project:
    project = project_lock(project_id)
    if not can_manage_episodes(actor, project):
        raise PermissionDenied(
            _(
                "Only the producer company's producers and the commissioning platform's content "
                "managers manage a project's test clips."
            )
        )
    if project.state not in TEST_CLIP_STATES:
        raise TestClipsNotAccepted(
            _(
                "Test clips are made from production on, until the project is finished; this "
                "project is %(state)s."
            )
            % {"state": state_label(project)}
        )
    return project


def _check_code(project: Project, code: str, *, exclude_pk: int | None = None) -> None:
    taken = TestClip.objects.filter(project=project, code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"code": _("This project already has a clip “%(code)s”.") % {"code": code}}
        )


@transaction.atomic
def clip_create(
    *,
    project: Project,
    actor,
    code: str,
    title: str = "",
    duration_seconds: int | None = None,
    released_at: datetime | None = None,
) -> TestClip:
    """A clip released before the series to gauge reactions (``code`` names it in imports)."""
    locked = _lock_for_test_clips(project.pk, actor)
    check_not_future("released_at", released_at)
    clip = TestClip(
        project=locked,
        code=code,
        title=title,
        duration_seconds=duration_seconds,
        released_at=released_at,
    )
    clip.full_clean(validate_unique=False, validate_constraints=False)
    _check_code(locked, clip.code)
    clip.save()
    return clip


@transaction.atomic
def clip_update(*, clip: TestClip, actor, data: Mapping[str, Any]) -> TestClip:
    refuse_unknown(data, TEST_CLIP_FIELDS)
    project = _lock_for_test_clips(clip.project_id, actor)
    fresh = TestClip.objects.get(pk=clip.pk)
    if "released_at" in data:
        check_not_future("released_at", data["released_at"])
    if "code" in data and data["code"] != fresh.code and fresh.signals.exists():
        raise ClipInUse(
            _("The clip has audience signals; imports name it by its code, which stays.")
        )
    for name in TEST_CLIP_FIELDS:
        if name in data:
            setattr(fresh, name, data[name])
    fresh.full_clean(validate_unique=False, validate_constraints=False)
    _check_code(project, fresh.code, exclude_pk=fresh.pk)
    fresh.save()
    return fresh


@transaction.atomic
def clip_delete(*, clip: TestClip, actor) -> None:
    _lock_for_test_clips(clip.project_id, actor)
    fresh = TestClip.objects.get(pk=clip.pk)
    if fresh.signals.exists():
        raise ClipInUse(_("The clip has audience signals; it cannot be deleted."))
    fresh.delete()
