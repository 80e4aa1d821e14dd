"""The workspace in the admin: producers, platforms and regulators each see their own slice.

Every queryset and every choice is scoped to the user's organisations (``selectors``), and every
change to a project goes through ``services``: the admin holds no business rule of its own. Objects
outside the user's scope are "not found" (404), as in the API.
"""

from . import deadlines, organisations, projects, transitions  # noqa: F401  (register the model admins)
from . import keys as keys_admin  # noqa: F401  (registers it)
from . import notifications as notifications_admin  # noqa: F401  (registers it)
from . import webhooks as webhooks_admin  # noqa: F401  (registers it)
from .common import (
    DeletesThroughServices,
    SaveRefused,
    SavesThroughServices,
    ScopedModelAdmin,
    add_refusal_errors,
    error_text,
    is_member,
    state_badge,
)
from .projects import ProjectAdmin

__all__ = [
    "DeletesThroughServices",
    "ProjectAdmin",
    "SaveRefused",
    "SavesThroughServices",
    "ScopedModelAdmin",
    "add_refusal_errors",
    "error_text",
    "is_member",
    "state_badge",
]
