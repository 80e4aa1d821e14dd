"""Cut rounds the user may see, each with its episode counts in the same query. The platform's
cut review is between the producer and the platform, like its findings: regulators review the
finished cut, not the platform's working rounds, and do not see them."""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from reviews.models import CutEpisode, CutSubmission, FeedbackItem
from workflow.selectors import project_list_for
from workflow.visibility import memberships_of

Outcome = CutEpisode.Outcome


def _must_fix_open():
    return Coalesce(
        Subquery(
            FeedbackItem.objects.filter(
                cut_submission=OuterRef("pk"),
                severity=FeedbackItem.Severity.MUST_FIX,
                status=FeedbackItem.Status.OPEN,
            )
            .order_by()
            .values("cut_submission")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


def cut_submission_list_for(user) -> QuerySet[CutSubmission]:
    projects = project_list_for(user)
    if user is None or not user.is_superuser:
        own = [m.organisation_id for m in memberships_of(user)]
        projects = projects.filter(Q(producer_id__in=own) | Q(platform_id__in=own))
    return (
        CutSubmission.objects.filter(project__in=projects.values("pk"))
        .select_related("project", "submitted_by")
        .annotate(
            approved_count=Count("episodes", filter=Q(episodes__outcome=Outcome.APPROVED)),
            needs_changes_count=Count(
                "episodes", filter=Q(episodes__outcome=Outcome.NEEDS_CHANGES)
            ),
            must_fix_open=_must_fix_open(),
        )
    )


def cut_submission_detail_for(user) -> QuerySet[CutSubmission]:
    """The list's rows with their episodes (one more query). The findings are feedback items,
    read through the feedback selector, which keeps them from the regulators."""
    return cut_submission_list_for(user).prefetch_related(
        Prefetch("episodes", queryset=CutEpisode.objects.order_by("number"))
    )
