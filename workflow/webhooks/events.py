"""Emitting events: who may hear of them, the payload, and the outbox rows."""

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from workflow.models import (
    Deadline,
    Organisation,
    Project,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from workflow.selectors import transaction_cache
from workflow.visibility import organisation_sees_project
from workflow.webhooks.delivery import enqueue_on_commit

EventType = WebhookEventType
# Evaluations are between the producer company and the platform (reviews.selectors.evaluations).
PARTIES_ONLY = frozenset({EventType.EVALUATION_DECIDED})
# The transitions that put a title (back) on air.
RELEASE_TRANSITIONS = frozenset({"release", "reinstate"})
# Fixed namespace for event ids derived from a record (deadline.overdue fires once per deadline).
EVENT_NAMESPACE = uuid.UUID("6f0c1f9e-3b1e-4c55-9a51-7c3e4d1b2a10")


def _project_ref(project: Project) -> dict:
    return {"id": project.pk, "title": project.title, "state": project.state}


def _audience(
    subscriptions: Iterable[WebhookSubscription],
    *,
    event_type: str,
    project: Project,
    parties_only: bool,
    also: frozenset[int],
) -> list[WebhookSubscription]:
    chosen = []
    for subscription in subscriptions:
        if event_type not in subscription.event_types:
            continue
        organisation = subscription.organisation
        if organisation.pk in also:
            chosen.append(subscription)
        elif organisation_sees_project(organisation, project, regulators=not parties_only):
            chosen.append(subscription)
    return chosen


def _project_candidates(project: Project, *, regulators: bool, also: frozenset) -> list:
    """``_candidates`` for one project. A locked project's transaction reads its subscribers
    once, with the regulators' and ``also``'s, and each event chooses among them."""
    cache = transaction_cache(project)
    if cache is None:
        return list(_candidates([project], regulators=regulators, also=also))
    covered, subscriptions = cache.get("webhook_candidates", (frozenset(), None))
    if subscriptions is None or not also <= covered:
        covered = covered | also
        subscriptions = list(_candidates([project], regulators=True, also=covered))
        cache["webhook_candidates"] = (covered, subscriptions)
    parties = {project.producer_id, project.platform_id} | also
    return [
        s
        for s in subscriptions
        if s.organisation_id in parties
        or (regulators and s.organisation.kind == Organisation.Kind.REGULATOR)
    ]


def _candidates(projects: Iterable[Project], *, regulators: bool, also=frozenset()) -> QuerySet:
    ids = set(also)
    for project in projects:
        ids |= {project.producer_id, project.platform_id}
    where = Q(organisation_id__in=ids)
    if regulators:
        where |= Q(organisation__kind=Organisation.Kind.REGULATOR)
    return WebhookSubscription.objects.filter(where, is_active=True).select_related("organisation")


def _payload(event_type: str, event_id: uuid.UUID, at: datetime, data: dict) -> dict:
    return {
        "id": str(event_id),
        "type": str(event_type),
        "created_at": at.isoformat(),
        "data": data,
    }


def emit(
    event_type: str,
    *,
    project: Project,
    data: dict,
    also: Iterable[int] = (),
    parties_only: bool = False,
    state: str | None = None,
) -> list[WebhookDelivery]:
    """Record the event for every active subscriber that may see it; send after commit.

    Runs in the caller's transaction. ``data`` gets the project (id, title, state) added.
    ``also`` names organisations that hear of it anyway (the authority that decided a review);
    ``parties_only`` (always for evaluations) limits it to the producer company and platform.
    ``state`` is the project's state the event announces when it is emitted before the
    transition it causes (a decision goes out before the move it makes: cause first).
    """
    parties_only = parties_only or event_type in PARTIES_ONLY
    also = frozenset(also)
    subscriptions = _project_candidates(project, regulators=not parties_only, also=also)
    audience = _audience(
        subscriptions,
        event_type=event_type,
        project=project,
        parties_only=parties_only,
        also=also,
    )
    if not audience:
        return []
    event_id = uuid.uuid4()
    now = timezone.now()
    ref = _project_ref(project)
    if state is not None:
        ref["state"] = str(state)
    payload = _payload(event_type, event_id, now, {"project": ref, **data})
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            subscription=subscription,
            event_type=event_type,
            event_id=event_id,
            payload=payload,
            next_attempt_at=now,
        )
        for subscription in audience
    )
    enqueue_on_commit([row.pk for row in rows])
    return rows


# The emission points: one call each from the services that cause them.


