"""Feedback items the user may see: those of every project the user sees, and those raised by
the user's authority (which keeps them after a re-route)."""

from django.db.models import Q, QuerySet

from reviews.models import FeedbackItem
from reviews.selectors.filings import regulator_ids_of
from workflow.selectors import project_list_for


def feedback_item_list_for(user) -> QuerySet[FeedbackItem]:
    queryset = FeedbackItem.objects.all()
    if user is None or not user.is_superuser:
        visible_projects = project_list_for(user).values("pk")
        queryset = queryset.filter(
            Q(project_id__in=visible_projects)
            | Q(regulatory_review__authority_id__in=regulator_ids_of(user))
        )
    return queryset.select_related("project", "created_by", "resolved_by")
