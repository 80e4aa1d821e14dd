"""Stage deadlines: opened when a review state is entered, closed when it is left.

One effect, registered for every transition (and for ``tier_changed``), keeps the project's stage
deadlines in step with its state, inside the transition's transaction:

- entering a review state (submitted, cut_review, final_review) opens its deadlines from the SLAs,
  or, coming back from the producer (resubmit, resubmit_cut, resubmit_final), resumes the clocks
  that were paused: the due time moves by the paused duration;
- going to the producer (request_revision, request_cut_changes, request_final_changes) pauses the
  review clocks and opens the producer's response deadline;
- leaving a state any other way closes what is open: met if before the due time, missed after;
  everything is cancelled when the project is withdrawn.

Every change writes a ``DeadlineEvent``, so the history shows pauses and moved due times.
The clock is ``now()`` in this module, so that tests can set it.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from common.errors import PermissionDenied

from . import effects
from .models import (
    SLA,
    Deadline,
    DeadlineEvent,
    DeadlineKind,
    Membership,
    Organisation,
    Project,
    ProjectState,
    ReviewTier,
)
from .selectors import regulators_for, related_project_scope_q, transition_names
from .visibility import memberships_of

K = DeadlineKind
S = ProjectState
R = Membership.Role

DEFAULT_SLA_DAYS = {
    K.EVALUATION: 10,
    K.PLANNING_FILING: 20,
    K.PRODUCER_RESPONSE: 7,
    K.CUT_REVIEW: 3,
    K.FINAL_REVIEW: 15,
}

# The deadlines a review state runs, and the state in which the producer answers it.
REVIEW_KINDS = {
    S.SUBMITTED: (K.EVALUATION, K.PLANNING_FILING),
    S.CUT_REVIEW: (K.CUT_REVIEW,),
    S.FINAL_REVIEW: (K.FINAL_REVIEW,),
}
WAITING_ON_PRODUCER = {
    S.REVISING: S.SUBMITTED,
    S.CUT_CHANGES: S.CUT_REVIEW,
    S.FINAL_CHANGES: S.FINAL_REVIEW,
}
# Deadlines that follow the state machine; the others (release date, installments...) belong to
# the apps that set them.
STAGE_KINDS = (*DEFAULT_SLA_DAYS,)
# Deadlines kept by a record's date (``deadlines_keep``): an installment's due date (contracts), a
# release clearance's expiry (reviews), the scheduled release date (releases), the end of the
# contract's exclusivity (contracts).
RECORD_KINDS = (K.INSTALLMENT_DUE, K.CLEARANCE_EXPIRY, K.RELEASE_DATE, K.EXCLUSIVITY_END)


def now() -> datetime:
    return timezone.now()


@dataclass(frozen=True)
class Responsibility:
    organisation: Organisation
    role: str


# Selectors -------------------------------------------------------------------------------------


def sla_days() -> dict[str, int]:
    """Days per stage kind: the administrators' SLA rows, the defaults where a row is missing."""
    days = dict(DEFAULT_SLA_DAYS)
    days.update(SLA.objects.filter(kind__in=STAGE_KINDS).values_list("kind", "days"))
    return days


def sla_list() -> list[dict]:
    """Every stage kind with its days, whether an SLA row sets them or the default does."""
    rows = {sla.kind: sla for sla in SLA.objects.filter(kind__in=STAGE_KINDS)}
    return [
        {
            "kind": kind,
            "days": rows[kind].days if kind in rows else default,
            "is_default": kind not in rows,
        }
        for kind, default in DEFAULT_SLA_DAYS.items()
    ]


def provincial_bureau_of(project: Project) -> Organisation | None:
    return regulators_for(project).bureau


def responsible_for(project: Project, kind: str) -> Responsibility | None:
    """Who must act on a deadline of this kind, or None when nobody is (no bureau, no filing)."""
    if kind in (K.EVALUATION, K.CUT_REVIEW):
        return Responsibility(project.platform, R.CONTENT_MANAGER)
    if kind == K.PRODUCER_RESPONSE:
        return Responsibility(project.producer, R.PRODUCER)
    if kind == K.PLANNING_FILING and project.review_tier not in (
        ReviewTier.KEY,
        ReviewTier.ORDINARY,
    ):
        return None
    if kind == K.FINAL_REVIEW and project.review_tier == ReviewTier.OTHER:
        return Responsibility(project.platform, R.CONTENT_MANAGER)
    if kind in (K.PLANNING_FILING, K.FINAL_REVIEW):
        bureau = provincial_bureau_of(project)
        return Responsibility(bureau, R.REGULATOR_REVIEWER) if bureau else None
    raise ValueError(kind)


