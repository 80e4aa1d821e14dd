"""Read paths of the revision log: the scoped list, what the evidence weighs now, and the outcome.

The outcome of a revision compares its affected episodes with a baseline:

- **baseline**: the same number of episodes as are affected, immediately before the first affected
  one (affected 11-15 -> baseline 6-10; affected 3, 7 -> baseline 1-2). Where fewer episodes come
  before, the baseline is those there are; before episode 1 there is none, and no outcome.
- **window**: each episode's figures are summed over its first ``days`` days of metrics, counted
  from the first day the platform reported for that episode, so an older episode does not win by
  having been online longer. An episode's window is complete once a day at or after its last day
  has been reported (a day without a row in between counts as nothing).
- **figures**: per group, the average per episode of plays, valid plays, likes, comments and
  shares over the windows, and the completion rate averaged over all the group's window days
  weighted by plays. The change is affected minus baseline, and in percent of the baseline
  (rounded half up to 1 decimal; none when the baseline is 0).
- **not enough data yet** while an affected or baseline episode has no metrics or an incomplete
  window; the outcome says which episodes and from which day it will be measurable.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from audience.models import AudienceSignal, Episode, Revision, RevisionEvidence
from audience.models.metrics import EpisodeMetric
from audience.selectors import PRODUCER_SIDE_ROLES, audience_projects_for
from audience.selectors.quiet import QuietView, quiet_locks_for
from audience.services.revisions import term_counts
from common.clock import business_date
from common.values import RATE_PLACES
from workflow.models import Organisation, Project
from workflow.visibility import memberships_of

DEFAULT_DAYS = 7
MAX_DAYS = 90
COUNT_METRICS = ("plays", "valid_plays", "likes", "comments", "shares")
CONTEXT_METRICS = frozenset({"plays", "valid_plays"})
METRIC_LABELS = {
    "plays": _("plays"),
    "valid_plays": _("valid plays"),
    "likes": _("likes"),
    "comments": _("comments"),
    "shares": _("shares"),
    "completion_rate": _("completion rate"),
}
AVERAGE_PLACES = Decimal("0.1")
PERCENT_PLACES = Decimal("0.1")
# Before any signal: where a project has no revision yet, all its signals are new.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# The list ----------------------------------------------------------------------------------------


def revision_list_for(user) -> QuerySet[Revision]:
    """Revisions of the projects whose audience data the user sees (the producer's team and the
    commissioning platform's content managers; nobody else), newest decision first."""
    return (
        Revision.objects.filter(project__in=audience_projects_for(user).values("pk"))
        .select_related("project", "decided_by")
        .prefetch_related(
            Prefetch("episodes", queryset=Episode.objects.order_by("number")),
            Prefetch(
                "evidence",
                queryset=RevisionEvidence.objects.select_related("signal__episode").order_by("id"),
            ),
        )
        .order_by("-decided_at", "-id")
    )


def citing_evidence() -> QuerySet[RevisionEvidence]:
    """Evidence rows citing signals, with their revisions, oldest decision first: prefetch it as
    ``AudienceSignal.cited_by`` (one query for a page of signals). A revision cites only its own
    project's signals, so whoever sees the signal sees the revision."""
    return RevisionEvidence.objects.select_related("revision").order_by(
        "revision__decided_at", "revision_id"
    )


def revisions_citing(signal_ids) -> dict[int, list[Revision]]:
    """``{signal id: [revisions citing it]}``, one query: the signal's side of the chain."""
    cited: dict[int, list[Revision]] = {}
    rows = citing_evidence().filter(signal_id__in=list(signal_ids))
    for row in rows:
        cited.setdefault(row.signal_id, []).append(row.revision)
    return cited


def episode_numbers(revision: Revision) -> list[int]:
    return sorted(episode.number for episode in revision.episodes.all())


def episode_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    parts: list[str] = []
    start = previous = None
    for number in sorted(numbers):
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ", ".join(parts)


# The evidence, then and now ----------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceNow:
    evidence: RevisionEvidence
    mentions_now: int | None  # terms (None: hidden by quiet mode)
    distinct_authors_now: int | None  # terms
    likes_now: int | None  # signals
    hidden: bool = False  # the signal's episode is locked by quiet mode for the viewer


def _locks(revision: Revision, quiet: QuietView | None) -> list:
    return [] if quiet is None else quiet.for_project(revision.project_id)


def evidence_then_and_now(
    revision: Revision, *, quiet: QuietView | None = None
) -> list[EvidenceNow]:
    """Each piece of evidence with its counts at the time and today: one query for the terms (the
    evidence and its signals come prefetched with ``revision_list_for``).

    Quiet mode (``quiet``, the viewer's locks): while a lock of the project holds, today's term
    counts are not shown (they move with the hidden signals), nor are cited signals of a locked
    episode (their text and likes); the counts at the time stay, they are the decision's record.
    """
    locks = _locks(revision, quiet)
    rows = list(revision.evidence.all())
    now = {} if locks else term_counts(revision.project_id, [row.term for row in rows if row.term])
    result = []
    for row in rows:
        if row.term:
            mentions, authors = (None, None) if locks else now.get(row.term, (0, 0))
            result.append(EvidenceNow(row, mentions, authors, None))
            continue
        episode = row.signal.episode
        hidden = any(
            lock.whole_project or (episode is not None and lock.covers(episode.number))
            for lock in locks
        )
        result.append(EvidenceNow(row, None, None, None if hidden else row.signal.likes, hidden))
    return result


# The outcome -------------------------------------------------------------------------------------


def baseline_numbers(affected: list[int]) -> list[int]:
    if not affected:
        return []
    first = min(affected)
    return list(range(max(1, first - len(affected)), first))


@dataclass
class EpisodeWindow:
    episode: int
    first_date: date | None = None
    last_reported: date | None = None
    days_reported: int = 0  # days with figures inside the window
    totals: dict[str, int] = field(default_factory=dict)
    weighted_completion: Decimal = Decimal(0)  # sum of completion rate x plays

    def window_end(self, days: int) -> date | None:
        return None if self.first_date is None else self.first_date + timedelta(days=days - 1)

    def complete(self, days: int) -> bool:
        end = self.window_end(days)
        return end is not None and self.last_reported is not None and self.last_reported >= end


@dataclass(frozen=True)
class MetricChange:
    metric: str
    label: str
    baseline: Decimal | None
    affected: Decimal | None
    change: Decimal | None
    change_percent: Decimal | None
    context: bool  # plays and valid plays: the audience, not the reaction


@dataclass(frozen=True)
class Outcome:
    days: int
    measurable: bool
    reason: str
    affected_episodes: list[int]
    baseline_episodes: list[int]
    episodes: list[EpisodeWindow]  # baseline first, then affected
    metrics: list[MetricChange]
    measurable_on: date | None  # the last day a window needs (when every episode has figures)
    hidden: bool = False  # quiet mode hides an episode's metrics from the viewer


def _percent(change: Decimal, base: Decimal) -> Decimal | None:
    if base == 0:
        return None
    return (change / base * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def _average(windows: list[EpisodeWindow], name: str) -> Decimal:
    return Decimal(sum(w.totals.get(name, 0) for w in windows)) / len(windows)


def _completion(windows: list[EpisodeWindow]) -> Decimal | None:
    plays = sum(w.totals.get("plays", 0) for w in windows)
    if not plays:
        return None
    return sum((w.weighted_completion for w in windows), Decimal(0)) / plays


def _changes(baseline: list[EpisodeWindow], affected: list[EpisodeWindow]) -> list[MetricChange]:
    changes = []
    for name in COUNT_METRICS:
        before, after = _average(baseline, name), _average(affected, name)
        change = after - before
        changes.append(
            MetricChange(
                metric=name,
                label=str(METRIC_LABELS[name]),
                baseline=before.quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP),
                affected=after.quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP),
                change=change.quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP),
                change_percent=_percent(change, before),
                context=name in CONTEXT_METRICS,
            )
        )
    before, after = _completion(baseline), _completion(affected)
    change = None if before is None or after is None else after - before
    changes.append(
        MetricChange(
            metric="completion_rate",
            label=str(METRIC_LABELS["completion_rate"]),
            baseline=None if before is None else before.quantize(RATE_PLACES, ROUND_HALF_UP),
            affected=None if after is None else after.quantize(RATE_PLACES, ROUND_HALF_UP),
            change=None if change is None else change.quantize(RATE_PLACES, ROUND_HALF_UP),
            change_percent=None if change is None else _percent(change, before),
            context=False,
        )
    )
    return changes


