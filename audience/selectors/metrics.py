"""Read paths for release metrics: who may read them, the list, and a project's summary.

Metrics are commercial figures between the producer and the commissioning platform: the
producer company's members and the platform's content managers (and both organisations' admins)
read them; raters and regulators do not see them at all. Quiet mode hides the metrics of locked
episodes from the writing team (``audience.selectors.quiet``).
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf

from audience.models.metrics import COUNT_FIELDS, MONEY_FIELDS, RATE_FIELDS, EpisodeMetric
from audience.selectors.quiet import quiet_metric_q
from common.values import MONEY_TOTAL, RATE_PLACES
from workflow.models import Membership, Project
from workflow.visibility import project_scope_q

R = Membership.Role
PRODUCER_READERS = frozenset({R.PRODUCER, R.ORG_ADMIN})
PLATFORM_READERS = frozenset({R.CONTENT_MANAGER, R.ORG_ADMIN})
WEIGHTED = DecimalField(max_digits=30, decimal_places=4)
MONEY_TOTAL_FIELD = DecimalField(**MONEY_TOTAL)


def metric_projects_q(user) -> Q:
    """Projects whose metrics the user may read."""
    return project_scope_q(
        user, producer_roles=PRODUCER_READERS, platform_roles=PLATFORM_READERS, regulators=False
    )


def metric_project_list_for(user) -> QuerySet[Project]:
    if user is not None and user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(metric_projects_q(user))


def episode_metric_list_for(user) -> QuerySet[EpisodeMetric]:
    visible = metric_project_list_for(user).values("pk")
    return (
        EpisodeMetric.objects.filter(project__in=visible)
        .filter(quiet_metric_q(user))
        .select_related("project")
        .order_by("-date", "project_id", "episode")
    )


def _weighted(rate: str):
    """The plays-weighted average of a rate; null where there were no plays."""
    return ExpressionWrapper(
        Sum(F(rate) * F("plays"), output_field=WEIGHTED) / NullIf(Sum("plays"), 0),
        output_field=WEIGHTED,
    )


def _rounded(rate: Decimal | None) -> Decimal | None:
    return None if rate is None else rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MetricsSummary:
    project_id: int
    rows: int
    days: int
    first_date: date | None
    last_date: date | None
    totals: dict[str, int | Decimal]
    episodes: list[dict]


def project_metrics_summary(
    project: Project,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    viewer=None,
) -> MetricsSummary:
    """Totals over every row, and per episode the retention curve: two queries.

    The rates of an episode are averaged over its days weighted by plays, so a day with ten
    times the audience counts ten times as much. With a ``viewer``, the rows quiet mode hides
    from them are left out of both.
    """
    rows = EpisodeMetric.objects.filter(project=project)
    if viewer is not None:
        rows = rows.filter(quiet_metric_q(viewer))
    if date_from is not None:
        rows = rows.filter(date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(date__lte=date_to)
    zero_money = Value(Decimal("0"), output_field=MONEY_TOTAL_FIELD)
    totals = rows.aggregate(
        rows=Count("pk"),
        days=Count("date", distinct=True),
        first_date=Min("date"),
        last_date=Max("date"),
        **{name: Coalesce(Sum(name), 0) for name in COUNT_FIELDS},
        **{
            name: Coalesce(Sum(name, output_field=MONEY_TOTAL_FIELD), zero_money)
            for name in MONEY_FIELDS
        },
    )
    # Annotations named apart from the fields: F("plays") inside the weights must be the column.
    curve = (
        rows.values("episode")
        .annotate(
            n_days=Count("date"),
            sum_plays=Sum("plays"),
            sum_valid_plays=Sum("valid_plays"),
            **{f"avg_{name}": _weighted(name) for name in RATE_FIELDS},
        )
        .order_by("episode")
    )
    episodes = [
        {
            "episode": point["episode"],
            "days": point["n_days"],
            "plays": point["sum_plays"],
            "valid_plays": point["sum_valid_plays"],
            **{name: _rounded(point[f"avg_{name}"]) for name in RATE_FIELDS},
        }
        for point in curve
    ]
    return MetricsSummary(
        project_id=project.pk,
        rows=totals.pop("rows"),
        days=totals.pop("days"),
        first_date=totals.pop("first_date"),
        last_date=totals.pop("last_date"),
        totals=totals,
        episodes=episodes,
    )
