"""Read paths of the dashboard's workflow panels: each one query, whatever the number of projects."""

from datetime import datetime
from decimal import Decimal
from statistics import median, quantiles

from django.db.models import Count, Max, Min
from django.utils import timezone

from .deadlines import my_deadlines
from .models import (
    Deadline,
    Membership,
    Organisation,
    ProjectState,
    ProjectTransition,
    ReviewTier,
)
from .selectors import project_list_for
from .visibility import memberships_of
from .waiting import Party, waiting_on

# The stages of the "days per stage" chart: (from transition, to transition), in process order.
STAGES = (
    ("submit", "greenlight"),
    ("greenlight", "start_production"),
    ("start_production", "submit_cut"),
    ("submit_cut", "approve_cut"),
    ("approve_cut", "clear"),
    ("clear", "release"),
)
# The funnel's milestones: the first transition that reaches each.
MILESTONES = ("submit", "greenlight", "start_production", "clear", "release")
WAITING_PARTIES = (Party.PRODUCER, Party.PLATFORM, Party.REGULATOR)
DEADLINE_LIMIT = 10
SECONDS_PER_DAY = Decimal(86400)


def producer_organisation_ids(user) -> list[int]:
    return [
        m.organisation_id
        for m in memberships_of(user)
        if m.organisation.kind == Organisation.Kind.PRODUCER
    ]


def manager_platform_ids(user) -> list[int]:
    """Platforms whose content the user manages (content managers and the platform's admins)."""
    return [
        m.organisation_id
        for m in memberships_of(user)
        if m.organisation.kind == Organisation.Kind.PLATFORM
        and m.role in (Membership.Role.CONTENT_MANAGER, Membership.Role.ORG_ADMIN)
    ]


def project_counts_for(user) -> list[tuple[str, int]]:
    """How many of the user's companies' projects are in each state, in process order (states
    with none left out): one query."""
    counts = dict(
        project_list_for(user)
        .filter(producer_id__in=producer_organisation_ids(user))
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return [(state.value, counts[state.value]) for state in ProjectState if state in counts]


def next_deadlines_for(user, *, at: datetime | None = None) -> list[Deadline]:
    return list(my_deadlines(user, at=at)[:DEADLINE_LIMIT])


def latest_change(user) -> datetime | None:
    """When a project the user sees last changed (the dashboard's cached charts key on it)."""
    latest = (
        project_list_for(user)
        .order_by("-updated_at", "-id")
        .values_list("updated_at", flat=True)[:1]
    )
    return next(iter(latest), None)


def tier_mix(user) -> list[tuple[str, int]]:
    counts = dict(
        project_list_for(user)
        .exclude(review_tier="")
        .order_by()
        .values_list("review_tier")
        .annotate(n=Count("pk"))
        .values_list("review_tier", "n")
    )
    return [(str(tier.label), counts.get(tier.value, 0)) for tier in ReviewTier]


def _first_transitions(user, names) -> dict[int, dict[str, datetime]]:
    """{project: {transition name: when it was first taken}} over the projects the user sees
    (one aggregate row per project and name)."""
    rows = (
        ProjectTransition.objects.filter(
            project__in=project_list_for(user).values("pk"), name__in=names
        )
        .order_by()
        .values("project_id", "name")
        .annotate(first=Min("created_at"))
    )
    firsts: dict[int, dict[str, datetime]] = {}
    for row in rows:
        firsts.setdefault(row["project_id"], {})[row["name"]] = row["first"]
    return firsts


def _days(seconds: float) -> Decimal:
    return Decimal(seconds) / SECONDS_PER_DAY


def _tenth(value) -> Decimal:
    # To a tenth of a day, as the chart labels them (a bar must not show what its label hides).
    return round(Decimal(value), 1)


def median_days_per_stage(user) -> list[tuple[tuple[str, str], Decimal | None]]:
    """Median days between the first time each project took one transition and the first time
    it took the next, over the projects the user sees."""
    return [(stage, middle) for stage, middle, _upper in stage_durations(user)]


def stage_durations(user) -> list[tuple[tuple[str, str], Decimal | None, Decimal | None]]:
    """Per stage: the median and the upper quartile of the days projects took (from the first
    time each took the stage's first transition to the first time it took the next), over the
    projects the user sees; ``None`` where no project has finished the stage."""
    firsts = _first_transitions(user, {name for stage in STAGES for name in stage})
    result = []
    for start, end in STAGES:
        days = sorted(
            _days((times[end] - times[start]).total_seconds())
            for times in firsts.values()
            if start in times and end in times and times[end] >= times[start]
        )
        if not days:
            result.append(((start, end), None, None))
            continue
        upper = quantiles(days, n=4, method="inclusive")[2] if len(days) > 1 else days[0]
        result.append(((start, end), _tenth(median(days)), _tenth(upper)))
    return result


def waiting_by_party(
    user, *, at: datetime | None = None
) -> list[tuple[Party, int, Decimal | None]]:
    """Where the projects the user sees wait now: per party (producer, platform, regulator),
    how many projects and the median days since their last transition (since they were created,
    for drafts). Projects that wait on nobody (released, ended) are left out."""
    at = at or timezone.now()
    rows = (
        project_list_for(user)
        .order_by()
        .annotate(since=Max("transitions__created_at"))
        .values_list("state", "review_tier", "since", "created_at")
    )
    waits: dict[Party, list[Decimal]] = {party: [] for party in WAITING_PARTIES}
    for state, tier, since, created_at in rows:
        party = waiting_on(state, tier)
        if party in waits:
            waits[party].append(_days(max((at - (since or created_at)).total_seconds(), 0)))
    return [
        (party, len(days), _tenth(median(days)) if days else None) for party, days in waits.items()
    ]


def funnel_per_platform(user) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """How many of the projects the user sees reached each milestone (submitted, greenlit, in
    production, cleared, released), per commissioning platform: (platform names, rows of
    (milestone transition, one count per platform)). Platforms in name order."""
    rows = (
        ProjectTransition.objects.filter(
            project__in=project_list_for(user).values("pk"),
            project__platform__isnull=False,
            name__in=MILESTONES,
        )
        .order_by()
        .values("project__platform__name", "name")
        .annotate(n=Count("project_id", distinct=True))
    )
    counts = {(row["project__platform__name"], row["name"]): row["n"] for row in rows}
    platforms = sorted({platform for platform, _name in counts})
    return platforms, [
        (name, [counts.get((platform, name), 0) for platform in platforms]) for name in MILESTONES
    ]