def _windows(project_id: int, numbers: list[int], days: int) -> dict[int, EpisodeWindow]:
    """Each episode's window over its first ``days`` days of figures: one query."""
    windows = {n: EpisodeWindow(episode=n) for n in numbers}
    rows = (
        EpisodeMetric.objects.filter(project_id=project_id, episode__in=numbers)
        .order_by("episode", "date")
        .values("episode", "date", "completion_rate", *COUNT_METRICS)
    )
    for row in rows:
        window = windows[row["episode"]]
        if window.first_date is None:
            window.first_date = row["date"]
        window.last_reported = row["date"]
        if row["date"] > window.window_end(days):
            continue
        window.days_reported += 1
        for name in COUNT_METRICS:
            window.totals[name] = window.totals.get(name, 0) + row[name]
        window.weighted_completion += row["completion_rate"] * row["plays"]
    return windows


def _list(numbers: list[int]) -> str:
    return episode_ranges(numbers)


def revision_outcome(
    revision: Revision, *, days: int = DEFAULT_DAYS, quiet: QuietView | None = None
) -> Outcome:
    """The affected episodes against the baseline over each episode's first ``days`` days (see
    the module's docstring for the rules). One query (the episodes come prefetched).

    Quiet mode (``quiet``, the viewer's locks): an outcome involving a locked episode is hidden
    until the viewer reveals it; nothing is read then.
    """
    affected_numbers = episode_numbers(revision)
    baseline = baseline_numbers(affected_numbers)
    locked = [
        n
        for n in [*baseline, *affected_numbers]
        if any(lock.covers(n) for lock in _locks(revision, quiet))
    ]
    if locked:
        return Outcome(
            days=days,
            measurable=False,
            reason=str(
                _(
                    "Hidden by quiet mode: episodes %(episodes)s are locked for you; reveal them "
                    "to see the outcome."
                )
                % {"episodes": episode_ranges(locked)}
            ),
            affected_episodes=affected_numbers,
            baseline_episodes=baseline,
            episodes=[],
            metrics=[],
            measurable_on=None,
            hidden=True,
        )
    windows = _windows(revision.project_id, [*baseline, *affected_numbers], days)
    ordered = [windows[n] for n in [*baseline, *affected_numbers]]
    ends = [w.window_end(days) for w in ordered]
    measurable_on = None if None in ends or not ends else max(ends)

    def outcome(reason="", metrics=()) -> Outcome:
        return Outcome(
            days=days,
            measurable=not reason,
            reason=str(reason),
            affected_episodes=affected_numbers,
            baseline_episodes=baseline,
            episodes=ordered,
            metrics=list(metrics),
            measurable_on=measurable_on,
        )

    if not baseline:
        return outcome(
            _(
                "No outcome: the first affected episode is episode 1, so no earlier episodes to "
                "compare with."
            )
        )
    for group, numbers in ((_("affected"), affected_numbers), (_("baseline"), baseline)):
        without = [n for n in numbers if windows[n].first_date is None]
        if without:
            return outcome(
                _("Not enough data yet: no metrics for the %(group)s episodes %(episodes)s.")
                % {"group": group, "episodes": _list(without)}
            )
        short = [n for n in numbers if not windows[n].complete(days)]
        if short:
            return outcome(
                _(
                    "Not enough data yet: the %(group)s episodes %(episodes)s have fewer than "
                    "%(days)d days of metrics (measurable once the figures of %(day)s are in)."
                )
                % {
                    "group": group,
                    "episodes": _list(short),
                    "days": days,
                    "day": measurable_on.isoformat(),
                }
            )
    return outcome(
        metrics=_changes([windows[n] for n in baseline], [windows[n] for n in affected_numbers])
    )


