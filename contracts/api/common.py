"""What the contracts API modules share: the error responses of the schema, and a project named
in a body must be in the caller's scope (404 otherwise, as in a path)."""

from common.api import in_scope
from common.schema import INVALID_INPUT, NOT_IN_SCOPE, ROLE_MISSING
from workflow.models import Project
from workflow.selectors import project_list_for

ERRORS = {
    400: INVALID_INPUT,
    403: ROLE_MISSING,
    404: NOT_IN_SCOPE,
}


def scoped_project(user, project_id: int) -> Project:
    """The project named in a body, if the caller may see it; 404 otherwise (as in a path)."""
    return in_scope(project_list_for(user), project_id, field="project")
