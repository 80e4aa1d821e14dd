"""Write paths: every change to projects goes through these functions, one transaction each."""

from typing import Any

import django_fsm
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import CharField, Func, QuerySet, Value
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.errors import PermissionDenied

from . import effects, guards, keys, tiers, webhooks
from .exceptions import (
    ConcurrentUpdate,
    DecisionRequired,
    GuardsNotMet,
    ProjectLocked,
    TransitionNotAllowed,
    UnknownTransition,
)
from .models import Organisation, Project, ProjectState, ProjectTransition
from .permissions import PRODUCER
from .selectors import (
    REGULATOR_ANNOTATIONS,
    decided_by,
    decision_required_reason,
    producer_organisations_of,
    start_transaction_cache,
    transition_names,
)

COMMENT_MAX_LENGTH = 4000
# Transitions whose comment is their reason, which the other side must be told.
REASON_REQUIRED = frozenset({"take_down"})

# Proposal fields a producer may set; everything else is owned by the workflow.
PROPOSAL_FIELDS = (
    "title",
    "logline",
    "synopsis",
    "genre_tags",
    "source",
    "rights_holder",
    "episode_count",
    "episode_length_seconds",
    "orientation",
    "monetisation",
    "free_episodes",
    "paywall_positions",
    "platform",
    "planned_budget",
    "special_subject",
    "lead_ad_sales_title",
    "homepage_promotion",
    "key_opt_in",
)


def project_lock(project_id: int, *, scope: QuerySet[Project] | None = None) -> Project:
    """Lock the project row for this transaction, waiting a bounded time for another writer.

    Every service that changes a project, or anything whose rules read its state, takes this
    lock first, so that two writers meet here rather than deadlock on later rows. The lock is
    ``FOR NO KEY UPDATE``: the rows the system inserts that reference the project
    (notifications, webhook deliveries, audit rows) take a key-share lock on it, which this one
    does not wait for. Another writer's lock is waited for up to ``MDPROD_LOCK_TIMEOUT_MS``;
    then the caller gets ``ConcurrentUpdate``. After the wait the row is read as the other
    writer left it, so a transition whose source state went away is refused by its rules.

    ``scope``: the projects the caller may see (``selectors.project_list_for``), which the
    lock's query checks at once; a project outside it raises ``Project.DoesNotExist``.
    """
    try:
        project = (
            with_bounded_lock_wait(Project.objects if scope is None else scope)
            .select_for_update(no_key=True, of=("self",))
            .select_related("producer", "platform")
            .annotate(**REGULATOR_ANNOTATIONS)
            .get(pk=project_id)
        )
    except OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        raise ConcurrentUpdate() from exc
    start_transaction_cache(project)
    return project


def with_bounded_lock_wait(queryset: QuerySet) -> QuerySet:
    """``queryset`` setting, in its own query, that this transaction waits at most
    ``MDPROD_LOCK_TIMEOUT_MS`` for a row lock (PostgreSQL; SQLite serialises writers and has no
    row locks).

    The setting is a condition of the query: PostgreSQL evaluates the conditions on a row
    before it locks the row (``FOR ... UPDATE`` locks the rows the rest of the query returns),
    so the lock's own wait is bounded, and no query is spent on ``SET LOCAL``.
    """
    if connection.vendor != "postgresql":
        return queryset
    timeout = Func(
        Value("lock_timeout"),
        Value(f"{int(settings.MDPROD_LOCK_TIMEOUT_MS)}ms"),
        Value(True),
        function="set_config",
        output_field=CharField(),
    )
    return queryset.alias(lock_timeout_set=timeout).filter(lock_timeout_set__isnull=False)


def is_lock_timeout(exc: OperationalError) -> bool:
    # 55P03 lock_not_available: lock_timeout expired (or NOWAIT).
    return getattr(exc.__cause__, "sqlstate", None) == "55P03"


