"""Effects: what other apps do when the project moves, inside the transition's transaction.

``@after("submit", "resubmit", order=210)`` registers a function ``(project, **context)`` that the
transition service calls after the state is saved and the audit row written (``entry=``), before
commit: opening an evaluation or a planning filing belongs to the same all-or-nothing step as the
move itself. Besides transition names there is one more event, ``"tier_changed"`` (context
``previous=`` the old tier), fired when a budget change after submission re-routes the project.
Side effects that leave the database (e-mail, webhooks) still go through ``on_commit``.

``order`` states when the effect runs among the event's others: 100s the workflow's own (100
deadlines follow the state), 200s the reviews (210 evaluation, 220 planning filings, 240 cut
review, 250 finished-cut review), 300s contracts (310 installments, 320 release gate).
"""

from collections import defaultdict
from collections.abc import Callable

from . import ordering

EffectFunc = Callable[..., None]

_registry: dict[str, list[EffectFunc]] = defaultdict(list)
_orders: dict[tuple[str, EffectFunc], int] = {}


def after(*transition_names: str, order: int) -> Callable[[EffectFunc], EffectFunc]:
    def register(func: EffectFunc) -> EffectFunc:
        for name in transition_names:
            ordering.insert(_registry, _orders, name, func, order)
        return func

    return register


def registered(event: str) -> list[tuple[int | None, EffectFunc]]:
    """The event's effects with their places, in the order they run."""
    return ordering.entries(_registry, _orders, event)


def run(event: str, project, **context) -> None:
    for func in _registry.get(event, ()):
        func(project, **context)