def measurability(revisions: list[Revision], *, days: int = DEFAULT_DAYS) -> dict[int, date | None]:
    """``{revision id: the day its outcome became measurable, or None if not yet}`` for many
    revisions in one query (their episodes prefetched): each episode's first and last day."""
    wanted: dict[int, set[int]] = {}
    groups: dict[int, list[int]] = {}
    for revision in revisions:
        affected = episode_numbers(revision)
        numbers = [*baseline_numbers(affected), *affected] if affected else []
        groups[revision.pk] = numbers if baseline_numbers(affected) else []
        wanted.setdefault(revision.project_id, set()).update(numbers)
    spans: dict[tuple[int, int], tuple[date, date]] = {}
    if wanted:
        condition = Q(pk__in=[])
        for project_id, numbers in wanted.items():
            condition |= Q(project_id=project_id, episode__in=sorted(numbers))
        rows = (
            EpisodeMetric.objects.filter(condition)
            .order_by()
            .values("project_id", "episode")
            .annotate(first=Min("date"), last=Max("date"))
        )
        spans = {(r["project_id"], r["episode"]): (r["first"], r["last"]) for r in rows}
    result: dict[int, date | None] = {}
    for revision in revisions:
        numbers = groups[revision.pk]
        ends = []
        for number in numbers:
            span = spans.get((revision.project_id, number))
            if span is None or span[1] < span[0] + timedelta(days=days - 1):
                ends = []
                break
            ends.append(span[0] + timedelta(days=days - 1))
        result[revision.pk] = max(ends) if ends else None
    return result


