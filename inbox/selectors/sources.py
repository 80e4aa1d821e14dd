"""One query per kind of record that can wait on a user, each scoped by the visibility rule."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contracts.models import Contract, Installment
from releases.models import Release
from reviews.models import CutSubmission, Evaluation, FeedbackItem, RegulatoryReview, Scorecard
from reviews.selectors.filings import regulatory_review_queue_for, reviewer_authority_ids_of
from reviews.selectors.finals import decider_authority_ids_of, final_review_queue_for
from reviews.services.feedback import ANSWERED_IN
from workflow.models import Membership, Organisation, Project
from workflow.selectors import related_project_scope_q
from workflow.visibility import memberships_of

from .items import FILING_STEPS, PLATFORM_STATES, PRODUCER_STATES, InboxItem, Kind, R, S


@dataclass
class Roles:
    producer: list[int]
    manager: list[int]
    rater: bool
    reviewer: list[int]
    decider: list[int]


def roles_of(user) -> Roles:
    producer, manager, rater = [], [], False
    for membership in memberships_of(user):
        kind = membership.organisation.kind
        if kind == Organisation.Kind.PRODUCER and membership.role == R.PRODUCER:
            producer.append(membership.organisation_id)
        elif kind == Organisation.Kind.PLATFORM and membership.role == R.CONTENT_MANAGER:
            manager.append(membership.organisation_id)
        elif kind == Organisation.Kind.PLATFORM and membership.role == R.RATER:
            rater = True
    return Roles(
        producer=producer,
        manager=manager,
        rater=rater,
        reviewer=reviewer_authority_ids_of(user),
        decider=decider_authority_ids_of(user),
    )


def _admin(name: str, pk: int) -> str:
    return reverse(f"admin:{name}", args=[pk])


def project_url(project: Project) -> str:
    return _admin("workflow_project_change", project.pk)


def _end_of_day(day: date) -> datetime:
    """A date as a due time: the end of that day in the site's zone (overdue the day after)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _money(value) -> str:
    return f"¥{value:,.2f}"


# One query per kind of record ------------------------------------------------------------------


def scorecards(user) -> list[InboxItem]:
    cards = (
        Scorecard.objects.filter(
            related_project_scope_q(user, "evaluation__project__"),
            rater=user,
            status=Scorecard.Status.INVITED,
            evaluation__status=Evaluation.Status.OPEN,
        )
        .select_related("evaluation__project")
        .order_by("pk")
    )
    return [
        InboxItem(
            kind=Kind.SCORE,
            project=card.evaluation.project,
            title=gettext("Score the proposal (round %(round)d)")
            % {"round": card.evaluation.round},
            url=_admin("reviews_scorecard_change", card.pk),
        )
        for card in cards
    ]


