"""The dashboard at ``/``: panels by role, and a registry other apps add their panels to.

workflow must not import the apps above it, so they register their panels here from
their ``AppConfig.ready()`` (``reviews/dashboard.py``, ``releases/dashboard.py``), as they do
guards. A panel builder takes the user and returns a ``Panel`` (or ``None`` to stay hidden); each
runs a fixed number of queries, so the page costs the same whatever the number of projects.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import admin
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from . import dashboard_selectors as selectors
from .charts import Chart
from .models import TERMINAL_STATES, Membership, Organisation, ProjectState
from .visibility import memberships_of

PRODUCER = "producer"
CONTENT_MANAGER = "content_manager"
RATER = "rater"
REGULATOR = "regulator"
MEMBER = "member"  # every signed-in member: the overview charts
ROLES = (PRODUCER, CONTENT_MANAGER, RATER, REGULATOR, MEMBER)


@dataclass
class Item:
    label: str
    url: str
    detail: str = ""
    highlight: bool = False


@dataclass
class Panel:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    empty: str = ""
    chart: Chart | None = None
    wide: bool = False


PanelBuilder = Callable[..., Panel | None]
Stamp = Callable[..., object]
_registry: list[tuple[str, int, PanelBuilder]] = []
_stamps: dict[PanelBuilder, Stamp] = {}
CACHE_SECONDS = 3600


def panel(
    role: str, *, order: int = 100, cached: bool | Stamp = False
) -> Callable[[PanelBuilder], PanelBuilder]:
    """Register ``builder(user) -> Panel | None`` for users holding ``role``; lower ``order``
    shows first.

    ``cached``: the panel is an aggregate over everything the user sees (a chart), too costly to
    recompute on every page at scale; it is kept per user and language until ``stamp(user)``
    changes (at most ``CACHE_SECONDS``). ``True`` stamps with the latest change of the projects
    the user sees (any transition or edit moves it; one index probe); a callable is another
    stamp, cheap to read, that moves whenever the panel's rows do.
    """
    if role not in ROLES:
        raise ValueError(role)

    def register(builder: PanelBuilder) -> PanelBuilder:
        _registry.append((role, order, builder))
        if cached:
            _stamps[builder] = selectors.latest_change if cached is True else cached
        return builder

    return register


def _cached_panel(builder: PanelBuilder, user, stamps: dict) -> Panel | None:
    stamp_of = _stamps[builder]
    if stamp_of not in stamps:
        stamps[stamp_of] = stamp_of(user)  # once per page per stamp
    identity = f"{builder.__module__}.{builder.__qualname__}|{user.pk}|{get_language()}"
    key = "dashboard:" + hashlib.sha256(f"{identity}|{stamps[stamp_of]}".encode()).hexdigest()
    result = cache.get(key)
    if result is None:
        result = builder(user)
        cache.set(key, result, CACHE_SECONDS)
    return result


def roles_of(user) -> set[str]:
    if user.is_superuser:
        return set(ROLES)
    roles = set()
    for membership in memberships_of(user):
        kind = membership.organisation.kind
        roles.add(MEMBER)
        if kind == Organisation.Kind.PRODUCER:
            roles.add(PRODUCER)
        elif kind == Organisation.Kind.REGULATOR:
            roles.add(REGULATOR)
        elif membership.role in (Membership.Role.CONTENT_MANAGER, Membership.Role.ORG_ADMIN):
            roles.add(CONTENT_MANAGER)
        elif membership.role == Membership.Role.RATER:
            roles.add(RATER)
    return roles


def panels_for(user) -> list[Panel]:
    """Each role's panels, once each (a user with several roles sees every role's panels)."""
    roles = roles_of(user)
    seen: set[str] = set()
    panels = []
    stamps: dict = {}
    for role, _order, builder in sorted(_registry, key=lambda entry: entry[1]):
        if role not in roles:
            continue
        if builder in _stamps:
            result = _cached_panel(builder, user, stamps)
        else:
            result = builder(user)
        if result is None or result.key in seen:
            continue
        seen.add(result.key)
        panels.append(result)
    return panels


def admin_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def when(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


# The workflow's own panels -----------------------------------------------------------------------


@panel(PRODUCER, order=10)
def my_projects_board(user) -> Panel:
    """A count per state, each a way into the board (``/board/``), where the cards are."""
    board = reverse("board")
    items = [
        Item(
            label=str(ProjectState(state).label),
            # The closed columns are shown on asking.
            url=f"{board}{'?closed=1' if state in TERMINAL_STATES else ''}#column-{state}",
            detail=ngettext("%(count)d project", "%(count)d projects", count) % {"count": count},
        )
        for state, count in selectors.project_counts_for(user)
    ]
    if items:
        items.append(Item(label=gettext("Open the board"), url=board))
    return Panel(
        key="my_projects",
        title=gettext("My projects by state"),
        items=items,
        empty=gettext("No projects yet."),
    )


@panel(PRODUCER, order=30)
def my_next_deadlines(user) -> Panel:
    items = [
        Item(
            label=f"{deadline.project.title}: {deadline.get_kind_display()}",
            url=admin_url(deadline.project),
            detail=(
                gettext("overdue since %(when)s")
                if deadline.is_overdue
                else gettext("due %(when)s")
            )
            % {"when": when(deadline.due_at)},
            highlight=deadline.is_overdue,
        )
        for deadline in selectors.next_deadlines_for(user)
    ]
    return Panel(
        key="my_deadlines",
        title=gettext("My next deadlines"),
        items=items,
        empty=gettext("No running deadlines."),
    )


STAGE_LABELS = {
    ("submit", "greenlight"): _("Proposal to greenlight"),
    ("greenlight", "start_production"): _("Greenlight to production"),
    ("start_production", "submit_cut"): _("Production to first cut"),
    ("submit_cut", "approve_cut"): _("Cut review"),
    ("approve_cut", "clear"): _("Finished-cut review"),
    ("clear", "release"): _("Clearance to release"),
}
MILESTONE_LABELS = {
    "submit": _("Submitted"),
    "greenlight": _("Greenlit"),
    "start_production": _("In production"),
    "clear": _("Cleared"),
    "release": _("Released"),
}


@panel(MEMBER, order=200, cached=True)
def waiting_on_chart(user) -> Panel:
    """Replaces "projects per state" (the board above already counts those): who the projects
    wait on now, and for how long."""
    rows = selectors.waiting_by_party(user)
    chart = Chart(
        key="waiting-on",
        title=gettext("Where projects wait now"),
        label_heading=gettext("Waiting on"),
        value_heading=gettext("Projects"),
        rows=[(str(party.label), count) for party, count, _days in rows],
        extra_heading=gettext("Median days waiting"),
        extra={
            str(party.label): gettext("median %(days)s days")
            % {"days": number_format(days, decimal_pos=1)}
            for party, count, days in rows
            if days is not None
        },
    )
    return Panel(
        key="chart_waiting", title=chart.title, chart=chart, empty=gettext("No project waits.")
    )


@panel(MEMBER, order=210, cached=True)
def stage_days_chart(user) -> Panel:
    chart = Chart(
        key="stage-days",
        title=gettext("Days per stage"),
        label_heading=gettext("Stage"),
        series=(gettext("Median"), gettext("Upper quartile")),
        rows=[
            (str(STAGE_LABELS[stage]), (middle, upper))
            for stage, middle, upper in selectors.stage_durations(user)
        ],
        unit=pgettext("unit after a number", "days"),
    )
    return Panel(
        key="chart_stage_days",
        title=chart.title,
        chart=chart,
        empty=gettext("No project has finished a stage yet."),
    )


@panel(MEMBER, order=215, cached=True)
def funnel_chart(user) -> Panel:
    platforms, rows = selectors.funnel_per_platform(user)
    chart = Chart(
        key="funnel",
        title=gettext("From proposal to release, per platform"),
        label_heading=gettext("Milestone"),
        series=tuple(platforms),
        rows=[(str(MILESTONE_LABELS[name]), tuple(counts)) for name, counts in rows],
    )
    return Panel(
        key="chart_funnel",
        title=chart.title,
        chart=chart,
        empty=gettext("No proposal has been submitted yet."),
    )


@panel(MEMBER, order=220, cached=True)
def tier_mix_chart(user) -> Panel:
    chart = Chart(key="tier-mix", title=gettext("Tier mix"), rows=selectors.tier_mix(user))
    return Panel(
        key="chart_tiers",
        title=chart.title,
        chart=chart,
        empty=gettext("No project has a tier yet."),
    )


# The page --------------------------------------------------------------------------------------


def _dashboard(request):
    context = {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "panels": panels_for(request.user),
    }
    return render(request, "dashboard/index.html", context)


def dashboard_view(request, *args, **kwargs):
    """Signed-in members only: the admin's own check (anonymous users and non-members go to the
    sign-in page with ``?next=/``)."""
    return admin.site.admin_view(_dashboard)(request, *args, **kwargs)
