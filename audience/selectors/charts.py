"""Read paths of the dashboard's audience charts: plays per day since release, retention by
episode, and the top terms over episodes.

Each reads only what the user may read (``episode_metric_list_for`` and
``audience_projects_for``, quiet mode included) and runs a fixed number of queries whatever the
number of titles, episodes, days or signals.
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import ExpressionWrapper, F, IntegerField, Max, Min, Sum

from audience.models import AudienceSignal
from audience.models.metrics import EpisodeMetric
from audience.selectors import audience_projects_for
from audience.selectors.feedback import FeedbackFilter, _authors, _terms, top_terms
from audience.selectors.metrics import _rounded, _weighted, episode_metric_list_for
from audience.selectors.quiet import quiet_locks_for, quiet_metric_q
from workflow.models import Project

TITLES = 3  # the latest releases the plays chart compares
DAYS = 28  # the plays chart's first four weeks
TOP_TERMS = 5
STRETCHES = 12  # at most this many points before episodes are taken in stretches
RETENTION = ("retention_3s", "retention_5s", "retention_10s")


@dataclass(frozen=True)
class PlaysPerDay:
    titles: list[str]  # the latest released first
    days: list[tuple[int, list[int | None]]]  # (day since release, 1 = the first; plays of each)


def plays_per_day_since_release(user, *, titles: int = TITLES, days: int = DAYS) -> PlaysPerDay:
    """Plays per day (all episodes) of the latest ``titles`` releases whose figures the user may
    read, counted from each title's first day of figures (its release day: the import refuses
    days before the release). Two queries (and quiet mode's)."""
    visible = episode_metric_list_for(user).order_by()
    latest = list(
        visible.values("project_id", "project__title")
        .annotate(first=Min("date"))
        .order_by("-first", "-project_id")[:titles]
    )
    if not latest:
        return PlaysPerDay(titles=[], days=[])
    firsts: dict[int, date] = {row["project_id"]: row["first"] for row in latest}
    rows = (
        visible.filter(project_id__in=list(firsts))
        .values("project_id", "date")
        .annotate(total=Sum("plays"))
        .order_by()
    )
    plays: dict[tuple[int, int], int] = {}
    for row in rows:
        day = (row["date"] - firsts[row["project_id"]]).days + 1
        if day <= days:
            plays[(row["project_id"], day)] = row["total"]
    last = max((day for _pk, day in plays), default=0)
    order = [row["project_id"] for row in latest]
    return PlaysPerDay(
        titles=[row["project__title"] for row in latest],
        days=[(day, [plays.get((pk, day)) for pk in order]) for day in range(1, last + 1)],
    )


@dataclass(frozen=True)
class RetentionCurve:
    title: str
    episodes: list[tuple[int, list[Decimal | None]]]  # (episode, 3 s, 5 s, 10 s retention)


def latest_release_with_metrics(user) -> Project | None:
    """The title whose figures the user may read that went live last (one query)."""
    first = (
        episode_metric_list_for(user)
        .order_by()
        .values("project_id")
        .annotate(first=Min("date"))
        .order_by("-first", "-project_id")
        .values("project_id")[:1]
    )
    return Project.objects.filter(pk__in=first).only("pk", "title").first()


def retention_by_episode(user) -> RetentionCurve | None:
    """The 3, 5 and 10 second retention of each episode of the latest release the user may read,
    averaged over its days weighted by plays (as the metrics summary does)."""
    project = latest_release_with_metrics(user)
    if project is None:
        return None
    curve = (
        EpisodeMetric.objects.filter(project=project)
        .filter(quiet_metric_q(user))
        .values("episode")
        .annotate(**{f"avg_{name}": _weighted(name) for name in RETENTION})
        .order_by("episode")
    )
    return RetentionCurve(
        title=project.title,
        episodes=[
            (point["episode"], [_rounded(point[f"avg_{name}"]) for name in RETENTION])
            for point in curve
        ],
    )


@dataclass(frozen=True)
class TermsOverEpisodes:
    title: str
    terms: list[str]  # the most authors first
    # (first episode, last episode, authors who used each term there); one row per stretch of
    # ``size`` episodes from the first (one per episode when size is 1)
    episodes: list[tuple[int, int, list[int]]]
    size: int = 1


def latest_project_with_signals(user) -> Project | None:
    """The project whose audience the user may see that heard from its viewers last."""
    latest = (
        AudienceSignal.objects.filter(
            project__in=audience_projects_for(user).values("pk"),
            episode__isnull=False,
            is_duplicate=False,
            is_automated=False,
        )
        .values("project_id")
        .annotate(last=Max("posted_at"))
        .order_by("-last", "-project_id")
        .values("project_id")[:1]
    )
    return Project.objects.filter(pk__in=latest).only("pk", "title", "episode_count").first()


def stretch_size(episode_count: int, *, points: int = STRETCHES) -> int:
    """Episodes per point of the chart: one each for a short series, else stretches of 5 or 10
    (a 90-episode drama's viewers speak of a few episodes each: per episode the lines are
    mostly zero)."""
    if episode_count <= points:
        return 1
    return 5 if episode_count <= points * 5 else 10


def terms_over_episodes(user, *, limit: int = TOP_TERMS) -> TermsOverEpisodes | None:
    """The ``limit`` terms most authors used on the latest project the user sees signals of,
    and per stretch of episodes (``stretch_size``) how many authors used each (unflagged
    signals, quiet mode applied, as on the project's feedback page). Four queries."""
    project = latest_project_with_signals(user)
    if project is None:
        return None
    f = FeedbackFilter(project=project, quiet=quiet_locks_for(user, project_ids=[project.pk]))
    top = [term.term for term in top_terms(f, limit=limit).terms]
    episodes = replace(f, clips=False, episode=None)
    size = stretch_size(project.episode_count or 0)
    stretch = ExpressionWrapper(
        (F("signal__episode__number") - 1) / size, output_field=IntegerField()
    )
    used = {
        (row["stretch"], row["term"]): row["n"]
        for row in _terms(episodes)
        .filter(term__in=top)
        .annotate(stretch=stretch)
        .values("stretch", "term")
        .annotate(n=_authors("signal__"))
        .order_by()
    }
    last = max((index for index, _term in used), default=-1)
    return TermsOverEpisodes(
        title=project.title,
        terms=top,
        episodes=[
            (index * size + 1, (index + 1) * size, [used.get((index, term), 0) for term in top])
            for index in range(last + 1)
        ],
        size=size,
    )
