"""What waits on a user now, across every kind of record: the inbox.

Each source is one query whatever the amount of work (the memberships, one query per kind of
record the user's roles act on, and one for the open deadlines of those projects), so the inbox
costs the same for one project as for a thousand. Every query is scoped by the one visibility
rule (``workflow.selectors.related_project_scope_q``, or the review queues built on it).

Due times come from the open ``Deadline`` rows of the item's project, of the kinds that time that
action (``DUE_KINDS``), whoever is responsible for them. An open deadline of any other kind that
the user is responsible for (a clearance expiry, an exclusivity end...) is an item of its own, so
a new kind of deadline reaches the inbox without a change here.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Installment
from releases.models import Release
from reviews.models import CutSubmission, Evaluation, FeedbackItem, RegulatoryReview, Scorecard
from reviews.selectors.filings import regulatory_review_queue_for, reviewer_authority_ids_of
from reviews.selectors.finals import decider_authority_ids_of, final_review_queue_for
from reviews.services.evaluations import quorum
from reviews.services.feedback import ANSWERED_IN
from workflow.models import Deadline, DeadlineKind, Membership, Organisation, Project, ProjectState
from workflow.selectors import related_project_scope_q
from workflow.visibility import memberships_of

S = ProjectState
R = Membership.Role
DK = DeadlineKind

# A content manager is asked to decide an evaluation without quorum once its deadline is this
# close (or past).
DECIDE_WHEN_DUE_WITHIN = timedelta(days=2)


class Kind:
    """The kinds of work, each with its label (``KIND_LABELS``) and its place in a tie."""

    SCORE = "score"
    DECIDE = "decide"
    GREENLIGHT = "greenlight"
    FILING = "filing"
    FINAL_REVIEW = "final_review"
    CUT_REVIEW = "cut_review"
    SIGN = "sign"
    COUNTERSIGN = "countersign"
    PAY = "pay"
    MUST_FIX = "must_fix"
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    START_PRODUCTION = "start_production"
    SUBMIT_CUT = "submit_cut"
    RESUBMIT_CUT = "resubmit_cut"
    RESUBMIT_FINAL = "resubmit_final"
    RELEASE = "release"
    DEADLINE = "deadline"


KIND_LABELS = {
    Kind.SCORE: _("Proposal to score"),
    Kind.DECIDE: _("Evaluation to decide"),
    Kind.GREENLIGHT: _("Greenlight to give"),
    Kind.FILING: _("Planning filing to review"),
    Kind.FINAL_REVIEW: _("Finished cut to review"),
    Kind.CUT_REVIEW: _("Cut round to review"),
    Kind.SIGN: _("Contract to sign"),
    Kind.COUNTERSIGN: _("Contract to countersign"),
    Kind.PAY: _("Installment to pay"),
    Kind.MUST_FIX: _("Must-fix item to answer"),
    Kind.SUBMIT: _("Draft to submit"),
    Kind.RESUBMIT: _("Revision to resubmit"),
    Kind.START_PRODUCTION: _("Production to start"),
    Kind.SUBMIT_CUT: _("Cut to submit"),
    Kind.RESUBMIT_CUT: _("Cut changes to resubmit"),
    Kind.RESUBMIT_FINAL: _("Final changes to resubmit"),
    Kind.RELEASE: _("Release to make"),
    Kind.DEADLINE: pgettext_lazy("inbox kind", "Deadline"),
}
KINDS = tuple(KIND_LABELS)

# The deadline kinds that time each kind of work (the earliest open one of the project counts).
DUE_KINDS = {
    Kind.SCORE: (DK.EVALUATION,),
    Kind.DECIDE: (DK.EVALUATION,),
    Kind.GREENLIGHT: (DK.EVALUATION,),
    Kind.FILING: (DK.PLANNING_FILING,),
    Kind.FINAL_REVIEW: (DK.FINAL_REVIEW,),
    Kind.CUT_REVIEW: (DK.CUT_REVIEW,),
    Kind.PAY: (DK.INSTALLMENT_DUE,),
    Kind.MUST_FIX: (DK.PRODUCER_RESPONSE,),
    Kind.RESUBMIT: (DK.PRODUCER_RESPONSE,),
    Kind.RESUBMIT_CUT: (DK.PRODUCER_RESPONSE,),
    Kind.RESUBMIT_FINAL: (DK.PRODUCER_RESPONSE,),
    Kind.RELEASE: (DK.RELEASE_DATE,),
}

CLAIMED_KINDS = frozenset(kind for kinds in DUE_KINDS.values() for kind in kinds)

# The producer's own next move in each state, as the project page offers it.
PRODUCER_STATES = {
    S.DRAFT: Kind.SUBMIT,
    S.REVISING: Kind.RESUBMIT,
    S.GREENLIT: Kind.START_PRODUCTION,
    S.IN_PRODUCTION: Kind.SUBMIT_CUT,
    S.CUT_CHANGES: Kind.RESUBMIT_CUT,
    S.FINAL_CHANGES: Kind.RESUBMIT_FINAL,
}
PLATFORM_STATES = {S.CUT_REVIEW: Kind.CUT_REVIEW, S.CLEARED: Kind.RELEASE}
# Planning-filing steps each tier needs approved before a greenlight.
FILING_STEPS = {"KEY": 2, "ORDINARY": 1}


@dataclass
class InboxItem:
    kind: str
    project: Project
    title: str
    url: str
    due_at: datetime | None = None
    overdue: bool = False
    # A due time read from a deadline rather than the record: None, or the deadline.
    deadline: Deadline | None = None
    # For the evaluation to decide: whether quorum is reached (else it is here for its deadline).
    quorum_met: bool = True

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def project_id(self) -> int:
        return self.project.pk

    @property
    def project_title(self) -> str:
        return self.project.title


@dataclass
class _Roles:
    producer: list[int]
    manager: list[int]
    rater: bool
    reviewer: list[int]
    decider: list[int]


def _roles_of(user) -> _Roles:
    producer, manager, rater = [], [], False
    for membership in memberships_of(user):
        kind = membership.organisation.kind
        if kind == Organisation.Kind.PRODUCER and membership.role == R.PRODUCER:
            producer.append(membership.organisation_id)
        elif kind == Organisation.Kind.PLATFORM and membership.role == R.CONTENT_MANAGER:
            manager.append(membership.organisation_id)
        elif kind == Organisation.Kind.PLATFORM and membership.role == R.RATER:
            rater = True
    return _Roles(
        producer=producer,
        manager=manager,
        rater=rater,
        reviewer=reviewer_authority_ids_of(user),
        decider=decider_authority_ids_of(user),
    )


def _admin(name: str, pk: int) -> str:
    return reverse(f"admin:{name}", args=[pk])


def _project_url(project: Project) -> str:
    return _admin("workflow_project_change", project.pk)


def _end_of_day(day: date) -> datetime:
    """A date as a due time: the end of that day in the site's zone (overdue the day after)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _money(value) -> str:
    return f"¥{value:,.2f}"


