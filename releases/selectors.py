"""Read paths for the release gate, scoped like the projects they belong to."""

from django.db.models import QuerySet

from releases.models import Release
from workflow.selectors import project_list_for


def release_list_for(user) -> QuerySet[Release]:
    """Release rows of the projects the user may see, with what a list shows in one query."""
    visible = project_list_for(user).values("pk")
    return (
        Release.objects.filter(project__in=visible)
        .select_related(
            "project",
            "project__producer",
            "project__platform",
            "clearance",
            "clearance__issued_by",
            "credits_confirmed_by",
            "scheduled_by",
        )
        .order_by("-updated_at", "-id")
    )
