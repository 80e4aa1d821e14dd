"""The release gate: the producer's credits confirmation, the platform's schedule, the sweep.

No drama goes live without a valid clearance of its tier's kind whose number the producer has
confirmed is shown in the opening credits (the ``release`` and ``reinstate`` guards in
``releases.rules``). The release itself is the workflow's ``release`` transition: fired
by hand through the transition endpoint, or on the scheduled day by ``releases_run_scheduled``
(the ``contracts.release_scheduled`` beat task), acting as the content manager who scheduled it.

Every change of the gate is logged through ``workflow.audit.record_status_change``, one row per
change, with a status derived from the gate's fields (the gate has no status field of its own):

- ``credits``: ``credits_pending`` -> ``credits_confirmed`` when the producer confirms a
  clearance's number (the reason names it); confirming another clearance later logs again, since
  its credits were pending until then;
- ``schedule``: ``unscheduled`` -> ``scheduled:<day>`` -> ``scheduled:<another day>`` ->
  ``unscheduled`` (the day in the status, so that moving the date is a change too);
- ``live``: ``not_live`` (released) or ``taken_down`` (reinstated) -> ``live``.
"""

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import DomainError, PermissionDenied
from releases.models import (
    CREDITS_CONFIRMED,
    CREDITS_PENDING,
    LIVE,
    NOT_LIVE,
    SCHEDULED_PREFIX,
    TAKEN_DOWN,
    UNSCHEDULED,
    Release,
)
from reviews.models import CLEARANCE_KIND_FOR_TIER, Clearance
from reviews.services.clearances import clearance_reason
from workflow.audit import record_status_change
from workflow.deadlines import Due, Responsibility, deadlines_keep, end_of_day
from workflow.models import DeadlineKind, Membership, Project, ProjectState
from workflow.notifications import members, notify, notify_on_commit
from workflow.permissions import CONTENT_MANAGER, PRODUCER
from workflow.services import project_lock, transition_fire

logger = logging.getLogger(__name__)

S = ProjectState

# The producer confirms the credits of a cleared drama, or of a taken-down one for its new
# clearance before reinstatement.
CREDITS_STATES = frozenset({S.CLEARED, S.TAKEN_DOWN})

# How far ahead a release can be scheduled. A cleared drama goes live within weeks or months: its
# clearance may expire, its contract's exclusivity and payments run from the release, its
# promotion is planned for the season. A day years out is a slip (2062 for 2026, 9999-12-31 for
# "some day") that would keep the title offline behind a gate that reads "scheduled"; a real
# plan that far ahead is better left unscheduled until it is near.
SCHEDULE_HORIZON = timedelta(days=2 * 365)


class ReleaseConflict(DomainError):
    status_code = 409
    code = "release_conflict"
    default_detail = _("This is not possible in the project's current state.")


def _gate(project: Project) -> Release:
    """The project's release row (created on first use); the caller holds the project lock."""
    gate, _created = Release.objects.get_or_create(project=project)
    gate.project = project
    return gate


def _state_label(project: Project) -> str:
    return str(project.get_state_display()).lower()


def schedule_status(day: date | None) -> str:
    """The gate's schedule as a status: the day is part of it, so moving it is a change."""
    return f"{SCHEDULED_PREFIX}{day.isoformat()}" if day is not None else UNSCHEDULED


@transaction.atomic
def credits_confirm(*, project: Project, actor, clearance: Clearance) -> Release:
    """The producer confirms that ``clearance``'s number is shown in the opening credits.

    The confirmation belongs to that clearance: confirming another one replaces it.
    """
    locked = project_lock(project.pk)
    if not PRODUCER(locked, actor):
        raise PermissionDenied(
            _("Only a producer of the project's company can confirm the opening credits.")
        )
    if locked.state not in CREDITS_STATES:
        raise ReleaseConflict(
            _(
                "The credits are confirmed while the project is cleared or taken down, not while "
                "it is %(state)s."
            )
            % {"state": _state_label(locked)}
        )
    if clearance.project_id != locked.pk:
        raise ValidationError({"clearance": _("This clearance belongs to another project.")})
    expected = CLEARANCE_KIND_FOR_TIER.get(locked.review_tier)
    if clearance.kind != expected:
        raise ValidationError(
            {
                "clearance": _(
                    "A %(tier)s project is released under its %(expected)s, not a %(kind)s."
                )
                % {
                    "tier": locked.get_review_tier_display() or "-",
                    "expected": str(Clearance.Kind(expected).label).lower() if expected else "-",
                    "kind": str(clearance.get_kind_display()).lower(),
                }
            }
        )
    if not clearance.is_valid_on(business_date()):
        raise ValidationError(
            {
                "clearance": _("The %(number)s expired on %(date)s.")
                % {"number": clearance.number, "date": clearance.expires_on.isoformat()}
            }
        )
    gate = _gate(locked)
    confirmed_before = gate.clearance_id == clearance.pk
    gate.clearance = clearance
    gate.credits_confirmed_by = actor
    gate.credits_confirmed_at = timezone.now()
    gate.save(
        update_fields=["clearance", "credits_confirmed_by", "credits_confirmed_at", "updated_at"]
    )
    if not confirmed_before:
        record_status_change(
            gate,
            field="credits",
            from_status=CREDITS_PENDING,
            to_status=CREDITS_CONFIRMED,
            actor=actor,
            reason=clearance_reason(clearance),
            at=gate.credits_confirmed_at,
        )
        _tell_credits_confirmed(gate)
    return gate