def _check_proposal(data: dict[str, Any]) -> None:
    unknown = set(data) - set(PROPOSAL_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})
    platform = data.get("platform")
    if platform is not None and platform.kind != Organisation.Kind.PLATFORM:
        raise ValidationError({"platform": _("Choose a platform.")})


def _validate(project: Project) -> None:
    # The protected FSM field refuses the re-assignment that clean_fields() does; only
    # transitions set it anyway.
    project.full_clean(exclude=["state"])


def project_create(*, actor, producer: Organisation, data: dict[str, Any]) -> Project:
    if producer not in producer_organisations_of(actor):
        raise PermissionDenied(_("Only a producer of the company can create its proposals."))
    _check_proposal(data)
    project = Project(producer=producer, created_by=actor, **data)
    _validate(project)
    with transaction.atomic():
        project.save()
    return project


@transaction.atomic
def project_update(*, project: Project, actor, data: dict[str, Any]) -> Project:
    _check_proposal(data)
    locked = project_lock(project.pk)
    if not PRODUCER(locked, actor):
        raise PermissionDenied(_("Only a producer of the project's company can edit the proposal."))
    if not locked.is_editable:
        raise ProjectLocked()
    if "platform" in data and locked.submitted_at and data["platform"] != locked.platform:
        # Its evaluation, ratings and approvals belong to the platform it was proposed to.
        raise ValidationError(
            {"platform": _("A proposal submitted to a platform cannot move to another one.")}
        )
    for name, value in data.items():
        setattr(locked, name, value)
    _validate(locked)
    locked.save(update_fields=[*data, "updated_at"])
    project_refresh_tier(project=locked)
    return locked


def project_refresh_tier(*, project: Project) -> Project:
    """Re-run the tier policy for a submitted project whose inputs changed (budget, flags).

    Called inside the caller's transaction with the project locked. If the tier moved, the
    project is re-routed: the new tier and reason are stored, ``tier_changed_at`` is set, and the
    ``tier_changed`` effect lets the review apps open what the new tier needs; their guards keep
    the project from progressing until that is done.
    """
    if project.submitted_at is None:
        return project
    tier, reason = tiers.resolve(project)
    if tier == project.review_tier:
        if reason != project.tier_reason:
            project.tier_reason = reason
            project.save(update_fields=["tier_reason", "updated_at"])
        return project
    previous = project.review_tier
    project.review_tier, project.tier_reason = tier, reason
    project.tier_changed_at = timezone.now()
    project.save(update_fields=["review_tier", "tier_reason", "tier_changed_at", "updated_at"])
    effects.run("tier_changed", project, previous=previous)
    return project


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("Keep the comment under %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}}
        )
    return comment


def transition_target(project: Project, name: str) -> str:
    """The state ``name`` leads to from the project's current state (TransitionNotAllowed)."""
    meta = getattr(Project, name)._django_fsm
    if not meta.has_transition(project.state):
        raise _not_allowed(name, project.state)
    return meta.get_transition(project.state).target


def _not_allowed(name: str, state: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        format_lazy(
            _("“{name}” is not possible while the project is {state}."),
            name=name,
            state=ProjectState(state).label,
        )
    )


@transaction.atomic
def project_transition(*, project: Project, name: str, actor, comment: str = "") -> Project:
    """Fire transition ``name`` on the project as ``actor``: the generic entry (the API's
    transition endpoint, the admin, the demo data).

    Locks the project and fires the transition (``transition_fire``). Raises UnknownTransition
    (no such name), DecisionRequired (a transition only a decision makes: clear, reject,
    request_revision, request_final_changes; the message names the endpoint to use),
    ScopeMissing (an API key without the transition scope), TransitionNotAllowed
    (not from the current state), PermissionDenied (the actor lacks the role), GuardsNotMet (with
    the reasons), or ConcurrentUpdate (another transaction holds or changed the project).
    """
    comment = _check_generic_transition(name=name, actor=actor, comment=comment)
    locked = project_lock(project.pk)
    return transition_fire(project=locked, name=name, actor=actor, comment=comment)


