"""The audience API: episodes, batches and test clips; signals and their imports; feedback views
and quiet mode; the revision log. Scoped by ``audience.selectors.audience_projects_for``."""

from . import batches, clips, episodes, feedback, quiet, revisions, signals

ROUTES = [
    *episodes.ROUTES,
    *batches.ROUTES,
    *clips.ROUTES,
    *signals.ROUTES,
    *feedback.ROUTES,
    *quiet.ROUTES,
    *revisions.ROUTES,
]