def _with_overdue(queryset: QuerySet[Deadline], at: datetime) -> QuerySet[Deadline]:
    return queryset.annotate(
        is_overdue=Case(
            When(status=Deadline.Status.OPEN, paused_at__isnull=True, due_at__lt=at, then=True),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def deadline_list_for(user, *, at: datetime | None = None) -> QuerySet[Deadline]:
    """Deadlines of the projects the user may see, with ``is_overdue``."""
    # The scope as a join (not an IN subquery): a page in due order walks ``deadline_due``.
    queryset = Deadline.objects.filter(related_project_scope_q(user))
    return _with_overdue(
        queryset.select_related("project", "responsible_organisation"), at or now()
    ).order_by("due_at", "id")


def deadlines_of_project(project: Project, *, at: datetime | None = None) -> QuerySet[Deadline]:
    return _with_overdue(
        project.deadlines.select_related("project", "responsible_organisation"), at or now()
    ).order_by("due_at", "id")


def my_deadlines(user, *, at: datetime | None = None) -> QuerySet[Deadline]:
    """Running deadlines the user must act on, overdue first, then by due time.

    The user's when their organisation is responsible and they hold the responsible role; an
    organisation's admins see all of their organisation's. Paused clocks wait on someone else
    and are left out.
    """
    at = at or now()
    mine = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role == R.ORG_ADMIN:
            mine |= Q(responsible_organisation_id=membership.organisation_id)
        else:
            mine |= Q(
                responsible_organisation_id=membership.organisation_id,
                responsible_role=membership.role,
            )
    queryset = deadline_list_for(user, at=at).filter(
        mine, status=Deadline.Status.OPEN, paused_at__isnull=True
    )
    return queryset.order_by("-is_overdue", "due_at", "id")


# Services --------------------------------------------------------------------------------------


def _event(deadline: Deadline, kind: str, at: datetime, *, before=None, note: str = ""):
    return DeadlineEvent(
        deadline=deadline,
        kind=kind,
        at=at,
        due_before=before,
        due_after=deadline.due_at,
        note=note[:300],
    )


def deadline_open(
    *,
    project: Project,
    kind: str,
    responsibility: Responsibility,
    at: datetime,
    days: int,
    note: str = "",
) -> Deadline:
    deadline = _new_deadline(project, kind, responsibility, at=at, days=days)
    deadline.save()
    _event(deadline, DeadlineEvent.Kind.OPENED, at, note=note).save()
    return deadline


def _new_deadline(project: Project, kind: str, responsibility, *, at: datetime, days: int):
    return Deadline(
        project=project,
        kind=kind,
        round=project.review_round,
        due_at=at + timedelta(days=days),
        responsible_organisation=responsibility.organisation,
        responsible_role=responsibility.role,
    )


def deadline_pause(*, deadline: Deadline, at: datetime, note: str = "") -> Deadline:
    if deadline.paused_at is not None:
        return deadline
    deadline.paused_at = at
    deadline.save(update_fields=["paused_at", "updated_at"])
    _event(deadline, DeadlineEvent.Kind.PAUSED, at, before=deadline.due_at, note=note).save()
    return deadline


def deadline_resume(*, deadline: Deadline, at: datetime, note: str = "") -> Deadline:
    """Restart a paused clock: the due time moves on by as long as it was paused."""
    if deadline.paused_at is None:
        return deadline
    before = deadline.due_at
    deadline.due_at = before + max(at - deadline.paused_at, timedelta(0))
    deadline.paused_at = None
    deadline.save(update_fields=["due_at", "paused_at", "updated_at"])
    _event(deadline, DeadlineEvent.Kind.RESUMED, at, before=before, note=note).save()
    return deadline


def deadline_close(
    *,
    deadline: Deadline,
    at: datetime,
    cancel: bool = False,
    note: str = "",
    done_at: datetime | None = None,
) -> Deadline:
    """Met if closed by the due time, missed after it; cancelled when the work fell away.

    A paused clock that is closed without resuming (the producer withdrew, or the work is no
    longer needed) is cancelled: nobody could act on it. ``done_at``: when the work was done, if
    it is recorded later (a payment made on the due date and entered the day after is met).
    """
    if cancel or deadline.paused_at is not None:
        status = Deadline.Status.CANCELLED
    elif min(at, done_at or at) <= deadline.due_at:
        status = Deadline.Status.MET
    else:
        status = Deadline.Status.MISSED
    deadline.status = status
    deadline.closed_at = at
    deadline.save(update_fields=["status", "closed_at", "updated_at"])
    _event(deadline, status, at, before=deadline.due_at, note=note).save()
    return deadline


def deadline_move(*, deadline: Deadline, due_at: datetime, at: datetime, note: str = ""):
    """The record's date changed: the deadline follows it (its reminders restart from the new
    due time, as the sweep reads the due time afresh)."""
    if deadline.due_at == due_at:
        return deadline
    before = deadline.due_at
    deadline.due_at = due_at
    deadline.save(update_fields=["due_at", "updated_at"])
    _event(deadline, DeadlineEvent.Kind.MOVED, at, before=before, note=note).save()
    return deadline


def end_of_day(day: date) -> datetime:
    """A date-kept deadline (an installment's due date, a clearance's last valid day, a release
    date, the last day of exclusivity) falls due when that day ends, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class Due:
    """A deadline a record keeps: when, and who must act."""

    due_at: datetime
    responsibility: Responsibility


def deadlines_keep(
    *,
    project: Project,
    kind: str,
    wanted: dict[int, Due],
    at: datetime | None = None,
    met: Collection[int] = (),
    done_at: datetime | None = None,
    note: str = "",
    fresh: bool = False,
) -> None:
    """Make the project's open deadlines of ``kind`` what its records keep: ``wanted`` by round
    (an installment's position, or 0 for a kind a project has one of at a time).

    A wanted round without an open deadline opens one, one whose due time or responsible party
    changed moves or is replaced, and an open one no longer wanted closes: met (or missed, after
    its due time) for the rounds in ``met``, whose work was done; cancelled for the others, whose
    work fell away. For the record kinds (``RECORD_KINDS``), inside the caller's transaction.
    ``fresh``: the caller knows none is open (it saves the read).
    """
    at = at or now()
    open_deadlines = (
        {}
        if fresh
        else {
            d.round: d
            for d in project.deadlines.filter(status=Deadline.Status.OPEN, kind=kind).order_by("pk")
        }
    )
    for round_, deadline in open_deadlines.items():
        due = wanted.get(round_)
        if due is not None and _same(deadline, due.responsibility):
            deadline_move(deadline=deadline, due_at=due.due_at, at=at, note=note)
        else:
            deadline_close(
                deadline=deadline, at=at, cancel=round_ not in met, note=note, done_at=done_at
            )
    for round_, due in sorted(wanted.items()):
        deadline = open_deadlines.get(round_)
        if deadline is not None and deadline.status == Deadline.Status.OPEN:
            continue
        deadline = Deadline(
            project=project,
            kind=kind,
            round=round_,
            due_at=due.due_at,
            responsible_organisation=due.responsibility.organisation,
            responsible_role=due.responsibility.role,
        )
        deadline.save()
        _event(deadline, DeadlineEvent.Kind.OPENED, at, note=note).save()


def _same(deadline: Deadline, responsibility: Responsibility | None) -> bool:
    return (
        responsibility is not None
        and deadline.responsible_organisation_id == responsibility.organisation.pk
        and deadline.responsible_role == responsibility.role
    )


def _enter_review(project, state, open_deadlines, *, resuming: bool, at, note) -> set[int]:
    """Open (or resume) the review state's deadlines; return the ids of those kept open.

    A clock whose work fell away meanwhile (the tier changed, so no filing or another authority)
    is not kept; the caller closes it.
    """
    kept: set[int] = set()
    days = None
    opening: list[Deadline] = []
    for kind in REVIEW_KINDS[state]:
        responsibility = responsible_for(project, kind)
        existing = [d for d in open_deadlines if d.kind == kind and _same(d, responsibility)]
        running = [d for d in existing if d.paused_at is None]
        paused = [d for d in existing if d.paused_at is not None]
        if running:  # already open (e.g. a tier re-check): leave it alone
            kept.update(d.pk for d in running)
        elif resuming and paused:
            deadline_resume(deadline=paused[0], at=at, note=note)
            kept.add(paused[0].pk)
        elif responsibility is not None:
            days = days or sla_days()
            opening.append(_new_deadline(project, kind, responsibility, at=at, days=days[kind]))
    if opening:  # the clocks a state starts, with their "opened" events: two queries in all
        Deadline.objects.bulk_create(opening)
        DeadlineEvent.objects.bulk_create(
            _event(deadline, DeadlineEvent.Kind.OPENED, at, note=note) for deadline in opening
        )
    return kept


# Called inside the transition's transaction, which rolls everything back on an error: no
# savepoint of its own, so that every transition does not pay two more queries.
@transaction.atomic(savepoint=False)
def deadlines_follow_transition(
    *, project: Project, source: str, target: str, name: str, at: datetime | None = None
) -> None:
    """Bring the project's stage deadlines in step with a move from ``source`` to ``target``."""
    at = at or now()
    # A draft has none: no stage deadline opens before the first submission. From any other
    # state, whatever is open is read (an SLA, a tier change or an operator may have left one
    # open where its stage does not keep it, and the move must close it).
    open_deadlines = (
        []
        if source == S.DRAFT
        else list(
            project.deadlines.filter(status=Deadline.Status.OPEN, kind__in=STAGE_KINDS).order_by(
                "pk"
            )
        )
    )
    note = name
    if target == S.WITHDRAWN:
        for deadline in open_deadlines:
            deadline_close(deadline=deadline, at=at, cancel=True, note=note)
        return

    if WAITING_ON_PRODUCER.get(target) == source:
        for deadline in open_deadlines:
            if deadline.kind in REVIEW_KINDS[source]:
                deadline_pause(deadline=deadline, at=at, note=note)
        responsibility = responsible_for(project, K.PRODUCER_RESPONSE)
        deadline_open(
            project=project,
            kind=K.PRODUCER_RESPONSE,
            responsibility=responsibility,
            at=at,
            days=sla_days()[K.PRODUCER_RESPONSE],
            note=note,
        )
        return

    kept: set[int] = set()
    if target in REVIEW_KINDS:
        resuming = WAITING_ON_PRODUCER.get(source) == target
        kept = _enter_review(project, target, open_deadlines, resuming=resuming, at=at, note=note)
    for deadline in open_deadlines:
        if deadline.pk not in kept:
            deadline_close(deadline=deadline, at=at, note=note)


@transaction.atomic(savepoint=False)
def deadlines_follow_tier(*, project: Project, at: datetime | None = None) -> None:
    """After a re-routing: the current review state's deadlines follow the new tier."""
    if project.state not in REVIEW_KINDS:
        return  # a paused or later stage catches up when the review state is entered again
    at = at or now()
    open_deadlines = list(
        project.deadlines.filter(
            status=Deadline.Status.OPEN, kind__in=REVIEW_KINDS[project.state]
        ).order_by("pk")
    )
    kept = _enter_review(
        project, project.state, open_deadlines, resuming=False, at=at, note="tier_changed"
    )
    for deadline in open_deadlines:
        if deadline.pk not in kept:
            deadline_close(deadline=deadline, at=at, cancel=True, note="tier_changed")


def sla_update(*, kind: str, days: int | None, actor) -> SLA | None:
    """Set the SLA of ``kind`` to ``days`` (``None``: leave it as it is, as a PATCH without
    ``days`` does)."""
    if not (actor is not None and actor.is_superuser):
        raise PermissionDenied("Only an administrator may change the SLAs.")
    if kind not in DEFAULT_SLA_DAYS:
        raise ValueError(kind)
    if days is None:
        return SLA.objects.filter(kind=kind).first()
    sla = SLA.objects.filter(kind=kind).first() or SLA(kind=kind)
    sla.days = days
    sla.full_clean()
    sla.save()
    return sla


# The effect ------------------------------------------------------------------------------------


def _follow(project: Project, *, entry, **context) -> None:
    """Deadlines follow the state: those of the state left close, those of the state entered
    open (or resume)."""
    deadlines_follow_transition(
        project=project, source=entry.source_state, target=entry.target_state, name=entry.name
    )


def _follow_tier(project: Project, **context) -> None:
    """The current review state's deadlines follow the new tier."""
    deadlines_follow_tier(project=project)


effects.after(*transition_names(), order=100)(_follow)
effects.after("tier_changed", order=100)(_follow_tier)
