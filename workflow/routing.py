"""Which regulator reviews which project.

A provincial bureau reviews the KEY and ORDINARY projects of producers in its province (planning
filing and finished-cut review); the national administration takes KEY projects (planning filing,
national re-review). OTHER projects are reviewed by the platform itself. Nothing is routed before
the proposal is first submitted.
"""

from django.db.models import Q

ROUTED_TIERS = {"provincial": ("KEY", "ORDINARY"), "national": ("KEY",)}


def _national_by_flag(project) -> bool:
    """The finished cut's national re-review (home page) and joint review (special subject) go to
    the national administration whatever tier the jurisdiction's policy gives such a project."""
    return project.special_subject or (
        project.homepage_promotion and project.review_tier in ("KEY", "ORDINARY")
    )


def is_routed_to(project, organisation) -> bool:
    if organisation.kind != "regulator" or project.submitted_at is None:
        return False
    if organisation.level == "national" and _national_by_flag(project):
        return True
    if project.review_tier not in ROUTED_TIERS.get(organisation.level, ()):
        return False
    if organisation.level == "provincial":
        return project.producer.province == organisation.province
    return True


def routed_projects_q(organisation) -> Q:
    """The same rule as ``is_routed_to``, as a filter on projects."""
    q = Q(submitted_at__isnull=False, review_tier__in=ROUTED_TIERS.get(organisation.level, ()))
    if organisation.level == "provincial":
        q &= Q(producer__province=organisation.province)
    elif organisation.level == "national":
        q |= Q(submitted_at__isnull=False) & (
            Q(special_subject=True)
            | Q(homepage_promotion=True, review_tier__in=("KEY", "ORDINARY"))
        )
    return q
