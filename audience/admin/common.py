"""What every audience admin page shares: who sees the audience pages at all, who is on a
writing team, and a base admin scoped by ``audience.selectors.audience_projects_for`` (narrower
than the workflow's project scope: raters and regulators see none of it).

Permissions are memberships, not Django's model permissions; each change goes through a service,
which decides it for the project at hand.
"""

from django.urls import reverse
from django.utils.http import urlencode

from audience.selectors import (
    PLATFORM_SIDE_ROLES,
    PRODUCER_SIDE_ROLES,
    audience_projects_for,
    writing_team_organisation_ids,
)
from workflow.admin import ScopedModelAdmin, is_member
from workflow.models import Organisation
from workflow.visibility import memberships_of


def sees_audience(user) -> bool:
    """The producer side or the platform side of some project (or a superuser); raters and
    regulators never."""
    if not is_member(user):
        return False
    return user.is_superuser or any(
        (m.organisation.kind == Organisation.Kind.PRODUCER and m.role in PRODUCER_SIDE_ROLES)
        or (m.organisation.kind == Organisation.Kind.PLATFORM and m.role in PLATFORM_SIDE_ROLES)
        for m in memberships_of(user)
    )


def on_a_writing_team(user) -> bool:
    """May record revisions and quiet-mode rules for some project (or a superuser)."""
    return is_member(user) and (user.is_superuser or bool(writing_team_organisation_ids(user)))


def cite_url(project_id: int, *, signals=(), terms=()) -> str:
    """The "record a revision" page with the project and the cited evidence filled in."""
    query = {"project": project_id}
    if signals:
        query["signals"] = ",".join(str(pk) for pk in signals)
    if terms:
        query["terms"] = ", ".join(terms)
    return reverse("admin:audience_revision_add") + "?" + urlencode(query)


class AudienceAdmin(ScopedModelAdmin):
    """Rows of the projects whose audience data the user may see; visible to ``sees_audience``;
    no bulk delete (it would delete around the services)."""

    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(project__in=audience_projects_for(request.user).values("pk"))
        )

    def has_module_permission(self, request):
        return sees_audience(request.user)

    def has_view_permission(self, request, obj=None):
        return sees_audience(request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
