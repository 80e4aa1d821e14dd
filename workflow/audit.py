"""Every status change of every record, written through one function.

A project's own transitions are logged by the transition service (``ProjectTransition``). Every
other record of a project that has a status — budgets, evaluations, scorecards, regulatory
reviews, contracts, installments, residual statements — records each change with
``record_status_change``, in the transaction that makes it. ``readable_status_changes`` says
which of them a user may read; the project's activity feed (the project page and
``GET /api/v1/projects/{id}/activity/``, built in ``conversations.selectors`` with the comments)
pages through them with the transitions. ``project_activity`` is both, whole, in order.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from .models import Membership, Organisation, Project, ProjectTransition, StatusChange
from .visibility import memberships_of, organisation_sees_project, user_sees_project


def acting_organisation(actor, project: Project) -> Organisation | None:
    """The organisation ``actor`` acts for on ``project``: the first of theirs that sees it."""
    for membership in memberships_of(actor):
        if organisation_sees_project(membership.organisation, project):
            return membership.organisation
    return None


def record_status_change(
    record,
    *,
    from_status: str,
    to_status: str,
    actor=None,
    organisation: Organisation | None = None,
    reason: str = "",
    project: Project | None = None,
    field: str = "status",
    at: datetime | None = None,
) -> StatusChange | None:
    """Log that ``record`` (a model instance of a project) went from one status to another.

    ``project`` defaults to ``record.project``; ``organisation`` to the one the actor acts for
    on it. Nothing is written when the status did not change.
    """
    if from_status == to_status:
        return None
    project = project if project is not None else record.project
    if organisation is None and actor is not None:
        organisation = acting_organisation(actor, project)
    return StatusChange.objects.create(
        project=project,
        record_type=ContentType.objects.get_for_model(record),
        record_id=record.pk,
        field=field,
        from_status=from_status or "",
        to_status=to_status,
        actor=actor,
        organisation=organisation,
        reason=reason or "",
        created_at=at or timezone.now(),
    )


def record_status_changes(
    records: Iterable,
    *,
    to_status: str,
    from_status: str | None = None,
    actor=None,
    reason: str = "",
) -> list[StatusChange]:
    """``record_status_change`` for many records of one kind moved together (one INSERT); each
    from its own ``status`` unless ``from_status`` is given."""
    records = [
        record
        for record in records
        if (from_status if from_status is not None else record.status) != to_status
    ]
    if not records:
        return []
    record_type = ContentType.objects.get_for_model(records[0])
    now = timezone.now()
    return StatusChange.objects.bulk_create(
        StatusChange(
            project_id=record.project_id,
            record_type=record_type,
            record_id=record.pk,
            from_status=from_status if from_status is not None else record.status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            created_at=now,
        )
        for record in records
    )


# Who reads the status changes of a project's records: the two parties (the producer company; the
# platform, not its raters), whose records they are. Raters and regulators see the project's own
# transitions. A kind of record that fewer may see registers its rule (``restrict_readers``).
PARTY_PLATFORM_ROLES = frozenset(Membership.Role) - {Membership.Role.RATER}
_readers: dict[str, Callable[[object, Project], bool]] = {}


def restrict_readers(model_label: str, may_read: Callable[[object, Project], bool]) -> None:
    """Only users for whom ``may_read(user, project)`` holds see the changes of ``model_label``
    records (``"reviews.scorecard"``), on top of the parties' rule. Called from ``ready()``."""
    _readers[model_label] = may_read


def readable_status_changes(project: Project, user) -> QuerySet[StatusChange]:
    """The status changes of the project's records that ``user`` may see: the parties', less the
    kinds whose rule (``restrict_readers``) leaves the user out. A filter, so that a feed can
    page through them with the project's other entries."""
    if not user_sees_project(user, project, platform_roles=PARTY_PLATFORM_ROLES, regulators=False):
        return StatusChange.objects.none()
    changes = project.status_changes.all()
    if not user.is_superuser:
        for label, rule in _readers.items():
            if not rule(user, project):
                app_label, model = label.split(".")
                changes = changes.exclude(
                    record_type__app_label=app_label, record_type__model=model
                )
    return changes


def project_activity(project: Project, user) -> list[ProjectTransition | StatusChange]:
    """What ``user`` may see of the project's activity: its transitions and, for the parties, its
    records' status changes, oldest first."""
    entries: list = list(project.transitions.select_related("actor", "organisation"))
    entries += readable_status_changes(project, user).select_related(
        "actor", "organisation", "record_type"
    )
    return sorted(entries, key=lambda entry: (entry.created_at, entry.__class__.__name__))
