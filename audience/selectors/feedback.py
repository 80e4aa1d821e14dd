"""What the audience is saying: term counts over a project's signals, in SQL.

Each signal's terms are stored once per signal at import (``SignalTerm``), so a count is one
grouped query of the terms joined to their signals. The primary measure is the number of
**distinct authors** who used a term (``COUNT(DISTINCT author_hash)``): one loud account posting
"男主太帅了" five times is one author for 男主. Raw mentions (signals containing the term) come
second. A share is authors using the term over all authors of the signals counted.

Filters (``FeedbackFilter``):

- episodes' signals, or the test clips' (``clips``): they are never mixed, because clips are seen
  before the series by a different audience;
- an episode, a release batch, a platform, a kind of signal;
- ``window_hours``: only signals posted within that many hours after their episode's batch (or
  their clip) was released; signals of something with no release time are left out;
- ``early``: early commenters only. An early commenter is an author who posted at least one
  (unflagged) signal within ``EARLY_HOURS`` of the release of the episode's batch or clip it was
  about: the viewers who watch a batch as it drops, as against those who arrive later (often
  brought by bought traffic). All of their signals count, later ones too; combine with
  ``window_hours`` to also bound the time;
- flagged signals (exact duplicates, suspected automated) are left out unless
  ``include_flagged``;
- quiet mode: the locks the viewer has not revealed (``audience.selectors.quiet``).

Every function runs a fixed number of queries (two), whatever the number of terms or signals.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import Cast, TruncDate

from audience.models import AudienceSignal, ReleaseBatch, SignalTerm
from workflow.models import Project

from .quiet import QuietView

EARLY_HOURS = 24
RISING_MIN_AUTHORS = 3
SHARE_PLACES = Decimal("0.0001")
LIFT_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class FeedbackFilter:
    project: Project
    episode: int | None = None
    batch: int | None = None
    clips: bool = False
    platform: str | None = None
    kind: str | None = None
    window_hours: int | None = None
    early: bool = False
    include_flagged: bool = False
    quiet: QuietView = field(default_factory=QuietView)


def _share(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def _released_at(clips: bool, prefix: str = "") -> F:
    return F(f"{prefix}clip__released_at" if clips else f"{prefix}episode__batch__released_at")


def _within(hours: int, clips: bool, prefix: str = "") -> Q:
    released = _released_at(clips, prefix)
    until = ExpressionWrapper(released + timedelta(hours=hours), output_field=DateTimeField())
    return Q(**{f"{prefix}posted_at__gte": released, f"{prefix}posted_at__lte": until})


def early_authors(project: Project):
    """The author hashes of the project's early commenters (a subquery, see the module doc)."""
    unflagged = AudienceSignal.objects.filter(
        project=project, is_duplicate=False, is_automated=False
    )
    return (
        unflagged.filter(_within(EARLY_HOURS, clips=False) | _within(EARLY_HOURS, clips=True))
        .values("author_hash")
        .distinct()
    )


def signal_q(f: FeedbackFilter, prefix: str = "") -> Q:
    """The signals ``f`` selects, as a ``Q`` on ``AudienceSignal`` (``prefix`` ``"signal__"``
    on ``SignalTerm``)."""

    def on(name: str, value) -> Q:
        return Q(**{f"{prefix}{name}": value})

    q = on("project_id", f.project.pk)
    q &= on("clip__isnull" if f.clips else "episode__isnull", False)
    if f.episode is not None:
        q &= on("episode__number", f.episode)
    if f.batch is not None:
        q &= on("episode__batch__number", f.batch)
    if f.platform:
        q &= on("platform", f.platform)
    if f.kind:
        q &= on("kind", f.kind)
    if not f.include_flagged:
        q &= on("is_duplicate", False) & on("is_automated", False)
    if f.window_hours:
        q &= _within(f.window_hours, f.clips, prefix)
    if f.early:
        q &= on("author_hash__in", early_authors(f.project))
    hidden = f.quiet.hidden_q(
        project_field=f"{prefix}project_id", episode_field=f"{prefix}episode__number"
    )
    if hidden is not None:
        q &= ~hidden
    return q


def _signals(f: FeedbackFilter):
    return AudienceSignal.objects.filter(signal_q(f))


def _terms(f: FeedbackFilter):
    return SignalTerm.objects.filter(signal_q(f, "signal__"))


def _authors(prefix: str = "", **extra) -> Count:
    return Count(f"{prefix}author_hash", distinct=True, **extra)


# Top terms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermCount:
    term: str
    authors: int
    mentions: int
    share: Decimal


@dataclass(frozen=True)
class TopTerms:
    authors: int  # distinct authors of the signals counted
    signals: int
    terms: list[TermCount]


def top_terms(f: FeedbackFilter, *, limit: int = 20) -> TopTerms:
    """The terms most authors used, most first (ties: more mentions, then alphabetical)."""
    totals = _signals(f).aggregate(authors=_authors(), signals=Count("pk"))
    rows = (
        _terms(f)
        .values("term")
        .annotate(n_authors=_authors("signal__"), n_mentions=Count("pk"))
        .order_by("-n_authors", "-n_mentions", "term")[:limit]
    )
    terms = [
        TermCount(
            term=row["term"],
            authors=row["n_authors"],
            mentions=row["n_mentions"],
            share=_share(row["n_authors"], totals["authors"]),
        )
        for row in rows
    ]
    return TopTerms(authors=totals["authors"], signals=totals["signals"], terms=terms)


# Rising terms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RisingTerm:
    term: str
    authors: int
    mentions: int
    share: Decimal
    previous_authors: int
    previous_mentions: int
    previous_share: Decimal
    change: Decimal  # share - previous share
    lift: Decimal | None  # share / previous share; None when the term is new


