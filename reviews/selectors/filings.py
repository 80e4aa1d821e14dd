"""Regulatory reviews the user may see.

The producer company and the commissioning platform see the reviews of the projects they see; a
regulator sees the reviews it is the authority of (even after a re-route took the project out of
its scope), and the other steps of the filings of projects routed to it (the national
administration sees the bureau's first check it re-checks).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from reviews.models import RegulatoryReview
from workflow.models import Membership, Organisation
from workflow.selectors import organisations_of, project_list_for
from workflow.visibility import memberships_of

Review = RegulatoryReview


def regulator_ids_of(user) -> list[int]:
    return [o.pk for o in organisations_of(user, kind=Organisation.Kind.REGULATOR)]


def reviewer_authority_ids_of(user) -> list[int]:
    return [
        m.organisation_id
        for m in memberships_of(user)
        if m.role == Membership.Role.REGULATOR_REVIEWER
    ]


def _earlier_step_pending() -> Exists:
    return Exists(
        Review.objects.filter(
            project_id=OuterRef("project_id"),
            kind=OuterRef("kind"),
            tier=OuterRef("tier"),
            sequence__lt=OuterRef("sequence"),
        ).exclude(status__in=[Review.Status.APPROVED, Review.Status.SUPERSEDED])
    )


def regulatory_review_list_for(user) -> QuerySet[RegulatoryReview]:
    queryset = Review.objects.all()
    if user is None or not user.is_superuser:
        visible_projects = project_list_for(user).values("pk")
        queryset = queryset.filter(
            Q(project_id__in=visible_projects) | Q(authority_id__in=regulator_ids_of(user))
        )
    return queryset.select_related("project", "authority", "decided_by").annotate(
        waiting_for_earlier_step=_earlier_step_pending()
    )


def regulatory_review_queue_for(user) -> QuerySet[RegulatoryReview]:
    """Pending reviews the user can decide now: their authority's, earlier steps approved."""
    return (
        regulatory_review_list_for(user)
        .filter(
            kind=Review.Kind.PLANNING_FILING,  # finished-cut steps: reviews.selectors.finals
            authority_id__in=reviewer_authority_ids_of(user),
            status=Review.Status.PENDING,
            waiting_for_earlier_step=False,
        )
        .order_by("created_at", "pk")
    )