def project_transitioned(*, project: Project, entry) -> None:
    data = {
        "transition": {
            "id": entry.pk,
            "name": entry.name,
            "from": entry.source_state,
            "to": entry.target_state,
            "actor": entry.actor.get_username(),
            "comment": entry.comment,
            "review_round": entry.review_round,
        }
    }
    emit(EventType.PROJECT_TRANSITIONED, project=project, data=data)
    if entry.name in RELEASE_TRANSITIONS:
        emit(EventType.PROJECT_RELEASED, project=project, data=data)


def evaluation_decided(*, evaluation, project: Project) -> None:
    emit(
        EventType.EVALUATION_DECIDED,
        project=project,
        data={
            "evaluation": {
                "id": evaluation.pk,
                "round": evaluation.round,
                "decision": evaluation.decision,
                "grade": evaluation.grade or None,
            }
        },
    )


def review_decided(*, review, project: Project, state: str | None = None) -> None:
    """``state``: the project's state after the decision, when the decision is announced before
    the transition it fires."""
    emit(
        EventType.REVIEW_DECIDED,
        project=project,
        also=[review.authority_id],
        state=state,
        data={
            "review": {
                "id": review.pk,
                "kind": review.kind,
                "round": review.round,
                "status": review.status,
                "authority": review.authority_id,
            }
        },
    )


def feedback_items_added(*, items: list, project: Project, parties_only: bool) -> None:
    """``parties_only`` for the platform's own reviews (evaluation, cut review), whose feedback
    regulators do not see."""
    if not items:
        return
    emit(
        EventType.FEEDBACK_ITEM_ADDED,
        project=project,
        parties_only=parties_only,
        data={
            "feedback_items": [
                {
                    "id": item.pk,
                    "stage": item.stage,
                    "round": item.round,
                    "severity": item.severity,
                }
                for item in items
            ]
        },
    )


def clearance_issued(*, clearance, project: Project) -> None:
    emit(
        EventType.CLEARANCE_ISSUED,
        project=project,
        data={
            "clearance": {
                "id": clearance.pk,
                "kind": clearance.kind,
                "number": clearance.number,
                "issued_by": clearance.issued_by_id,
                "expires_on": clearance.expires_on.isoformat() if clearance.expires_on else None,
            }
        },
    )


def deadlines_overdue(*, deadline_ids: list[int]) -> int:
    """``deadline.overdue`` for each open deadline past its due time, once per deadline and
    subscriber whichever sweep sees it (the event id derives from the deadline). Returns how
    many deliveries were recorded. A constant number of queries."""
    if not deadline_ids:
        return 0
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(is_active=True).select_related("organisation")
        if EventType.DEADLINE_OVERDUE in s.event_types
    ]
    if not subscriptions:
        return 0
    deadlines = list(
        Deadline.objects.filter(pk__in=deadline_ids, status=Deadline.Status.OPEN).select_related(
            "project__producer"
        )
    )
    event_ids = {
        d.pk: uuid.uuid5(EVENT_NAMESPACE, f"{EventType.DEADLINE_OVERDUE}:{d.pk}") for d in deadlines
    }
    done = set(
        WebhookDelivery.objects.filter(event_id__in=event_ids.values()).values_list(
            "subscription_id", "event_id"
        )
    )
    now = timezone.now()
    rows = []
    for deadline in deadlines:
        event_id = event_ids[deadline.pk]
        data = {
            "project": _project_ref(deadline.project),
            "deadline": {
                "id": deadline.pk,
                "kind": deadline.kind,
                "round": deadline.round,
                "due_at": deadline.due_at.isoformat(),
                "responsible_organisation": deadline.responsible_organisation_id,
                "responsible_role": deadline.responsible_role,
            },
        }
        payload = _payload(EventType.DEADLINE_OVERDUE, event_id, now, data)
        for subscription in _audience(
            subscriptions,
            event_type=EventType.DEADLINE_OVERDUE,
            project=deadline.project,
            parties_only=False,
            also=frozenset(),
        ):
            if (subscription.pk, event_id) in done:
                continue
            rows.append(
                WebhookDelivery(
                    subscription=subscription,
                    event_type=EventType.DEADLINE_OVERDUE,
                    event_id=event_id,
                    payload=payload,
                    next_attempt_at=now,
                )
            )
    if not rows:
        return 0
    try:
        with transaction.atomic():
            created = WebhookDelivery.objects.bulk_create(rows)
    except IntegrityError:
        return 0  # a concurrent sweep recorded them: it sends them
    enqueue_on_commit([row.pk for row in created])
    return len(created)
