"""Guards: the conditions a transition needs beyond the right state and role.

A guard is a function of the project that returns the reasons it fails, in words (an empty list
when it holds). Register it for one or more transitions with ``@guard("greenlight", order=210)``;
apps that build the related objects (evaluations, contracts, clearances) register theirs from
their AppConfig.ready(), so adding a guard is one decorated function and the transition service,
the "why not" list, the admin and the API all pick it up. The transition service is the only
place a transition's guards run (django-fsm's ``conditions=`` stay empty).

``order`` places the guard among the transition's others (its reasons come in that order):
100s the workflow's own, 200s the reviews (210 evaluation, 220 feedback, 230 planning filings,
240 cut review, 250 finished-cut review), 300s contracts (310 budget, 320 contract, 330 release
gate).
"""

from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _

from common.errors import FieldReason

from . import ordering

GuardFunc = Callable[..., list[str]]

_registry: dict[str, list[GuardFunc]] = defaultdict(list)
_orders: dict[tuple[str, GuardFunc], int] = {}


def guard(*transition_names: str, order: int) -> Callable[[GuardFunc], GuardFunc]:
    def register(func: GuardFunc) -> GuardFunc:
        for name in transition_names:
            ordering.insert(_registry, _orders, name, func, order)
        return func

    return register


def registered(transition_name: str) -> list[tuple[int | None, GuardFunc]]:
    """The transition's guards with their places, in the order they run."""
    return ordering.entries(_registry, _orders, transition_name)


def unmet(project, transition_name: str) -> list[str]:
    reasons: list[str] = []
    for func in _registry.get(transition_name, ()):
        reasons.extend(func(project))
    return reasons


@guard("submit", "resubmit", order=100)
def proposal_complete(project) -> list[str]:
    """The proposal has a logline, a synopsis, a genre tag and a planned budget."""
    reasons = []
    if not project.logline.strip():
        reasons.append(FieldReason(_("The proposal needs a logline (the hook)."), "logline"))
    if not project.synopsis.strip():
        reasons.append(FieldReason(_("The proposal needs a synopsis."), "synopsis"))
    if not project.genre_tags:
        reasons.append(FieldReason(_("The proposal needs at least one genre tag."), "genre_tags"))
    if project.planned_budget <= 0:
        reasons.append(
            FieldReason(_("The proposal needs a planned budget above zero."), "planned_budget")
        )
    return reasons
