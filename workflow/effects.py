"""Effects: what other apps do when the project moves, inside the transition's transaction.

``@after("submit", "resubmit")`` registers a function ``(project, **context)`` that the
transition service calls after the state is saved and the audit row written (``entry=``), before
commit: opening an evaluation or a planning filing belongs to the same all-or-nothing step as the
move itself. Besides transition names there is one more event, ``"tier_changed"`` (context
``previous=`` the old tier), fired when a budget change after submission re-routes the project.
Side effects that leave the database (e-mail, webhooks) still go through ``on_commit``.
"""

from collections import defaultdict
from collections.abc import Callable

EffectFunc = Callable[..., None]

_registry: dict[str, list[EffectFunc]] = defaultdict(list)


def after(*transition_names: str) -> Callable[[EffectFunc], EffectFunc]:
    def register(func: EffectFunc) -> EffectFunc:
        for name in transition_names:
            if func not in _registry[name]:
                _registry[name].append(func)
        return func

    return register


def run(event: str, project, **context) -> None:
    for func in _registry.get(event, ()):
        func(project, **context)
