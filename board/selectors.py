"""The board: the user's projects by state, in a fixed number of queries whatever their number.

Scope is ``workflow.selectors.project_list_for`` (the one visibility rule); who a project waits
on is ``workflow.waiting``; which transitions a card offers is the state machine's own
declaration (source state and permission predicate), read without a query. A transition's
guards are not run per card (they read related records): the page the card links to shows them.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from workflow.models import TERMINAL_STATES, Deadline, Project, ProjectState, ReviewTier
from workflow.selectors import IRREVERSIBLE_TARGETS, project_list_for, transition_names
from workflow.waiting import Party, waiting_on

# Cards per column on the page; the column's count says how many there are in all.
COLUMN_LIMIT = 50


@dataclass(frozen=True)
class BoardFilters:
    platform_id: int | None = None
    tier: str = ""
    overdue: bool = False
    closed: bool = False  # show the terminal columns


@dataclass(frozen=True)
class CardTransition:
    name: str
    label: str
    destructive: bool
    decided_by: str  # how a decision-only transition is made; empty for a fired one


@dataclass
class Card:
    project: Project
    waiting_on: Party
    next_due_at: datetime | None
    overdue: bool
    transitions: list[CardTransition] = field(default_factory=list)

    @property
    def tier_label(self) -> str:
        return str(ReviewTier(self.project.review_tier).label) if self.project.review_tier else ""


@dataclass
class Column:
    state: ProjectState
    count: int
    terminal: bool
    cards: list[Card] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.state.label)

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Board:
    columns: list[Column]
    filters: BoardFilters
    closed_count: int  # projects in the terminal columns, shown or not

    @property
    def total(self) -> int:
        return sum(column.count for column in self.columns if not column.terminal)


def _next_due() -> Subquery:
    """The project's earliest running deadline (a paused clock waits on someone else and its due
    time is not final), as the project list shows it."""
    return Subquery(
        Deadline.objects.filter(
            project=OuterRef("pk"), status=Deadline.Status.OPEN, paused_at__isnull=True
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )


def _overdue(now: datetime) -> Exists:
    return Exists(
        Deadline.objects.filter(
            project=OuterRef("pk"),
            status=Deadline.Status.OPEN,
            paused_at__isnull=True,
            due_at__lt=now,
        )
    )


def board_projects(user, filters: BoardFilters, *, now: datetime | None = None) -> QuerySet:
    """The projects of the user's board under ``filters`` (every state), with ``next_due_at``."""
    now = now or timezone.now()
    projects = project_list_for(user)
    if filters.platform_id is not None:
        projects = projects.filter(platform_id=filters.platform_id)
    if filters.tier:
        projects = projects.filter(review_tier=filters.tier)
    if filters.overdue:
        projects = projects.filter(_overdue(now))
    return projects.annotate(next_due_at=_next_due())


def _transitions_by_source() -> dict[str, list]:
    by_source: dict[str, list] = {}
    transitions = Project._meta.get_field("state").get_all_transitions(Project)
    order = transition_names()
    for transition in sorted(transitions, key=lambda t: order.index(t.name)):
        by_source.setdefault(transition.source, []).append(transition)
    return by_source


def card_transitions(project: Project, user, by_source: dict | None = None) -> list:
    """The transitions from the project's state whose permission the user holds (no query once
    the memberships are read). Guards are for the transition's page to tell."""
    by_source = by_source if by_source is not None else _transitions_by_source()
    offered = []
    for transition in by_source.get(project.state, ()):
        if not transition.has_perm(project, user):
            continue
        way = transition.custom.get("decided_by")
        offered.append(
            CardTransition(
                name=transition.name,
                label=str(transition.custom.get("label", transition.name)),
                # The project page's rule: shown apart and confirmed on their own page.
                destructive=transition.target in IRREVERSIBLE_TARGETS,
                decided_by="" if way is None else str(way),
            )
        )
    # The ones that end a project last, apart from the rest.
    return sorted(offered, key=lambda t: t.destructive)


def card_for(project: Project, user, *, now: datetime, by_source: dict | None = None) -> Card:
    due = getattr(project, "next_due_at", None)
    return Card(
        project=project,
        waiting_on=waiting_on(project.state, project.review_tier),
        next_due_at=due,
        overdue=due is not None and due < now,
        transitions=card_transitions(project, user, by_source),
    )


def board_for(
    user, filters: BoardFilters, *, limit: int = COLUMN_LIMIT, now: datetime | None = None
) -> Board:
    """The columns in process order with their counts, and up to ``limit`` cards each (soonest
    due first, then the most recently changed): two queries after the memberships."""
    now = now or timezone.now()
    projects = board_projects(user, filters, now=now)
    counts = dict(
        projects.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    shown_states = [
        state for state in ProjectState if filters.closed or state not in TERMINAL_STATES
    ]
    ranked = (
        projects.filter(state__in=shown_states)
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("state")],
                order_by=[
                    F("next_due_at").asc(nulls_last=True),
                    F("updated_at").desc(),
                    F("id").desc(),
                ],
            )
        )
        .filter(position__lte=limit)
        .order_by("state", "position")
    )
    columns = {
        state: Column(state=state, count=counts.get(state, 0), terminal=state in TERMINAL_STATES)
        for state in shown_states
    }
    by_source = _transitions_by_source()
    for project in ranked:
        columns[ProjectState(project.state)].cards.append(
            card_for(project, user, now=now, by_source=by_source)
        )
    return Board(
        columns=list(columns.values()),
        filters=filters,
        closed_count=sum(counts.get(state, 0) for state in TERMINAL_STATES),
    )


def board_cards(user, project_ids, *, now: datetime | None = None) -> list[Card]:
    """The cards of the selected projects in the user's scope (board order): one query. Ids
    outside the scope are simply not there; the caller decides what that means."""
    now = now or timezone.now()
    projects = (
        board_projects(user, BoardFilters(), now=now)
        .filter(pk__in=list(project_ids))
        .order_by(F("next_due_at").asc(nulls_last=True), "-updated_at", "-id")
    )
    order = {state: index for index, state in enumerate(ProjectState)}
    by_source = _transitions_by_source()
    cards = [card_for(project, user, now=now, by_source=by_source) for project in projects]
    return sorted(cards, key=lambda card: order[ProjectState(card.project.state)])
