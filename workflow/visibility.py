"""Hooks through which an app that depends on workflow hides rows from some readers, so that the
apps whose rows they are need not import it.

Release metrics are ``contracts``'; the audience app's quiet mode hides some of them from the
writing team. contracts must not import audience, so audience registers a filter here (in its
``AppConfig.ready``) and contracts' metric selectors apply ``metric_visibility_q``.

A metric filter is ``fn(user, *, project_field, episode_field) -> Q | None``: the rows of a model
with a project foreign key and an episode number that ``user`` may see (``None``: no restriction).
It should cost at most one query per call, whatever the number of rows.
"""

from collections.abc import Callable

from django.db.models import Q

MetricFilter = Callable[..., Q | None]

_metric_filters: list[MetricFilter] = []


def register_metric_filter(fn: MetricFilter) -> MetricFilter:
    """Add ``fn`` to the filters of every metric read (once; usable as a decorator)."""
    key = f"{fn.__module__}.{fn.__qualname__}"
    if all(f"{f.__module__}.{f.__qualname__}" != key for f in _metric_filters):
        _metric_filters.append(fn)
    return fn


def metric_visibility_q(
    user, *, project_field: str = "project_id", episode_field: str = "episode"
) -> Q:
    """The metric rows ``user`` may see as far as the registered filters go (all: ``Q()``).

    ``project_field`` and ``episode_field`` name the project id and the episode number on the
    queried model. Combine with the caller's own scope: this only takes rows away.
    """
    q = Q()
    for fn in _metric_filters:
        visible = fn(user, project_field=project_field, episode_field=episode_field)
        if visible is not None:
            q &= visible
    return q
