"""Feedback items the user may see: those of every project the user sees, and those raised by
the user's authority (which keeps them after a re-route). The platform's own reviews (the
evaluation of the proposal, the review of the cut) are between the producer and the platform:
regulators do not see their feedback."""

from django.db.models import Q, QuerySet

from reviews.models import FeedbackItem
from reviews.selectors.filings import regulator_ids_of
from workflow.selectors import project_list_for
from workflow.visibility import memberships_of

PLATFORM_INTERNAL = (FeedbackItem.Stage.EVALUATION, FeedbackItem.Stage.CUT_REVIEW)


def feedback_item_list_for(user) -> QuerySet[FeedbackItem]:
    queryset = FeedbackItem.objects.all()
    if user is None or not user.is_superuser:
        visible_projects = project_list_for(user).values("pk")
        own = [m.organisation_id for m in memberships_of(user)]
        evaluation_parties = Q(project__producer_id__in=own) | Q(project__platform_id__in=own)
        queryset = queryset.filter(
            Q(project_id__in=visible_projects)
            | Q(regulatory_review__authority_id__in=regulator_ids_of(user))
        ).filter(~Q(stage__in=PLATFORM_INTERNAL) | evaluation_parties)
    return queryset.select_related("project", "created_by", "resolved_by")
