"""Read paths of the dashboard's workflow panels: each one query, whatever the number of projects."""

from datetime import datetime
from decimal import Decimal
from statistics import median

from django.db.models import Count, Min

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

# The stages of the "median days" chart: (from transition, to transition).
STAGES = (("submit", "greenlight"), ("greenlight", "clear"), ("clear", "release"))
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


def projects_per_state(user) -> list[tuple[str, int]]:
    counts = dict(
        project_list_for(user)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return [(str(state.label), counts[state.value]) for state in ProjectState if state in counts]


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


def median_days_per_stage(user) -> list[tuple[tuple[str, str], Decimal | None]]:
    """Median days between the first time each project took one transition and the first time
    it took the next, over the projects the user sees (one aggregate row per project and name)."""
    names = {name for stage in STAGES for name in stage}
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
    result = []
    for start, end in STAGES:
        days = [
            Decimal((times[end] - times[start]).total_seconds()) / SECONDS_PER_DAY
            for times in firsts.values()
            if start in times and end in times and times[end] >= times[start]
        ]
        # To a tenth of a day, as the chart labels them (a bar must not show what its label hides).
        result.append(((start, end), round(median(days), 1) if days else None))
    return result
