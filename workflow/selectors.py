"""Read paths: every query scoped to what the user's organisations may see."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.api import in_scope
from common.clock import business_date

from . import guards
from .models import (
    TERMINAL_STATES,
    Membership,
    Organisation,
    Project,
    ProjectState,
    ProjectTransition,
)
from .visibility import memberships_of, project_scope_q, through


def project_list_for(user) -> QuerySet[Project]:
    if user is not None and user.is_superuser:
        queryset = Project.objects.all()
    else:
        queryset = Project.objects.filter(project_scope_q(user))
    return queryset.select_related("producer", "platform")


def project_in_scope(user, project_id: int) -> Project:
    """The project an id in a request body names, if ``user`` sees it; 404 (``NotInScope``)
    otherwise, as for an id in the path."""
    return in_scope(project_list_for(user), project_id, field="project")


def related_project_scope_q(user, prefix: str = "project__") -> Q:
    """``project_list_for``'s scope as a condition on a related project (a join, not an ``IN``
    subquery): a queue ordered by its own index can then stop at the end of its page instead of
    matching the whole scope first."""
    if user is not None and user.is_superuser:
        return Q()
    return through(project_scope_q(user), prefix)


def project_history(project: Project) -> QuerySet[ProjectTransition]:
    return project.transitions.select_related("actor", "organisation").order_by("created_at", "id")


def went_live_on(project_id: int) -> date | None:
    """The day (local time) the title first went live: its ``release`` transition, which only a
    cleared project takes, once (a reinstatement after a take-down is not a new release). None
    when it has not been released, or reached its state without the log (test fixtures)."""
    at = (
        ProjectTransition.objects.filter(project_id=project_id, name="release")
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if at is None else business_date(at)


def released_after(day: str, *, project: str = "project_id") -> Exists:
    """``went_live_on`` as a condition on rows with a ``day`` and a ``project`` field: true when
    the row's project went live after the row's day (a subquery, so a sum stays one query)."""
    return Exists(
        ProjectTransition.objects.filter(
            project_id=OuterRef(project), name="release", created_at__date__gt=OuterRef(day)
        )
    )


def organisations_of(user, *, kind: str | None = None, role: str | None = None) -> list:
    seen = {}
    for membership in memberships_of(user):
        if kind and membership.organisation.kind != kind:
            continue
        if role and membership.role != role:
            continue
        seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())


def producer_organisations_of(user) -> list[Organisation]:
    """The producer companies in which the user may create and edit proposals."""
    return organisations_of(user, kind=Organisation.Kind.PRODUCER, role=Membership.Role.PRODUCER)


def platform_list() -> QuerySet[Organisation]:
    """Platforms are a public directory: any producer may propose to any of them."""
    return Organisation.objects.filter(kind=Organisation.Kind.PLATFORM)


@dataclass
class TransitionOption:
    name: str
    label: str
    target: str
    sources: list[str]
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    # Leaves the project's current state (whoever may take it).
    from_here: bool = False
    # From here, the user's role may fire it (not a step only a decision makes): what it waits
    # for, if anything, is the guards' reasons.
    yours: bool = False
    # Ends the project or pulls it offline: confirmed before it is taken.
    irreversible: bool = False


def _transitions_by_name() -> dict[str, list]:
    """Transitions grouped by name, in process order (by the earliest state they leave)."""
    by_name: dict[str, list] = {}
    for transition in Project._meta.get_field("state").get_all_transitions(Project):
        by_name.setdefault(transition.name, []).append(transition)
    order = list(ProjectState)
    return dict(
        sorted(by_name.items(), key=lambda item: min(order.index(t.source) for t in item[1]))
    )


def transition_names() -> list[str]:
    return list(_transitions_by_name())


def fireable_transition_names() -> list[str]:
    """The transitions the generic endpoint fires: every one that no decision makes."""
    return [name for name in transition_names() if not decided_by(name)]


def decided_by(name: str) -> list:
    """How a decision-only transition is made (each way once, in order); empty for the
    transitions the generic endpoint fires."""
    ways: list = []
    for transition in _transitions_by_name().get(name, ()):
        way = transition.custom.get("decided_by")
        if way is not None and way not in ways:
            ways.append(way)
    return ways


def decision_required_reason(name: str, ways) -> str:
    return str(
        format_lazy(
            _("“{name}” is made through {ways}; it cannot be fired directly."),
            name=name,
            ways=str(_("; or ")).join(str(way) for way in ways),
        )
    )


# States a step cannot be taken back from (the terminal ones), or that pull a live title offline.
IRREVERSIBLE_TARGETS = frozenset({*TERMINAL_STATES, ProjectState.TAKEN_DOWN})


def transition_options(project: Project, user) -> list[TransitionOption]:
    """Every transition of the machine, whether the user can take it now, and if not, why."""
    options = []
    state_label = ProjectState(project.state).label
    for name, transitions in _transitions_by_name().items():
        sources = [t.source for t in transitions]
        current = next((t for t in transitions if t.source == project.state), None)
        label = str(transitions[0].custom.get("label", name))
        reasons: list[str] = []
        yours = False
        if current is None:
            reasons.append(
                str(
                    format_lazy(
                        _("Not possible from {state}; possible from: {sources}."),
                        state=state_label,
                        sources=", ".join(str(ProjectState(s).label) for s in sources),
                    )
                )
            )
            target = transitions[0].target
        else:
            target = current.target
            way = current.custom.get("decided_by")
            if way is not None:
                reasons.append(decision_required_reason(name, [way]))
            elif not current.has_perm(project, user):
                reasons.append(
                    str(format_lazy(_("Only {who} may do this."), who=current.permission.label))
                )
            else:
                yours = True
                reasons.extend(guards.unmet(project, name))
        options.append(
            TransitionOption(
                name=name,
                label=label,
                target=target,
                sources=sources,
                allowed=not reasons,
                reasons=reasons,
                from_here=current is not None,
                yours=yours,
                irreversible=target in IRREVERSIBLE_TARGETS,
            )
        )
    return options


@dataclass(frozen=True)
class Regulators:
    """The authorities a project can be routed to: its producer's provincial bureau and the
    national administration (either None where the data lacks it)."""

    bureau: Organisation | None
    national: Organisation | None


def _regulator(*, level: str, province: OuterRef | str = "") -> Subquery:
    found = Organisation.objects.filter(kind=Organisation.Kind.REGULATOR, level=level)
    if level == Organisation.Level.PROVINCIAL:
        found = found.filter(province=province)
    return Subquery(found.order_by("pk").values("pk")[:1])


# Read with the project's lock (``project_lock``): the ids of its regulators.
REGULATOR_ANNOTATIONS = {
    "routing_bureau_id": _regulator(
        level=Organisation.Level.PROVINCIAL, province=OuterRef("producer__province")
    ),
    "routing_national_id": _regulator(level=Organisation.Level.NATIONAL),
}


def start_transaction_cache(project: Project) -> None:
    """Let the instance keep what the writes of its transaction read about it more than once
    (its regulators, its webhook subscribers). Only ``project_lock`` calls this: its instance is
    fresh in each transaction, and nobody changes those rows while a transition runs. The
    regulators come from the lock's query (``REGULATOR_ANNOTATIONS``), their other fields read
    if asked for."""
    project._transaction_cache = {}
    if hasattr(project, "routing_bureau_id"):
        project._transaction_cache["regulators"] = Regulators(
            bureau=_known_regulator(
                project.routing_bureau_id,
                Organisation.Level.PROVINCIAL,
                project.producer.province,
            ),
            national=_known_regulator(project.routing_national_id, Organisation.Level.NATIONAL),
        )


def _known_regulator(pk: int | None, level: str, province: str | None = None):
    if pk is None:
        return None
    names, values = ["id", "kind", "level"], [pk, Organisation.Kind.REGULATOR, level]
    if province is not None:
        names.append("province")
        values.append(province)
    return Organisation.from_db(Organisation.objects.db, names, values)


def transaction_cache(project: Project) -> dict | None:
    """The locked instance's cache (``start_transaction_cache``), None for any other."""
    return getattr(project, "_transaction_cache", None)


def regulators_for(project: Project) -> Regulators:
    """The project's regulators (read once per transaction for a locked project): the deadlines
    and the reviews a transition opens route to them."""
    cache = transaction_cache(project)
    if cache is not None and "regulators" in cache:
        return cache["regulators"]
    province = project.producer.province
    candidates = Organisation.objects.filter(
        Q(level=Organisation.Level.PROVINCIAL, province=province)
        | Q(level=Organisation.Level.NATIONAL),
        kind=Organisation.Kind.REGULATOR,
    ).order_by("pk")
    bureau = national = None
    for organisation in candidates:
        if organisation.level == Organisation.Level.NATIONAL:
            national = national or organisation
        elif organisation.province == province:
            bureau = bureau or organisation
    regulators = Regulators(bureau=bureau, national=national)
    if cache is not None:
        cache["regulators"] = regulators
    return regulators
