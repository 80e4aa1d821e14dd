"""What the audience API modules share: a project named in a body must be in the caller's
audience scope (400 on ``project`` otherwise, the convention of the contracts API)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from audience.selectors import audience_projects_for
from workflow.models import Project


def scoped_project(user, project_id: int) -> Project:
    """The project named in a body, if the caller sees its audience data; 400 otherwise."""
    project = audience_projects_for(user).filter(pk=project_id).first()
    if project is None:
        raise serializers.ValidationError({"project": [_("No such project in your scope.")]})
    return project
