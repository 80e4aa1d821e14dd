"""The core's API: projects and their transitions, deadlines, the platform directory,
notifications, API keys and webhooks; ``/me/`` and the token (``workflow/urls.py``)."""

from . import deadlines, directory, keys, notifications, projects, webhooks

# (prefix, viewset, basename) triples registered under /api/v1/ by workflow/urls.py
ROUTES: list = [
    *projects.ROUTES,
    *deadlines.ROUTES,
    *directory.ROUTES,
    *notifications.ROUTES,
    *keys.ROUTES,
    *webhooks.ROUTES,
]
