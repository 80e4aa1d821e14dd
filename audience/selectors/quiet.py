"""Quiet mode: which episodes' signals and metrics a writer does not see yet.

A rule locks episodes ``first_episode``..``last_episode`` of its project (an open end runs to the
first or the last episode; both open: the whole project). While it is active it hides those
episodes' audience signals and release metrics from the project's writing team (producers and
org admins of the producer company), each writer until they reveal it for themselves. Platform
staff, superusers and everyone else are never affected: quiet mode protects the writers'
concentration, it does not keep figures from the people who commissioned them.

Test clips are released before the series and belong to no episode number: a rule over the whole
project (both ends open) hides their signals too, a rule over a range of episodes never does.

Everything a request needs comes from one query (``quiet_locks_for``), however many rows the
page shows; ``QuietView`` turns it into a ``Q`` for any model with a project and an episode.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from audience.models import QuietReveal, QuietRule

from . import audience_projects_for, writing_team_organisation_ids


@dataclass(frozen=True)
class QuietLock:
    """An active rule the viewer has not revealed."""

    rule_id: int
    project_id: int
    first_episode: int | None
    last_episode: int | None

    @property
    def whole_project(self) -> bool:
        return self.first_episode is None and self.last_episode is None

    def covers(self, episode: int) -> bool:
        return (self.first_episode is None or episode >= self.first_episode) and (
            self.last_episode is None or episode <= self.last_episode
        )


@dataclass(frozen=True)
class QuietView:
    """What quiet mode hides from one viewer: the locks of the rules they have not revealed."""

    locks: tuple[QuietLock, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.locks)

    def for_project(self, project_id: int) -> list[QuietLock]:
        return [lock for lock in self.locks if lock.project_id == project_id]

    def hides_clips(self, project_id: int) -> bool:
        return any(lock.whole_project for lock in self.for_project(project_id))

    def hidden_q(
        self, *, project_field: str = "project_id", episode_field: str = "episode"
    ) -> Q | None:
        """The rows the locks hide (``None``: nothing is hidden).

        ``episode_field`` is the episode number (``episode`` on a metric, ``episode__number`` on
        a signal). A whole-project lock hides every row of the project, test clips' signals
        included; a range lock only rows whose episode number is in the range.
        """
        if not self.locks:
            return None
        q = Q(pk__in=[])
        for lock in self.locks:
            term = Q(**{project_field: lock.project_id})
            if lock.first_episode is not None:
                term &= Q(**{f"{episode_field}__gte": lock.first_episode})
            if lock.last_episode is not None:
                term &= Q(**{f"{episode_field}__lte": lock.last_episode})
            q |= term
        return q

    def visible_q(
        self, *, project_field: str = "project_id", episode_field: str = "episode"
    ) -> Q | None:
        """The rows the viewer may see (``None``: all of them)."""
        hidden = self.hidden_q(project_field=project_field, episode_field=episode_field)
        return None if hidden is None else ~hidden


def quiet_locks_for(user, *, project_ids=None) -> QuietView:
    """The active rules that hide something from ``user`` (optionally of these projects only).

    One query for a member of a producer company's writing team, none for anybody else.
    """
    organisation_ids = writing_team_organisation_ids(user)
    if not organisation_ids:
        return QuietView()
    rules = QuietRule.objects.filter(active=True, project__producer_id__in=organisation_ids)
    if project_ids is not None:
        rules = rules.filter(project_id__in=list(project_ids))
    rows = (
        rules.exclude(reveals__user=user)
        .order_by("project_id", "first_episode", "pk")
        .values_list("pk", "project_id", "first_episode", "last_episode")
    )
    return QuietView(tuple(QuietLock(*row) for row in rows))


def quiet_metric_q(user) -> Q:
    """The release metrics ``user`` may see as far as quiet mode goes (all: ``Q()``): those of
    locked episodes are hidden. Combine with the caller's own scope: this only takes rows away."""
    visible = quiet_locks_for(user).visible_q(project_field="project_id", episode_field="episode")
    return Q() if visible is None else visible


def quiet_rule_list_for(user) -> QuerySet[QuietRule]:
    """The rules of the projects whose audience data the user sees, with whether they revealed
    each (``revealed_by_you``)."""
    revealed = QuietReveal.objects.filter(rule=OuterRef("pk"), user_id=getattr(user, "pk", None))
    return (
        QuietRule.objects.filter(project__in=audience_projects_for(user).values("pk"))
        .select_related("project", "created_by")
        .annotate(revealed_by_you=Exists(revealed))
        .order_by("project_id", "-active", "first_episode", "pk")
    )