# The dashboard -----------------------------------------------------------------------------------


def writing_team_projects_for(user) -> QuerySet[Project]:
    """The projects of the companies where the user is a producer or an admin."""
    organisations = [
        m.organisation_id
        for m in memberships_of(user)
        if m.organisation.kind == Organisation.Kind.PRODUCER and m.role in PRODUCER_SIDE_ROLES
    ]
    return audience_projects_for(user).filter(producer_id__in=organisations)


def projects_with_new_signals_for(user) -> QuerySet[Project]:
    """The writing team's projects whose audience spoke since their last revision (all their
    signals where no revision was recorded yet): unflagged signals posted after it, counted by
    distinct authors (``new_authors``) and in all (``new_signals``), leaving out what quiet mode
    hides from the user. Two queries (the quiet-mode locks, the projects)."""
    last = Revision.objects.filter(project=OuterRef("pk")).order_by("-decided_at")
    new = AudienceSignal.objects.filter(
        project=OuterRef("pk"),
        is_duplicate=False,
        is_automated=False,
        posted_at__gt=Coalesce(
            OuterRef("last_revision_at"), Value(EPOCH, output_field=DateTimeField())
        ),
    )
    # Quiet mode: what is locked for the writer does not count as news either.
    visible = quiet_locks_for(user).visible_q(
        project_field="project_id", episode_field="episode__number"
    )
    if visible is not None:
        new = new.filter(visible)
    new = new.order_by().values("project")
    return (
        writing_team_projects_for(user)
        .annotate(last_revision_at=Subquery(last.values("decided_at")[:1]))
        .annotate(
            new_authors=Coalesce(
                Subquery(
                    new.annotate(n=Count("author_hash", distinct=True)).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            new_signals=Coalesce(
                Subquery(new.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
                0,
            ),
        )
        .filter(new_authors__gt=0)
        .order_by("-new_authors", "title", "pk")
    )


def measurable_revisions_for(
    user, *, days: int = DEFAULT_DAYS, recent_days: int = 30, limit: int = 20
) -> list[tuple[Revision, date]]:
    """The writing team's revisions whose outcome became measurable in the last ``recent_days``
    days, most recently measurable first: three queries."""
    since = business_date() - timedelta(days=recent_days)
    revisions = list(
        Revision.objects.filter(
            project__in=writing_team_projects_for(user).values("pk"),
            decided_at__date__gte=since - timedelta(days=MAX_DAYS),
        )
        .select_related("project")
        .prefetch_related(Prefetch("episodes", queryset=Episode.objects.order_by("number")))
        .order_by("-decided_at", "-id")[:200]
    )
    measurable_on = measurability(revisions, days=days)
    found = [
        (revision, measurable_on[revision.pk])
        for revision in revisions
        if measurable_on[revision.pk] is not None and measurable_on[revision.pk] >= since
    ]
    found.sort(key=lambda pair: (pair[1], pair[0].decided_at), reverse=True)
    return found[:limit]