def _tell_credits_confirmed(gate: Release) -> None:
    """The content managers hear that the credits are confirmed: releasing is theirs now."""
    pk, clearance_id = gate.pk, gate.clearance_id

    def tell() -> None:
        gate = Release.objects.select_related("project", "clearance").filter(pk=pk).first()
        if gate is None or gate.clearance_id != clearance_id:
            return
        project = gate.project
        values = {"title": project.title, "number": gate.clearance.number}
        notify(
            recipients=members(project.platform_id, Membership.Role.CONTENT_MANAGER),
            subject=str(_("[mdprod] “%(title)s”: the credits are confirmed") % values),
            body=str(
                _(
                    "The producer confirmed that %(number)s is shown in the opening credits of "
                    "“%(title)s”. You can schedule or release the title."
                )
                % values
            ),
            source=f"credits-confirmed:{pk}:{clearance_id}",
            project=project,
            target=gate,
        )

    notify_on_commit(tell, what=f"credits of release {pk}")


def _require_content_manager(project: Project, actor) -> None:
    if not CONTENT_MANAGER(project, actor):
        raise PermissionDenied(
            _("Only a content manager of the commissioning platform can schedule the release.")
        )


def _require_cleared(project: Project) -> None:
    if project.state != S.CLEARED:
        raise ReleaseConflict(
            _("Only a cleared project's release can be scheduled; this one is %(state)s.")
            % {"state": _state_label(project)}
        )


@transaction.atomic
def release_schedule(*, project: Project, actor, on: date) -> Release:
    """The platform sets the release date; on that day the sweep releases the drama if the
    gate's conditions hold then."""
    locked = project_lock(project.pk)
    _require_content_manager(locked, actor)
    _require_cleared(locked)
    today = business_date()
    if on < today:
        raise ValidationError(
            {"on": _("Choose today (%(today)s) or a later date.") % {"today": today.isoformat()}}
        )
    latest = today + SCHEDULE_HORIZON
    if on > latest:
        raise ValidationError(
            {
                "on": _("Choose a day within two years, %(latest)s at the latest.")
                % {"latest": latest.isoformat()}
            }
        )
    gate = _gate(locked)
    before = schedule_status(gate.scheduled_for)
    gate.scheduled_for = on
    gate.scheduled_by = actor
    gate.save(update_fields=["scheduled_for", "scheduled_by", "updated_at"])
    record_status_change(
        gate, field="schedule", from_status=before, to_status=schedule_status(on), actor=actor
    )
    _release_date_keep(locked, on)
    return gate


def _release_date_keep(project: Project, on: date | None) -> None:
    """The release date is a deadline of the platform's content managers, due when the day
    ends: scheduling opens it, rescheduling moves it, unscheduling cancels it, and the title
    going live meets it (``release_record_live``)."""
    wanted = {}
    if on is not None:
        wanted[0] = Due(
            end_of_day(on), Responsibility(project.platform, Membership.Role.CONTENT_MANAGER)
        )
    deadlines_keep(project=project, kind=DeadlineKind.RELEASE_DATE, wanted=wanted, note="schedule")


@transaction.atomic
def release_unschedule(*, project: Project, actor) -> Release:
    locked = project_lock(project.pk)
    _require_content_manager(locked, actor)
    _require_cleared(locked)
    gate = Release.objects.filter(project=locked).first()
    if gate is None or gate.scheduled_for is None:
        raise ReleaseConflict(_("The release is not scheduled."))
    gate.project = locked
    before = schedule_status(gate.scheduled_for)
    gate.scheduled_for = None
    gate.scheduled_by = None
    gate.save(update_fields=["scheduled_for", "scheduled_by", "updated_at"])
    record_status_change(
        gate, field="schedule", from_status=before, to_status=UNSCHEDULED, actor=actor
    )
    _release_date_keep(locked, None)
    return gate