# One query per kind of record ------------------------------------------------------------------


def _scorecards(user) -> list[InboxItem]:
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


def _evaluations(user, platforms: list[int]) -> list[InboxItem]:
    """Open evaluations of the round (to decide, once quorum is reached or the deadline is near:
    settled after the deadlines are read) and greenlight decisions whose filings are approved."""
    functions = list(quorum())
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
        .select_related("project")
        .order_by("pk")
    )
    needed = quorum()
    items = []
    for evaluation in evaluations:
        project = evaluation.project
        if evaluation.status == Evaluation.Status.OPEN:
            met = all(
                getattr(evaluation, f"submitted_{function}") >= needed[function]
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
                url=_project_url(project),
            )
        )
    return items


def _filing_reviews(user) -> list[InboxItem]:
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


def _final_reviews(user) -> list[InboxItem]:
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


def _projects(user, roles: _Roles) -> list[InboxItem]:
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
                    url=_project_url(project),
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
                        else _project_url(project)
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
                    url=_project_url(project),
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


def _contracts(user, roles: _Roles) -> list[InboxItem]:
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


def _installments(user, platforms: list[int], today: date) -> list[InboxItem]:
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


def _feedback(user, producers: list[int]) -> list[InboxItem]:
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


def _mine_q(user) -> Q:
    """Deadlines the user is responsible for (their organisation and role; an organisation's
    admins answer for all of its deadlines)."""
    mine = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role == R.ORG_ADMIN:
            mine |= Q(responsible_organisation_id=membership.organisation_id)
        else:
            mine |= Q(
                responsible_organisation_id=membership.organisation_id,
                responsible_role=membership.role,
            )
    return mine


