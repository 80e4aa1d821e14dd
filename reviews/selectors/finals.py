"""Read paths of the finished-cut review: its steps, the decider's queue, the platform's periodic
report of the titles it reviewed itself, the compliance checklists and confirmations, losses.

Scope: producers and platforms see the steps of the projects they see; a regulator sees the steps
it is the authority of and the other steps of the projects routed to it.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import (
    ChecklistConfirmation,
    ChecklistItem,
    ComplianceChecklist,
    ProjectLoss,
    RegulatoryReview,
)
from reviews.selectors.filings import regulator_ids_of
from workflow.models import Membership, Organisation
from workflow.selectors import organisations_of, project_list_for
from workflow.visibility import memberships_of

Review = RegulatoryReview
FINAL_REVIEW = Review.Kind.FINAL_REVIEW
DECIDED = (Review.Status.APPROVED, Review.Status.CHANGES_REQUESTED, Review.Status.REJECTED)


def _earlier_step_pending() -> Exists:
    # Within the round: each round opens every step not yet approved, so an earlier step of the
    # same round that is not approved is what a step waits for.
    return Exists(
        Review.objects.filter(
            project_id=OuterRef("project_id"),
            kind=FINAL_REVIEW,
            tier=OuterRef("tier"),
            round=OuterRef("round"),
            sequence__lt=OuterRef("sequence"),
        ).exclude(status__in=[Review.Status.APPROVED, Review.Status.SUPERSEDED])
    )


def decider_authority_ids_of(user) -> list[int]:
    """Authorities whose finished-cut steps the user decides: regulators they review for, and
    platforms they are a content manager of (OTHER tier)."""
    return [
        m.organisation_id
        for m in memberships_of(user)
        if (m.role == Membership.Role.REGULATOR_REVIEWER)
        or (
            m.role == Membership.Role.CONTENT_MANAGER
            and m.organisation.kind == Organisation.Kind.PLATFORM
        )
    ]


def final_review_list_for(user) -> QuerySet[RegulatoryReview]:
    queryset = Review.objects.filter(kind=FINAL_REVIEW)
    if user is None or not user.is_superuser:
        visible_projects = project_list_for(user).values("pk")
        queryset = queryset.filter(
            Q(project_id__in=visible_projects) | Q(authority_id__in=regulator_ids_of(user))
        )
    return queryset.select_related(
        "project", "project__producer", "authority", "decided_by"
    ).annotate(waiting_for_earlier_step=_earlier_step_pending())


def final_review_queue_for(user) -> QuerySet[RegulatoryReview]:
    """Pending steps the user can decide now: their authority's, earlier steps approved."""
    return (
        final_review_list_for(user)
        .filter(
            authority_id__in=decider_authority_ids_of(user),
            status=Review.Status.PENDING,
            waiting_for_earlier_step=False,
        )
        .order_by("created_at", "pk")
    )


def report_platforms_of(user) -> list[Organisation]:
    """Platforms whose periodic report the user may read: those they are a content manager of."""
    return organisations_of(
        user, kind=Organisation.Kind.PLATFORM, role=Membership.Role.CONTENT_MANAGER
    )


# The report's periods lie within these days: beyond them a day cannot be turned into a moment
# (year 1, year 9999) and no report was ever due.
REPORT_FIRST_DAY = date(2000, 1, 1)
REPORT_LAST_DAY = date(2099, 12, 31)


def validate_report_day(day: date) -> None:
    if not REPORT_FIRST_DAY <= day <= REPORT_LAST_DAY:
        raise ValidationError(
            _("Choose a day from %(first)s to %(last)s.")
            % {"first": REPORT_FIRST_DAY.isoformat(), "last": REPORT_LAST_DAY.isoformat()},
            code="out_of_range",
        )


def validate_report_period(date_from: date, date_to: date) -> None:
    """ValidationError keyed ``date_from`` / ``date_to`` unless the period is a usable one."""
    errors = {}
    for field, day in (("date_from", date_from), ("date_to", date_to)):
        try:
            validate_report_day(day)
        except ValidationError as exc:
            errors[field] = exc.messages
    if not errors and date_from > date_to:
        errors["date_to"] = [_("The period ends before it starts.")]
    if errors:
        raise ValidationError(errors)


def decided_in_period_q(date_from: date, date_to: date) -> Q:
    """Decided on a day from ``date_from`` to ``date_to`` inclusive (local dates)."""
    validate_report_period(date_from, date_to)
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date_from, time.min), zone)
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), zone)
    return Q(decided_at__gte=start, decided_at__lt=end)


def platform_report(
    platform_ids: list[int], date_from: date | None = None, date_to: date | None = None
) -> QuerySet[RegulatoryReview]:
    """The titles the platforms reviewed themselves (OTHER tier) and decided in the period (all
    periods without one), for the platform's periodic report to its provincial bureau, oldest
    decision first. ValidationError for a period outside ``validate_report_period``."""
    queryset = Review.objects.filter(
        kind=FINAL_REVIEW, authority_id__in=platform_ids, status__in=DECIDED
    )
    if date_from is not None or date_to is not None:
        queryset = queryset.filter(
            decided_in_period_q(date_from or REPORT_FIRST_DAY, date_to or REPORT_LAST_DAY)
        )
    return queryset.select_related(
        "project", "project__producer", "authority", "decided_by"
    ).order_by("decided_at", "pk")


def checklist_list() -> QuerySet[ComplianceChecklist]:
    """Checklists are public: a producer reads them before it confirms."""
    return ComplianceChecklist.objects.select_related("authority").prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "id"))
    )


def checklist_confirmation_list_for(user) -> QuerySet[ChecklistConfirmation]:
    queryset = ChecklistConfirmation.objects.all()
    if user is None or not user.is_superuser:
        queryset = queryset.filter(project_id__in=project_list_for(user).values("pk"))
    return queryset.select_related(
        "project", "item", "item__checklist", "item__checklist__authority", "confirmed_by"
    )


def project_loss_list_for(user) -> QuerySet[ProjectLoss]:
    queryset = ProjectLoss.objects.all()
    if user is None or not user.is_superuser:
        queryset = queryset.filter(
            Q(project_id__in=project_list_for(user).values("pk"))
            | Q(review__authority_id__in=regulator_ids_of(user))
        )
    return queryset.select_related("project", "project__producer", "review", "review__authority")