@transaction.atomic
def project_save_and_transition(
    *, project: Project, actor, data: dict[str, Any], name: str, comment: str = ""
) -> Project:
    """Save the proposal's changes (``project_update``) and fire ``name`` (submit, resubmit)
    in one transaction, locking the project once: a refused transition saves nothing, so a
    producer's "save and submit" never leaves half of it behind."""
    comment = _check_generic_transition(name=name, actor=actor, comment=comment)
    if data:
        locked = project_update(project=project, actor=actor, data=data)
    else:
        locked = project_lock(project.pk)
    return transition_fire(project=locked, name=name, actor=actor, comment=comment)


@transaction.atomic
def project_transition_in_scope(
    *, project_id: int, scope: QuerySet[Project], name: str, actor, comment: str = ""
) -> Project:
    """``project_transition`` of a project named by id, which the lock's query finds in the
    caller's ``scope`` (``Project.DoesNotExist`` otherwise, checked first): the API's entry."""
    locked = project_lock(project_id, scope=scope)
    comment = _check_generic_transition(name=name, actor=actor, comment=comment)
    return transition_fire(project=locked, name=name, actor=actor, comment=comment)


def _check_generic_transition(*, name: str, actor, comment: str) -> str:
    """What the generic entry refuses whatever the project's state; returns the clean comment."""
    if name not in transition_names():
        raise UnknownTransition()
    ways = decided_by(name)
    if ways:
        raise DecisionRequired(decision_required_reason(name, ways))
    comment = _clean_comment(comment)
    keys.require_transition_scope(actor)
    return comment


def transition_fire(
    *, project: Project, name: str, actor, comment: str = "", decision: object = None
) -> Project:
    """Fire transition ``name`` on a project the caller has locked (``project_lock``) in its
    transaction, and return it, changed in place.

    In this order: the acting key's scope, the source state, the role and the guards are checked
    (once; nothing is written before), then the state is saved, the audit row written, the
    transition's effects run in their stated order (``workflow.effects``), the
    ``project.transitioned`` event recorded, and the notification queued for after the commit.
    Services that decide something and then move the project (a review's decision) lock it once
    and pass it here, so that their instance is the one that moved. A decision-only transition
    needs the ``decision`` that makes it (the evaluation or review just decided).
    """
    if name not in transition_names():
        raise UnknownTransition()
    comment = _clean_comment(comment)
    keys.require_transition_scope(actor)
    source = project.state
    meta = getattr(Project, name)._django_fsm
    if not meta.has_transition(source):
        raise _not_allowed(name, source)
    current = meta.get_transition(source)
    way = current.custom.get("decided_by")
    if way is not None and decision is None:
        raise DecisionRequired(decision_required_reason(name, [way]))
    if not current.has_perm(project, actor):
        raise PermissionDenied(
            format_lazy(_("Only {who} may do this."), who=current.permission.label)
        )
    if name in REASON_REQUIRED and not comment:
        raise ValidationError({"comment": _("Give the reason in the comment.")})
    reasons = guards.unmet(project, name)
    if reasons:
        raise GuardsNotMet(reasons=reasons)

    getattr(project, name)()
    try:
        project.save()
    except django_fsm.ConcurrentTransition as exc:
        raise ConcurrentUpdate() from exc

    entry = ProjectTransition.objects.create(
        project=project,
        name=name,
        source_state=source,
        target_state=project.state,
        actor=actor,
        organisation=current.permission.organisation_for(project, actor),
        comment=comment,
        review_round=project.review_round,
    )
    effects.run(name, project, entry=entry)
    webhooks.project_transitioned(project=project, entry=entry)
    from .tasks import delay_each_or_run_here, notify_project_transition

    transaction.on_commit(lambda: delay_each_or_run_here(notify_project_transition, [entry.pk]))
    return project
