"""Registries whose entries run in a stated order (guards, effects).

The core cannot import the apps that add guards and effects to the state machine, so they
register themselves; each registration states its place (``order``), so what runs, and in which
order, does not depend on the order the apps are installed or imported in. Two entries of one
event at the same place are a configuration error, found at start-up.
``manage.py describe_transitions`` prints what the registries hold.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured


def label(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def summary(func: Callable) -> str:
    """The first line of the function's docstring, or its name in words."""
    doc = (func.__doc__ or "").strip()
    if doc:
        return " ".join(doc.split("\n\n")[0].split())
    return func.__name__.strip("_").replace("_", " ")


def insert(
    registry: dict[str, list[Callable]],
    orders: dict[tuple[str, Callable], int],
    name: str,
    func: Callable,
    order: int,
) -> None:
    funcs = registry[name]
    if func in funcs:
        if orders.get((name, func)) != order:
            raise ImproperlyConfigured(f"{label(func)} is registered twice for {name!r}.")
        return
    for other in funcs:
        if orders.get((name, other)) == order:
            raise ImproperlyConfigured(
                f"{label(func)} and {label(other)} both take place {order} on {name!r}."
            )
    orders[(name, func)] = order
    funcs.append(func)
    funcs.sort(key=lambda f: orders.get((name, f), 0))


def entries(
    registry: dict[str, list[Callable]], orders: dict[tuple[str, Callable], int], name: str
) -> list[tuple[int | None, Callable]]:
    return [(orders.get((name, func)), func) for func in registry.get(name, ())]