def release_open(*, project: Project) -> None:
    """The project was cleared: its release gate exists from now on (for its page and list).
    Called by the ``clear`` effect, inside the transition's transaction.

    One INSERT that leaves an existing gate alone, should there be one, rather than a read, a
    savepoint and a write: it is part of every finished-cut approval."""
    Release.objects.bulk_create([Release(project=project)], ignore_conflicts=True)


def release_actions_for(gate: Release, user) -> list[str]:
    """What the user could do on the gate now, for pages that offer only the possible actions."""
    project = gate.project
    actions = []
    if project.state in CREDITS_STATES and PRODUCER(project, user):
        actions.append("confirm_credits")
    if project.state == S.CLEARED and CONTENT_MANAGER(project, user):
        actions.append("schedule")
        if gate.scheduled_for is not None:
            actions.append("unschedule")
    return actions


def release_record_live(*, project: Project, at, entry=None) -> Release:
    """The drama went live (released or reinstated): called by the transitions' effect, inside
    their transaction; ``entry`` is the transition's log row (who, for whom, from where, why)."""
    gate = _gate(project)
    gate.released_at = at
    gate.save(update_fields=["released_at", "updated_at"])
    record_status_change(
        gate,
        field="live",
        from_status=TAKEN_DOWN
        if entry is not None and entry.source_state == S.TAKEN_DOWN
        else NOT_LIVE,
        to_status=LIVE,
        actor=entry.actor if entry is not None else None,
        organisation=entry.organisation if entry is not None else None,
        reason=entry.comment if entry is not None else "",
        project=project,
        at=at,
    )
    release_deadlines_close(project=project, at=at, met=True)
    return gate


def release_deadlines_close(*, project: Project, at, met: bool) -> None:
    """The title went live (``met``), or its life ended: the release date and the clearance's
    expiry, which mattered until then, close."""
    for kind in (DeadlineKind.RELEASE_DATE, DeadlineKind.CLEARANCE_EXPIRY):
        deadlines_keep(
            project=project, kind=kind, wanted={}, met={0} if met else (), at=at, note="live"
        )


def _release_if_due(release_id: int, today: date) -> bool:
    with transaction.atomic():
        gate = Release.objects.filter(pk=release_id).only("project_id").first()
        if gate is None:
            return False
        project = project_lock(gate.project_id)
        gate = Release.objects.select_related("scheduled_by").get(pk=release_id)
        if project.state != S.CLEARED or gate.scheduled_for is None or gate.scheduled_for > today:
            return False  # released, unscheduled or moved meanwhile: nothing to do
        actor = gate.scheduled_by
        if not actor.is_active:
            raise PermissionDenied(_("The user who scheduled the release is no longer active."))
        transition_fire(
            project=project,
            name="release",
            actor=actor,
            comment=str(
                _("Scheduled release for %(date)s.") % {"date": gate.scheduled_for.isoformat()}
            ),
        )
        return True


def releases_run_scheduled(*, today: date | None = None) -> list[int]:
    """Release every cleared project whose scheduled day has come and whose gate holds.

    Each project in its own transaction, as the user who scheduled it (the transition's role
    and guards still apply): a refusal is logged and skipped, and never stops the others.
    Idempotent: a released project is no longer cleared. Returns the released project ids.
    """
    today = today or business_date()
    due = list(
        Release.objects.filter(scheduled_for__lte=today, project__state=S.CLEARED).values_list(
            "pk", "project_id"
        )
    )
    released = []
    for release_id, project_id in due:
        try:
            if _release_if_due(release_id, today):
                released.append(project_id)
        except (DomainError, ValidationError) as exc:
            why = " ".join([*_messages(exc), *getattr(exc, "reasons", [])])
            logger.warning("Scheduled release of project %s skipped: %s", project_id, why)
            _tell_the_scheduler(release_id, today, why)
        except Exception:
            logger.exception("Scheduled release of project %s failed", project_id)
    return released


def _messages(exc: Exception) -> list[str]:
    return [exc.detail] if isinstance(exc, DomainError) else list(exc.messages)


def _tell_the_scheduler(release_id: int, today: date, why: str) -> None:
    """The content manager who scheduled the release hears, once per day it is due, that it did
    not happen and why (the gate's reasons): a title that silently stays offline costs money."""
    gate = Release.objects.select_related("project", "scheduled_by").get(pk=release_id)
    notify(
        recipients=[gate.scheduled_by],
        project=gate.project,
        subject=str(
            _("Scheduled release of “%(title)s” did not happen") % {"title": gate.project.title}
        ),
        body=str(
            _("The release scheduled for %(date)s was refused: %(why)s")
            % {"date": gate.scheduled_for.isoformat(), "why": why}
        ),
        source=f"release-refused:{release_id}:{today.isoformat()}",
    )
