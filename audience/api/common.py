"""What the audience API modules share: a project named in a body must be in the caller's
audience scope (404 otherwise, as everywhere)."""

from audience.selectors import audience_projects_for
from common.api import in_scope
from workflow.models import Project


def scoped_project(user, project_id: int) -> Project:
    """The project named in a body, if the caller sees its audience data; 404 otherwise."""
    return in_scope(audience_projects_for(user), project_id, field="project")
