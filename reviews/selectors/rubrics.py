"""Who reads a platform's rubric: its own members, and the producer companies that proposed a
project to it (they see what their proposal is scored on). Other platforms, and regulators, do
not: a rubric is the platform's own business."""

from django.db.models import Q, QuerySet

from reviews.models import Rubric
from workflow.models import Organisation, Project
from workflow.selectors import organisations_of
from workflow.visibility import project_scope_q


def rubric_list_for(user) -> QuerySet[Rubric]:
    rubrics = Rubric.objects.select_related("platform").prefetch_related("criteria")
    if user is not None and user.is_superuser:
        return rubrics
    own = [o.pk for o in organisations_of(user, kind=Organisation.Kind.PLATFORM)]
    proposed_to = Project.objects.filter(
        project_scope_q(user, platform_roles=(), regulators=False)
    ).values("platform_id")
    return rubrics.filter(Q(platform_id__in=own) | Q(platform_id__in=proposed_to))