def _open_deadlines(user, project_ids: set[int]) -> list[Deadline]:
    mine = _mine_q(user)
    return list(
        Deadline.objects.filter(
            related_project_scope_q(user),
            Q(project_id__in=sorted(project_ids)) | mine,
            status=Deadline.Status.OPEN,
        )
        .annotate(is_mine=_as_bool(mine))
        .select_related("project")
        .order_by("due_at", "pk")
    )


def _as_bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


# The inbox --------------------------------------------------------------------------------------


def inbox_for(user, *, at: datetime | None = None) -> list[InboxItem]:
    """Everything that waits on the user now: overdue first, then by due time (no due time last),
    then by kind and project."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    at = at or timezone.now()
    roles = _roles_of(user)
    items: list[InboxItem] = []
    if roles.rater:
        items += _scorecards(user)
    if roles.manager:
        items += _evaluations(user, roles.manager)
        items += _installments(user, roles.manager, timezone.localdate(at))
    if roles.reviewer:
        items += _filing_reviews(user)
    if roles.decider:
        items += _final_reviews(user)
    if roles.producer or roles.manager:
        items += _projects(user, roles)
        items += _contracts(user, roles)
    if roles.producer:
        items += _feedback(user, roles.producer)
    items = _with_deadlines(items, _open_deadlines(user, {i.project.pk for i in items}), at)
    items.sort(key=lambda item: _order(item, at))
    return items


def _with_deadlines(items: list[InboxItem], deadlines: list[Deadline], at) -> list[InboxItem]:
    by_project: dict[int, list[Deadline]] = {}
    for deadline in deadlines:
        by_project.setdefault(deadline.project_id, []).append(deadline)
    taken: set[int] = set()
    kept = []
    for item in items:
        kinds = DUE_KINDS.get(item.kind, ())
        # Running clocks first (a paused one waits on someone else), earliest first.
        matching = sorted(
            (d for d in by_project.get(item.project.pk, ()) if d.kind in kinds),
            key=lambda d: (d.paused_at is not None, d.due_at, d.pk),
        )
        if matching:
            deadline = matching[0]
            item.deadline = deadline
            item.due_at = deadline.due_at
            taken.update(d.pk for d in matching)
        if item.kind == Kind.DECIDE and not item.quorum_met:
            # Without quorum, an evaluation waits on the raters until its deadline is near.
            if item.due_at is None or item.due_at - at > DECIDE_WHEN_DUE_WITHIN:
                continue
        kept.append(item)
    for item in kept:
        paused = item.deadline is not None and item.deadline.paused_at is not None
        item.overdue = item.due_at is not None and item.due_at < at and not paused
    for deadline in deadlines:
        # A kind that times a record's work shows through that work only: a stage's clock runs
        # on after its filing is decided, until the project moves. A paused clock waits on
        # someone else (the producer answering feedback).
        if (
            deadline.pk in taken
            or deadline.kind in CLAIMED_KINDS
            or not deadline.is_mine
            or deadline.paused_at is not None
        ):
            continue
        kept.append(
            InboxItem(
                kind=Kind.DEADLINE,
                project=deadline.project,
                title=str(deadline.get_kind_display()),
                url=_project_url(deadline.project),
                due_at=deadline.due_at,
                overdue=deadline.due_at < at and deadline.paused_at is None,
                deadline=deadline,
            )
        )
    return kept


def _order(item: InboxItem, at: datetime) -> tuple:
    return (
        not item.overdue,
        item.due_at is None,
        item.due_at or at,
        KINDS.index(item.kind),
        item.project.title,
        item.project.pk,
        item.url,
    )
