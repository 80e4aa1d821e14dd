"""Who sees the audience's signals: the producer company's team and the commissioning platform's
content managers. Raters score proposals and regulators review cuts: neither sees signals."""

from django.db.models import Q, QuerySet

from workflow.models import Membership, Organisation, Project
from workflow.visibility import memberships_of, project_scope_q, user_sees_project

PRODUCER_SIDE_ROLES = {Membership.Role.PRODUCER, Membership.Role.ORG_ADMIN}
PLATFORM_SIDE_ROLES = {Membership.Role.CONTENT_MANAGER, Membership.Role.ORG_ADMIN}


def audience_scope_q(user) -> Q:
    return project_scope_q(
        user,
        producer_roles=PRODUCER_SIDE_ROLES,
        platform_roles=PLATFORM_SIDE_ROLES,
        regulators=False,
    )


def on_writing_or_platform_side(user, project: Project) -> bool:
    """The producer side, or the commissioning platform's content side once it has the project:
    who manages a project's episodes and imports its signals."""
    return user_sees_project(
        user,
        project,
        producer_roles=PRODUCER_SIDE_ROLES,
        platform_roles=PLATFORM_SIDE_ROLES,
        regulators=False,
    )


def audience_projects_for(user) -> QuerySet[Project]:
    """Projects whose audience data the user may see."""
    if user is not None and user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(audience_scope_q(user))


def writing_team_organisation_ids(user) -> list[int]:
    """The producer companies whose writing team ``user`` is on (producers, org admins)."""
    return [
        membership.organisation_id
        for membership in memberships_of(user)
        if membership.organisation.kind == Organisation.Kind.PRODUCER
        and membership.role in PRODUCER_SIDE_ROLES
    ]


def is_writing_team(user, project: Project) -> bool:
    """The producer's own team: quiet mode hides volatile figures from them (not the platform)."""
    return any(
        membership.organisation_id == project.producer_id and membership.role in PRODUCER_SIDE_ROLES
        for membership in memberships_of(user)
    )
