"""The audience API: episodes, batches and test clips; signals and their imports; feedback views
and quiet mode; the revision log (scoped by ``audience.selectors.audience_projects_for``); release
metrics (scoped by ``audience.selectors.metrics``)."""

from . import batches, clips, episodes, feedback, metrics, quiet, revisions, signals

ROUTES = [
    *episodes.ROUTES,
    *batches.ROUTES,
    *clips.ROUTES,
    *signals.ROUTES,
    *feedback.ROUTES,
    *quiet.ROUTES,
    *revisions.ROUTES,
    *metrics.ROUTES,
]