@dataclass(frozen=True)
class RisingTerms:
    batch: int
    previous_batch: int
    authors: int
    previous_authors: int
    min_authors: int
    terms: list[RisingTerm]


def latest_batch_with_signals(project: Project) -> int | None:
    """The number of the project's last batch whose episodes have signals: what "rising" is
    read against by default (a batch just released, with nothing said yet, says nothing)."""
    return (
        ReleaseBatch.objects.filter(project=project, episodes__signals__isnull=False)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )


def rising_terms(
    f: FeedbackFilter, *, batch: int, min_authors: int = RISING_MIN_AUTHORS, limit: int = 20
) -> RisingTerms:
    """Terms used by a larger share of batch ``batch``'s authors than of batch ``batch - 1``'s.

    Ranked by the change of share (percentage points), which a term needs many authors to
    move; a term needs at least ``min_authors`` authors in ``batch`` so that one-off terms do
    not lead. ``f.batch`` and ``f.episode`` are ignored: the two batches are compared whole.
    """
    previous = batch - 1
    both = replace(f, batch=None, episode=None, clips=False)
    in_batch = Q(episode__batch__number=batch)
    in_previous = Q(episode__batch__number=previous)
    totals = _signals(both).aggregate(
        authors=_authors(filter=in_batch), previous_authors=_authors(filter=in_previous)
    )
    total, previous_total = totals["authors"], totals["previous_authors"]
    term_in_batch = Q(signal__episode__batch__number=batch)
    term_in_previous = Q(signal__episode__batch__number=previous)
    change = ExpressionWrapper(
        Cast("n_authors", FloatField()) / Value(float(total or 1))
        - Cast("n_previous_authors", FloatField()) / Value(float(previous_total or 1)),
        output_field=FloatField(),
    )
    rows = (
        _terms(both)
        .filter(signal__episode__batch__number__in=[previous, batch])
        .values("term")
        .annotate(
            n_authors=_authors("signal__", filter=term_in_batch),
            n_mentions=Count("pk", filter=term_in_batch),
            n_previous_authors=_authors("signal__", filter=term_in_previous),
            n_previous_mentions=Count("pk", filter=term_in_previous),
        )
        .annotate(change=change)
        .filter(n_authors__gte=min_authors, change__gt=0)
        .order_by("-change", "-n_authors", "term")[:limit]
    )
    terms = []
    for row in rows:
        share = _share(row["n_authors"], total)
        previous_share = _share(row["n_previous_authors"], previous_total)
        lift = None
        if row["n_previous_authors"]:
            lift = (
                (Decimal(row["n_authors"]) / Decimal(total))
                / (Decimal(row["n_previous_authors"]) / Decimal(previous_total))
            ).quantize(LIFT_PLACES, rounding=ROUND_HALF_UP)
        terms.append(
            RisingTerm(
                term=row["term"],
                authors=row["n_authors"],
                mentions=row["n_mentions"],
                share=share,
                previous_authors=row["n_previous_authors"],
                previous_mentions=row["n_previous_mentions"],
                previous_share=previous_share,
                change=share - previous_share,
                lift=lift,
            )
        )
    return RisingTerms(
        batch=batch,
        previous_batch=previous,
        authors=total,
        previous_authors=previous_total,
        min_authors=min_authors,
        terms=terms,
    )


# One term over time and by episode ------------------------------------------------------------


@dataclass(frozen=True)
class TermPoint:
    authors: int  # authors who used the term
    mentions: int
    all_authors: int  # authors of any signal counted in the bucket
    share: Decimal
    day: date | None = None
    episode: int | None = None


def term_over_time(f: FeedbackFilter, *, term: str) -> list[TermPoint]:
    """Per day (China time) with signals: the authors who used ``term`` among all authors."""
    totals = (
        _signals(f)
        .annotate(day=TruncDate("posted_at"))
        .values("day")
        .annotate(n_authors=_authors())
        .order_by("day")
    )
    used = {
        row["day"]: row
        for row in _terms(f)
        .filter(term=term)
        .annotate(day=TruncDate("signal__posted_at"))
        .values("day")
        .annotate(n_authors=_authors("signal__"), n_mentions=Count("pk"))
        .order_by()
    }
    return [
        TermPoint(
            day=row["day"],
            authors=used.get(row["day"], {}).get("n_authors", 0),
            mentions=used.get(row["day"], {}).get("n_mentions", 0),
            all_authors=row["n_authors"],
            share=_share(used.get(row["day"], {}).get("n_authors", 0), row["n_authors"]),
        )
        for row in totals
    ]


def term_by_episode(f: FeedbackFilter, *, term: str) -> list[TermPoint]:
    """Per episode with signals: the authors who used ``term`` among the episode's authors."""
    episodes = replace(f, clips=False, episode=None)
    totals = (
        _signals(episodes)
        .values("episode__number")
        .annotate(n_authors=_authors())
        .order_by("episode__number")
    )
    used = {
        row["signal__episode__number"]: row
        for row in _terms(episodes)
        .filter(term=term)
        .values("signal__episode__number")
        .annotate(n_authors=_authors("signal__"), n_mentions=Count("pk"))
        .order_by()
    }
    points = []
    for row in totals:
        number = row["episode__number"]
        hit = used.get(number, {})
        points.append(
            TermPoint(
                episode=number,
                authors=hit.get("n_authors", 0),
                mentions=hit.get("n_mentions", 0),
                all_authors=row["n_authors"],
                share=_share(hit.get("n_authors", 0), row["n_authors"]),
            )
        )
    return points
