"""Who reads which thread, and the reads built on it: comments and a project's activity feed.

A thread (project, counterpart) is read by the project's producer company (every thread of its
project) and by the counterpart organisation while it sees the project
(``workflow.visibility.organisation_sees_project``, the one rule): a platform reads its own
thread, a regulator only a thread addressed to it, nobody else anything. Once a project can be
pitched to several platforms, each platform still reads only the thread with itself.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value

from workflow.audit import readable_status_changes
from workflow.models import Membership, Organisation, Project, ProjectTransition, StatusChange
from workflow.selectors import project_list_for
from workflow.visibility import memberships_of, organisation_sees_project

from .models import Comment

Kind = Organisation.Kind

# The order of entries made at the same moment: a transition, then its records' changes, then
# what people said about it.
TRANSITION, STATUS_CHANGE, COMMENT = 0, 1, 2
KIND_NAMES = {TRANSITION: "transition", STATUS_CHANGE: "status_change", COMMENT: "comment"}


def _counterparts(memberships: list[Membership], project: Project) -> set[int] | None:
    """The counterparts whose threads these memberships read on ``project``: None for all."""
    counterparts: set[int] = set()
    for membership in memberships:
        organisation = membership.organisation
        if organisation.kind == Kind.PRODUCER:
            if project.producer_id == organisation.pk:
                return None
        elif organisation_sees_project(organisation, project):
            counterparts.add(organisation.pk)
    return counterparts


def readable_counterparts(user, project: Project) -> set[int] | None:
    """The counterparts of the threads ``user`` reads on ``project``: None for every thread (the
    producer company's people, a superuser), an empty set for none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return _counterparts(memberships_of(user), project)


def reads_thread(user, project: Project, counterpart_id: int) -> bool:
    counterparts = readable_counterparts(user, project)
    return counterparts is None or counterpart_id in counterparts


def thread_readers_among(users: Collection, project: Project, counterpart_id: int) -> set[int]:
    """The ids of those of ``users`` who read the thread (one query for their memberships)."""
    users = [user for user in users if user.is_active]
    by_user: dict[int, list[Membership]] = {user.pk: [] for user in users}
    for membership in Membership.objects.filter(user__in=users).select_related("organisation"):
        by_user[membership.user_id].append(membership)
    readers = set()
    for user in users:
        counterparts = None if user.is_superuser else _counterparts(by_user[user.pk], project)
        if counterparts is None or counterpart_id in counterparts:
            readers.add(user.pk)
    return readers


def counterpart_choices(user, project: Project) -> list[Organisation]:
    """The organisations ``user`` may write to on ``project``, the default first: for the
    producer company its platform, then each regulator the project is routed to; for anyone
    else the organisation they act for, if it sees the project."""
    counterparts = readable_counterparts(user, project)
    if counterparts is None:
        from workflow.selectors import regulators_for

        regulators = regulators_for(project)
        routed = [
            regulator
            for regulator in (regulators.bureau, regulators.national)
            if regulator is not None and organisation_sees_project(regulator, project)
        ]
        return [project.platform, *routed]
    by_id = {m.organisation_id: m.organisation for m in memberships_of(user)}
    return [by_id[pk] for pk in sorted(counterparts)]


def _thread_q(user, project: Project, prefix: str = "thread__") -> Q:
    counterparts = readable_counterparts(user, project)
    q = Q(**{f"{prefix}project_id": project.pk})
    if counterparts is not None:
        q &= Q(**{f"{prefix}counterpart_id__in": sorted(counterparts)})
    return q


def _with_related(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.select_related(
        "thread", "thread__counterpart", "author", "organisation", "deleted_by"
    ).prefetch_related(
        Prefetch("mentions", queryset=get_user_model().objects.only("id", "username"))
    )


def comment_list_for(user, *, project: Project | None = None) -> QuerySet[Comment]:
    """The comments ``user`` reads, on ``project`` or on every project in their scope."""
    if project is not None:
        return _with_related(Comment.objects.filter(_thread_q(user, project)))
    comments = Comment.objects.all()
    if user is None or not user.is_superuser:
        # A thread is read through its project's scope, then by counterpart: the producer
        # company reads all of its projects' threads, anyone else those with their organisations.
        organisations = [m.organisation_id for m in memberships_of(user)]
        projects = project_list_for(user).values("pk")
        producers = [
            m.organisation_id for m in memberships_of(user) if m.organisation.kind == Kind.PRODUCER
        ]
        comments = comments.filter(thread__project__in=projects).filter(
            Q(thread__project__producer_id__in=producers)
            | Q(thread__counterpart_id__in=organisations)
        )
    return _with_related(comments)


# The activity feed -------------------------------------------------------------------------------


@dataclass
class FeedEntry:
    kind: str
    at: object
    entry: ProjectTransition | StatusChange | Comment


def feed_queryset(project: Project, user) -> QuerySet:
    """Every entry of the project's activity that ``user`` may see, as (at, kind, id) rows in
    time order: its transitions, the status changes of its records (``workflow.audit``'s rule)
    and the comments of the threads they read. One query per page whatever its length; a page of
    rows is read with ``feed_entries``."""

    def rows(queryset, kind):
        # No ordering of its own: SQLite refuses one inside a compound statement.
        return (
            queryset.order_by()
            .annotate(kind=Value(kind, output_field=IntegerField()))
            .values_list("created_at", "kind", "id")
        )

    transitions = rows(ProjectTransition.objects.filter(project=project), TRANSITION)
    changes = rows(readable_status_changes(project, user), STATUS_CHANGE)
    comments = rows(Comment.objects.filter(_thread_q(user, project)), COMMENT)
    return transitions.union(changes, comments, all=True).order_by("created_at", "kind", "id")


def feed_entries(rows) -> list[FeedEntry]:
    """The entries a page of ``feed_queryset`` rows names, read in one query per kind."""
    ids: dict[int, list[int]] = {TRANSITION: [], STATUS_CHANGE: [], COMMENT: []}
    for _at, kind, pk in rows:
        ids[kind].append(pk)
    found: dict[int, dict] = {TRANSITION: {}, STATUS_CHANGE: {}, COMMENT: {}}
    if ids[TRANSITION]:
        found[TRANSITION] = ProjectTransition.objects.select_related(
            "actor", "organisation"
        ).in_bulk(ids[TRANSITION])
    if ids[STATUS_CHANGE]:
        found[STATUS_CHANGE] = StatusChange.objects.select_related(
            "actor", "organisation", "record_type"
        ).in_bulk(ids[STATUS_CHANGE])
    if ids[COMMENT]:
        found[COMMENT] = _with_related(Comment.objects.all()).in_bulk(ids[COMMENT])
    return [
        FeedEntry(kind=KIND_NAMES[kind], at=at, entry=found[kind][pk])
        for at, kind, pk in rows
        if pk in found[kind]
    ]
