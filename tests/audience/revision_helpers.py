"""Rows for the revision-log tests, written directly: signals with their terms (as the import would
store them) and episode metrics (as the platform would report them)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from audience.models import AudienceSignal, Episode, EpisodeMetric, SignalImport, SignalTerm

SHANGHAI = ZoneInfo("Asia/Shanghai")
POSTED = datetime(2026, 3, 3, 21, 0, tzinfo=SHANGHAI)


class Signals:
    """Adds signals to one project through one import record."""

    def __init__(self, project, user) -> None:
        self.project = project
        self.source = SignalImport.objects.create(
            project=project, source=SignalImport.Source.API, imported_by=user
        )
        self.count = 0

    def add(
        self,
        text: str,
        terms: tuple[str, ...] = (),
        *,
        episode: int = 1,
        author: str = "a1",
        likes: int = 0,
        posted_at: datetime | None = None,
        duplicate: bool = False,
        automated: bool = False,
    ) -> AudienceSignal:
        self.count += 1
        signal = AudienceSignal.objects.create(
            project=self.project,
            episode=Episode.objects.get(project=self.project, number=episode),
            source_import=self.source,
            platform="douyin",
            kind=AudienceSignal.Kind.COMMENT,
            posted_at=posted_at or POSTED + timedelta(minutes=self.count),
            text=text,
            author_hash=f"hash-{author}",
            likes=likes,
            fingerprint=f"fp-{self.count}",
            is_duplicate=duplicate,
            is_automated=automated,
        )
        SignalTerm.objects.bulk_create(
            SignalTerm(signal=signal, project=self.project, term=term) for term in terms
        )
        return signal


def metric(
    project,
    episode: int,
    day: date,
    *,
    plays: int,
    likes: int,
    comments: int,
    shares: int,
    completion: str,
) -> EpisodeMetric:
    return EpisodeMetric.objects.create(
        project=project,
        episode=episode,
        date=day,
        plays=plays,
        valid_plays=plays * 4 // 5,
        retention_3s=Decimal("0.9"),
        retention_5s=Decimal("0.8"),
        retention_10s=Decimal("0.7"),
        completion_rate=Decimal(completion),
        likes=likes,
        comments=comments,
        shares=shares,
        paid_unlocks=0,
        paid_revenue=Decimal("0"),
        ad_revenue=Decimal("0"),
    )


D0 = date(2026, 3, 3)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


# The worked example (tests/audience/test_revisions_outcome.py): affected 11-12, baseline 9-10,
# a 3-day window. (episode, day, plays, likes, comments, shares, completion)
WORKED = [
    (9, 0, 1000, 100, 10, 5, "0.50"),
    (9, 1, 600, 60, 6, 3, "0.40"),
    (9, 2, 400, 40, 4, 2, "0.30"),
    (9, 3, 5000, 999, 99, 99, "0.99"),  # day 4 of episode 9: outside its window
    (10, 1, 800, 80, 8, 4, "0.50"),  # episode 10 starts a day later
    (10, 2, 700, 70, 7, 3, "0.40"),
    (10, 3, 500, 50, 5, 3, "0.30"),
    (10, 4, 9000, 999, 99, 99, "0.99"),  # outside its window
    (11, 7, 1500, 180, 30, 9, "0.60"),
    (11, 8, 900, 90, 12, 6, "0.50"),
    (11, 9, 600, 63, 6, 3, "0.40"),
    (12, 7, 1000, 100, 10, 4, "0.55"),
    (12, 8, 600, 50, 5, 2, "0.45"),
    (12, 9, 400, 34, 4, 1, "0.35"),
]


def worked_metrics(project, rows=WORKED) -> None:
    for episode, n, plays, likes, comments, shares, completion in rows:
        metric(
            project,
            episode,
            day(n),
            plays=plays,
            likes=likes,
            comments=comments,
            shares=shares,
            completion=completion,
        )
