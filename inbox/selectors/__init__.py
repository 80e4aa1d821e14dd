"""What waits on a user now, across every kind of record: the inbox.

Each source is one query whatever the amount of work (the memberships, one query per kind of
record the user's roles act on, and one for the open deadlines of those projects), so the inbox
costs the same for one project as for a thousand. Every query is scoped by the one visibility
rule (``workflow.selectors.related_project_scope_q``, or the review queues built on it).

Due times come from the open ``Deadline`` rows of the item's project, of the kinds that time that
action (``DUE_KINDS``), whoever is responsible for them. An open deadline of any other kind that
the user is responsible for (a clearance expiry, an exclusivity end...) is an item of its own, so
a new kind of deadline reaches the inbox without a change here.
"""

from datetime import datetime

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from common.clock import business_date
from workflow.models import Deadline
from workflow.selectors import related_project_scope_q
from workflow.visibility import memberships_of

from . import sources
from .items import (
    CLAIMED_KINDS,
    DECIDE_WHEN_DUE_WITHIN,
    DUE_KINDS,
    KIND_LABELS,
    KINDS,
    InboxItem,
    Kind,
    R,
)

__all__ = ["KINDS", "KIND_LABELS", "InboxItem", "Kind", "inbox_for"]


def _mine_q(user) -> Q:
    """Deadlines the user is responsible for (their organisation and role; an organisation's
    admins answer for all of its deadlines)."""
    mine = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role == R.ORG_ADMIN:
            mine |= Q(responsible_organisation_id=membership.organisation_id)
        else:
            mine |= Q(
                responsible_organisation_id=membership.organisation_id,
                responsible_role=membership.role,
            )
    return mine


def _open_deadlines(user, project_ids: set[int]) -> list[Deadline]:
    mine = _mine_q(user)
    return list(
        Deadline.objects.filter(
            related_project_scope_q(user),
            # The items' clocks, and the other kinds the user answers for (no item takes them).
            Q(project_id__in=sorted(project_ids), kind__in=CLAIMED_KINDS)
            | mine & ~Q(kind__in=CLAIMED_KINDS),
            status=Deadline.Status.OPEN,
        )
        .annotate(is_mine=_as_bool(mine))
        .select_related("project")
        .order_by("due_at", "pk")
    )


def _as_bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


# The inbox --------------------------------------------------------------------------------------


def inbox_for(user, *, at: datetime | None = None) -> list[InboxItem]:
    """Everything that waits on the user now: overdue first, then by due time (no due time last),
    then by kind and project."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    at = at or timezone.now()
    roles = sources.roles_of(user)
    items: list[InboxItem] = []
    if roles.rater:
        items += sources.scorecards(user)
    if roles.manager:
        items += sources.evaluations(user, roles.manager)
        items += sources.installments(user, roles.manager, business_date(at))
    if roles.reviewer:
        items += sources.filing_reviews(user)
    if roles.decider:
        items += sources.final_reviews(user)
    if roles.producer or roles.manager:
        items += sources.projects(user, roles)
        items += sources.contracts(user, roles)
    if roles.producer:
        items += sources.feedback(user, roles.producer)
    items = _with_deadlines(items, _open_deadlines(user, {i.project.pk for i in items}), at)
    items.sort(key=lambda item: _order(item, at))
    return items


def _with_deadlines(items: list[InboxItem], deadlines: list[Deadline], at) -> list[InboxItem]:
    by_project: dict[int, list[Deadline]] = {}
    for deadline in deadlines:
        by_project.setdefault(deadline.project_id, []).append(deadline)
    kept = []
    for item in items:
        kinds = DUE_KINDS.get(item.kind, ())
        # Running clocks first (a paused one waits on someone else), earliest first.
        matching = sorted(
            (d for d in by_project.get(item.project.pk, ()) if d.kind in kinds),
            key=lambda d: (d.paused_at is not None, d.due_at, d.pk),
        )
        if matching:
            deadline = matching[0]
            item.deadline = deadline
            item.due_at = deadline.due_at
        if item.kind == Kind.DECIDE and not item.quorum_met:
            # Without quorum, an evaluation waits on the raters until its deadline is near.
            if item.due_at is None or item.due_at - at > DECIDE_WHEN_DUE_WITHIN:
                continue
        kept.append(item)
    for item in kept:
        paused = item.deadline is not None and item.deadline.paused_at is not None
        item.overdue = item.due_at is not None and item.due_at < at and not paused
    for deadline in deadlines:
        # A kind that times a record's work shows through that work only: a stage's clock runs
        # on after its filing is decided, until the project moves. A paused clock waits on
        # someone else (the producer answering feedback).
        if deadline.kind in CLAIMED_KINDS or not deadline.is_mine or deadline.paused_at is not None:
            continue
        kept.append(
            InboxItem(
                kind=Kind.DEADLINE,
                project=deadline.project,
                title=str(deadline.get_kind_display()),
                url=sources.project_url(deadline.project),
                due_at=deadline.due_at,
                overdue=deadline.due_at < at and deadline.paused_at is None,
                deadline=deadline,
            )
        )
    return kept


def _order(item: InboxItem, at: datetime) -> tuple:
    return (
        not item.overdue,
        item.due_at is None,
        item.due_at or at,
        KINDS.index(item.kind),
        item.project.title,
        item.project.pk,
        item.url,
    )