def _filings_approved_subquery() -> Subquery:
    return Subquery(
        RegulatoryReview.objects.filter(
            project_id=OuterRef("project_id"),
            kind=RegulatoryReview.Kind.PLANNING_FILING,
            tier=OuterRef("project__review_tier"),
            status=RegulatoryReview.Status.APPROVED,
        )
        .order_by()
        .values("project_id")
        .annotate(n=Count("sequence", distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def _filings_pending_subquery() -> Subquery:
    return Subquery(
        RegulatoryReview.objects.filter(
            project_id=OuterRef("project_id"),
            kind=RegulatoryReview.Kind.PLANNING_FILING,
            tier=OuterRef("project__review_tier"),
        )
        .exclude(status__in=[RegulatoryReview.Status.APPROVED, RegulatoryReview.Status.SUPERSEDED])
        .order_by()
        .values("project_id")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def evaluations(user, platforms: list[int]) -> list[InboxItem]:
    """Open evaluations of the round (to decide, once quorum is reached or the deadline is near:
    settled after the deadlines are read) and greenlight decisions whose filings are approved."""
    functions = Membership.RaterFunction.values
    submitted = {
        f"submitted_{function}": Count(
            "scorecards",
            filter=Q(scorecards__status=Scorecard.Status.SUBMITTED, scorecards__function=function),
        )
        for function in functions
    }
    evaluations = (
        Evaluation.objects.filter(
            related_project_scope_q(user),
            Q(status=Evaluation.Status.OPEN)
            | Q(status=Evaluation.Status.DECIDED, decision=Evaluation.Decision.GREENLIGHT),
            project__platform_id__in=platforms,
            project__state=S.SUBMITTED,
            round=F("project__review_round"),
        )
        .annotate(
            **submitted,
            filings_approved=Coalesce(_filings_approved_subquery(), Value(0)),
            filings_pending=Coalesce(_filings_pending_subquery(), Value(0)),
        )
        .select_related("project", "rubric")
        .order_by("pk")
    )
    items = []
    for evaluation in evaluations:
        project = evaluation.project
        if evaluation.status == Evaluation.Status.OPEN:
            # The quorum is the rubric version's (each platform's own rules).
            met = all(
                getattr(evaluation, f"submitted_{function}")
                >= int(evaluation.rubric.quorum.get(function, 0))
                for function in functions
            )
            title = (
                gettext("Decide round %(round)d: quorum reached")
                if met
                else gettext("Decide round %(round)d: its deadline is near, quorum not reached")
            ) % {"round": evaluation.round}
            items.append(
                InboxItem(
                    kind=Kind.DECIDE,
                    project=project,
                    title=title,
                    url=_admin("reviews_evaluation_change", evaluation.pk),
                    quorum_met=met,
                )
            )
            continue
        steps = FILING_STEPS.get(project.review_tier, 0)
        if evaluation.filings_pending or evaluation.filings_approved < steps:
            continue
        items.append(
            InboxItem(
                kind=Kind.GREENLIGHT,
                project=project,
                title=(
                    gettext("Greenlight: the planning filing is approved")
                    if steps
                    else gettext("Greenlight: the evaluation decided so")
                ),
                url=project_url(project),
            )
        )
    return items


def filing_reviews(user) -> list[InboxItem]:
    return [
        InboxItem(
            kind=Kind.FILING,
            project=review.project,
            title=gettext("Review the planning filing (step %(step)d, round %(round)d)")
            % {"step": review.sequence, "round": review.round},
            url=_admin("reviews_regulatoryreview_decide", review.pk),
        )
        for review in regulatory_review_queue_for(user)
    ]


def final_reviews(user) -> list[InboxItem]:
    return [
        InboxItem(
            kind=Kind.FINAL_REVIEW,
            project=review.project,
            title=gettext("Review the finished cut (step %(step)d, round %(round)d)")
            % {"step": review.sequence, "round": review.round},
            url=_admin("reviews_finalreview_decide", review.pk),
        )
        for review in final_review_queue_for(user)
    ]


def projects(user, roles: Roles) -> list[InboxItem]:
    """The moves a project's state asks of the user: the producer's next step, the platform's cut
    review and release (with the round's cut and the scheduled release date beside it)."""
    wanted = Q(pk__in=[])
    if roles.producer:
        wanted |= Q(producer_id__in=roles.producer, state__in=list(PRODUCER_STATES))
    if roles.manager:
        wanted |= Q(platform_id__in=roles.manager, state__in=list(PLATFORM_STATES))
    projects = (
        Project.objects.filter(related_project_scope_q(user, ""), wanted)
        .annotate(
            cut_id=Subquery(
                CutSubmission.objects.filter(
                    project_id=OuterRef("pk"), round=OuterRef("review_round")
                ).values("pk")[:1]
            ),
            release_on=Subquery(
                Release.objects.filter(project_id=OuterRef("pk")).values("scheduled_for")[:1]
            ),
        )
        .order_by("pk")
    )
    items = []
    for project in projects:
        if project.producer_id in roles.producer and project.state in PRODUCER_STATES:
            kind = PRODUCER_STATES[project.state]
            items.append(
                InboxItem(
                    kind=kind,
                    project=project,
                    title=_producer_title(kind, project),
                    url=project_url(project),
                )
            )
        if project.platform_id in roles.manager and project.state == S.CUT_REVIEW:
            items.append(
                InboxItem(
                    kind=Kind.CUT_REVIEW,
                    project=project,
                    title=gettext("Review the cut (round %(round)d)")
                    % {"round": project.review_round},
                    url=(
                        _admin("reviews_cutsubmission_change", project.cut_id)
                        if project.cut_id
                        else project_url(project)
                    ),
                )
            )
        if project.platform_id in roles.manager and project.state == S.CLEARED:
            items.append(
                InboxItem(
                    kind=Kind.RELEASE,
                    project=project,
                    title=(
                        gettext("Release: scheduled for %(day)s")
                        % {"day": project.release_on.isoformat()}
                        if project.release_on
                        else gettext("Release: cleared, no date scheduled yet")
                    ),
                    url=project_url(project),
                    due_at=_end_of_day(project.release_on) if project.release_on else None,
                )
            )
    return items


def _producer_title(kind: str, project: Project) -> str:
    titles = {
        Kind.SUBMIT: gettext("Finish and submit the proposal"),
        Kind.RESUBMIT: gettext("Answer the feedback and resubmit (round %(round)d)"),
        Kind.START_PRODUCTION: gettext("Start production once the contract is signed"),
        Kind.SUBMIT_CUT: gettext("Deliver the cut for the platform's review"),
        Kind.RESUBMIT_CUT: gettext("Fix the cut and resubmit it (round %(round)d)"),
        Kind.RESUBMIT_FINAL: gettext("Fix the finished cut and resubmit it (round %(round)d)"),
    }
    return titles[kind] % {"round": project.review_round}


def contracts(user, roles: Roles) -> list[InboxItem]:
    wanted = Q(pk__in=[])
    if roles.producer:
        wanted |= Q(status=Contract.Status.SENT, project__producer_id__in=roles.producer)
    if roles.manager:
        wanted |= Q(status=Contract.Status.SIGNED, project__platform_id__in=roles.manager)
    contracts = (
        Contract.objects.filter(related_project_scope_q(user), wanted)
        .select_related("project")
        .order_by("pk")
    )
    items = []
    for contract in contracts:
        sign = contract.status == Contract.Status.SENT
        items.append(
            InboxItem(
                kind=Kind.SIGN if sign else Kind.COUNTERSIGN,
                project=contract.project,
                title=(
                    gettext("Sign the contract (version %(version)d, %(model)s)")
                    if sign
                    else gettext("Countersign the contract (version %(version)d, %(model)s)")
                )
                % {
                    "version": contract.version,
                    "model": contract.get_commissioning_model_display(),
                },
                url=_admin("contracts_contract_change", contract.pk),
            )
        )
    return items


def installments(user, platforms: list[int], today: date) -> list[InboxItem]:
    installments = (
        Installment.objects.with_current_status(today)
        .filter(
            related_project_scope_q(user),
            project__platform_id__in=platforms,
            current_status=Installment.Status.DUE,
        )
        .exclude(contract__status=Contract.Status.SUPERSEDED)
        .select_related("project")
        .order_by("pk")
    )
    return [
        InboxItem(
            kind=Kind.PAY,
            project=installment.project,
            title=gettext("Pay installment %(position)d: %(amount)s, due since %(day)s")
            % {
                "position": installment.position,
                "amount": _money(installment.amount),
                "day": installment.current_due_on.isoformat(),
            },
            url=_admin("contracts_installment_pay", installment.pk),
            due_at=(
                _end_of_day(installment.due_on_date)
                if installment.trigger == Installment.Trigger.DATE and installment.due_on_date
                else None
            ),
        )
        for installment in installments
    ]


def feedback(user, producers: list[int]) -> list[InboxItem]:
    answerable = Q(pk__in=[])
    for stage, state in ANSWERED_IN.items():
        answerable |= Q(stage=stage, project__state=state)
    items = (
        FeedbackItem.objects.filter(
            related_project_scope_q(user),
            answerable,
            project__producer_id__in=producers,
            severity=FeedbackItem.Severity.MUST_FIX,
            status=FeedbackItem.Status.OPEN,
            round=F("project__review_round"),
        )
        .select_related("project")
        .order_by("pk")
    )
    return [
        InboxItem(
            kind=Kind.MUST_FIX,
            project=item.project,
            title=_one_line(item.text),
            url=_admin("reviews_feedbackitem_respond", item.pk),
        )
        for item in items
    ]


def _one_line(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
