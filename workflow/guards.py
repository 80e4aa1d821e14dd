"""Guards: the conditions a transition needs beyond the right state and role.

A guard is a function of the project that returns the reasons it fails, in words (an empty list
when it holds). Register it for one or more transitions with ``@guard("greenlight")``; apps that
build the related objects (evaluations, contracts, clearances) register theirs from their
AppConfig.ready(), so adding a guard is one decorated function and the state machine, the
"why not" list, the admin and the API all pick it up.
"""

from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _

GuardFunc = Callable[..., list[str]]

_registry: dict[str, list[GuardFunc]] = defaultdict(list)


def guard(*transition_names: str) -> Callable[[GuardFunc], GuardFunc]:
    def register(func: GuardFunc) -> GuardFunc:
        for name in transition_names:
            if func not in _registry[name]:
                _registry[name].append(func)
        return func

    return register


def unmet(project, transition_name: str) -> list[str]:
    reasons: list[str] = []
    for func in _registry.get(transition_name, ()):
        reasons.extend(func(project))
    return reasons


def conditions_for(transition_name: str) -> Callable[..., bool]:
    """A django-fsm condition that holds when every guard of the transition holds."""

    def guards_met(project) -> bool:
        return not unmet(project, transition_name)

    guards_met.__name__ = f"guards_met_{transition_name}"
    return guards_met


@guard("submit", "resubmit")
def proposal_complete(project) -> list[str]:
    reasons = []
    if not project.logline.strip():
        reasons.append(_("The proposal needs a logline (the hook)."))
    if not project.synopsis.strip():
        reasons.append(_("The proposal needs a synopsis."))
    if not project.genre_tags:
        reasons.append(_("The proposal needs at least one genre tag."))
    if project.planned_budget <= 0:
        reasons.append(_("The proposal needs a planned budget above zero."))
    return reasons
