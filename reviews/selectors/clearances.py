"""Read paths for the clearance register, scoped to the caller's projects."""

from datetime import date, timedelta

from django.db.models import QuerySet

from common.clock import business_date
from reviews.models import Clearance
from workflow.selectors import project_list_for


def clearance_list_for(user) -> QuerySet[Clearance]:
    """Whoever sees the project sees its clearances."""
    visible = project_list_for(user).values("pk")
    return (
        Clearance.objects.filter(project__in=visible)
        .select_related("project", "issued_by", "recorded_by")
        .order_by("project_id", "issued_at", "id")
    )


def clearances_expiring(
    queryset: QuerySet[Clearance], *, within_days: int, today: date | None = None
) -> QuerySet[Clearance]:
    """Clearances still valid today that expire within the next ``within_days`` days."""
    today = today or business_date()
    return queryset.filter(
        expires_on__gte=today, expires_on__lte=today + timedelta(days=within_days)
    )


def clearances_expired(
    queryset: QuerySet[Clearance], *, today: date | None = None
) -> QuerySet[Clearance]:
    return queryset.filter(expires_on__lt=today or business_date())
