"""Platform evaluation: open on submit, decide (inviting and scoring: ``scorecards``).

Lock order, to stay free of deadlocks: the project first (as the transition service does), then
the evaluation, then a scorecard. Invitations and scoring lock the evaluation row, so that a
decision cannot slip between a rater's check "still open" and their write.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from common.errors import DomainError, PermissionDenied
from reviews import handoffs
from reviews.models import Criterion, Evaluation, FeedbackItem, Rubric, Scorecard
from reviews.selectors.evaluations import evaluation_aggregate, with_scores
from reviews.services.feedback import feedback_items_add
from reviews.services.rubrics import rubric_rules
from workflow import webhooks
from workflow.audit import record_status_change, record_status_changes
from workflow.exceptions import GuardsNotMet
from workflow.keys import require_transition_scope
from workflow.models import Membership, Organisation, Project, ProjectState
from workflow.permissions import CONTENT_MANAGER
from workflow.services import project_lock, transition_fire
from workflow.visibility import memberships_of

COMMENT_MAX_LENGTH = 4000
REASON_MAX_LENGTH = 4000

# The rubric a platform gets when its first proposal arrives and it has none of its own.
DEFAULT_RUBRIC_NAME = gettext_noop("Standard proposal rubric")
DEFAULT_CRITERIA = (
    (
        gettext_noop("Hook and pacing"),
        gettext_noop(
            "Does episode 1 hook within the first seconds, and does every episode end on a reason "
            "to unlock the next?"
        ),
        Decimal("1.50"),
    ),
    (
        gettext_noop("Topic and trend fit"),
        gettext_noop(
            "Does the subject match what the platform's audience watches now, without copying "
            "a saturated formula?"
        ),
        Decimal("1.00"),
    ),
    (
        gettext_noop("Commercial potential"),
        gettext_noop(
            "Paywall placement, ad-sales appeal and the expected revenue against the budget."
        ),
        Decimal("1.50"),
    ),
    (
        gettext_noop("Production feasibility"),
        gettext_noop(
            "Can the team shoot it on this budget and schedule (cast, locations, effects)?"
        ),
        Decimal("1.00"),
    ),
    (
        gettext_noop("Compliance risk"),
        gettext_noop(
            "Higher is safer: how likely the content passes the planning filing and the "
            "finished-cut review without changes."
        ),
        Decimal("1.00"),
    ),
)


class EvaluationClosed(DomainError):
    status_code = 409
    code = "evaluation_closed"
    default_detail = _("The evaluation is no longer open.")


class QuorumNotMet(DomainError):
    status_code = 409
    code = "quorum_not_met"
    default_detail = _("Not enough submitted scorecards to decide.")


@dataclass
class DecisionOutcome:
    """What ``evaluation_decide`` did: the decided evaluation, the project, and the transition
    it fired (``None`` when a greenlight waits for the project's other conditions, listed in
    ``waiting_for``)."""

    evaluation: Evaluation
    project: Project
    transition: str | None
    waiting_for: list[str] = field(default_factory=list)


# Helpers ----------------------------------------------------------------------------------------


def lock_evaluation(evaluation_id: int) -> Evaluation:
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("project__producer", "project__platform", "rubric")
        .get(pk=evaluation_id)
    )


def require_open(evaluation: Evaluation) -> None:
    if evaluation.status == Evaluation.Status.DECIDED:
        raise EvaluationClosed(
            format_lazy(
                _("The evaluation of round {round} is already decided ({decision})."),
                round=evaluation.round,
                decision=evaluation.get_decision_display(),
            )
        )
    if evaluation.status != Evaluation.Status.OPEN:
        raise EvaluationClosed(
            format_lazy(
                _("The evaluation of round {round} was closed without a decision."),
                round=evaluation.round,
            )
        )


def require_content_manager(project: Project, actor) -> None:
    if not CONTENT_MANAGER(project, actor):
        raise PermissionDenied(format_lazy(_("Only {who} may do this."), who=CONTENT_MANAGER.label))


def is_producer_member(user, project: Project) -> bool:
    return any(m.organisation_id == project.producer_id for m in memberships_of(user))


def rater_membership(user, project: Project) -> Membership | None:
    for membership in memberships_of(user):
        if (
            membership.organisation_id == project.platform_id
            and membership.role == Membership.Role.RATER
        ):
            return membership
    return None


def user_label(user) -> str:
    return user.get_full_name() or user.get_username()


# The rubric and opening ------------------------------------------------------------------------


def rubric_for_new_evaluation(platform: Organisation) -> Rubric:
    """The platform's active rubric; a platform without one gets the default rubric as its next
    version. The platform row is locked while creating, so two first submissions don't race."""
    rubric = Rubric.objects.filter(platform=platform, is_active=True).first()
    if rubric is not None:
        return rubric
    Organisation.objects.select_for_update().filter(pk=platform.pk).first()
    rubric = Rubric.objects.filter(platform=platform, is_active=True).first()
    if rubric is not None:
        return rubric
    latest = Rubric.objects.filter(platform=platform).order_by("-version").first()
    rubric = Rubric.objects.create(
        platform=platform,
        name=DEFAULT_RUBRIC_NAME,
        version=latest.version + 1 if latest else 1,
        is_active=True,
        **rubric_rules(latest),
    )
    Criterion.objects.bulk_create(
        Criterion(rubric=rubric, name=name, description=text, weight=weight, position=index)
        for index, (name, text, weight) in enumerate(DEFAULT_CRITERIA, start=1)
    )
    return rubric


def evaluation_open(*, project: Project, first: bool = False) -> Evaluation:
    """Open the evaluation of the project's current round (called with the project locked, by
    the submit/resubmit effect).

    An evaluation of an earlier round still open is closed. The raters invited to the previous
    round are invited again, so that the same panel rates the revised proposal; those who are
    no longer raters of the platform, or now belong to the producer company, are left out.
    ``first``: the proposal's first submission, before which it has no evaluation.
    """
    first_round = project.review_round <= 1  # nothing earlier to close or to invite again
    if not first_round:
        _close(
            Evaluation.objects.filter(project=project, status=Evaluation.Status.OPEN).exclude(
                round=project.review_round
            )
        )
    # The project's lock keeps another writer from opening it meanwhile: no savepoint needed.
    evaluation = (
        None
        if first
        else Evaluation.objects.filter(project=project, round=project.review_round).first()
    )
    if evaluation is not None:
        return evaluation
    evaluation = Evaluation.objects.create(
        project=project,
        round=project.review_round,
        rubric=rubric_for_new_evaluation(project.platform),
    )
    if first_round:
        return evaluation
    previous = (
        Evaluation.objects.filter(project=project, round__lt=project.review_round)
        .order_by("-round")
        .first()
    )
    if previous is not None:
        _reinvite(evaluation=evaluation, previous=previous, project=project)
    return evaluation


def _reinvite(*, evaluation: Evaluation, previous: Evaluation, project: Project) -> None:
    raters = Membership.objects.filter(
        organisation_id=project.platform_id,
        role=Membership.Role.RATER,
        user__scorecards__evaluation=previous,
    ).exclude(user__memberships__organisation_id=project.producer_id)
    function_of = dict(raters.values_list("user_id", "rater_function"))
    invited = Scorecard.objects.bulk_create(
        Scorecard(
            evaluation=evaluation,
            rater_id=card.rater_id,
            function=function_of[card.rater_id],
            invited_by_id=card.invited_by_id,
        )
        for card in previous.scorecards.filter(rater_id__in=function_of).order_by("id")
    )
    handoffs.raters_invited(scorecard_ids=[card.pk for card in invited if card.pk])


def evaluations_close_open(*, project: Project) -> int:
    """Close the project's open evaluation when the project leaves evaluation another way
    (a regulator's revision request or rejection, a withdrawal)."""
    return _close(Evaluation.objects.filter(project=project, status=Evaluation.Status.OPEN))


def _close(open_evaluations) -> int:
    closing = list(open_evaluations.only("pk", "project_id", "status"))
    if not closing:
        return 0
    record_status_changes(closing, to_status=Evaluation.Status.CLOSED)
    return Evaluation.objects.filter(pk__in=[e.pk for e in closing]).update(
        status=Evaluation.Status.CLOSED, updated_at=timezone.now()
    )


# Invitations ------------------------------------------------------------------------------------


# Scoring ----------------------------------------------------------------------------------------


# Deciding ---------------------------------------------------------------------------------------


def quorum_shortfall(evaluation: Evaluation) -> list[str]:
    """What the quorum still lacks, in words (empty when met)."""
    submitted: dict[str, int] = dict.fromkeys(Membership.RaterFunction.values, 0)
    for function in evaluation.scorecards.filter(status=Scorecard.Status.SUBMITTED).values_list(
        "function", flat=True
    ):
        submitted[function] += 1
    missing = []
    for function in Membership.RaterFunction.values:
        needed = int(evaluation.rubric.quorum.get(function, 0))
        if submitted[function] < needed:
            missing.append(
                ngettext(
                    "%(needed)d submitted %(function)s scorecard needed, %(have)d so far.",
                    "%(needed)d submitted %(function)s scorecards needed, %(have)d so far.",
                    needed,
                )
                % {
                    "needed": needed,
                    "function": str(Membership.RaterFunction(function).label).lower(),
                    "have": submitted[function],
                }
            )
    return missing


MONEY_REQUIRED = {
    "granted_budget": _("A greenlight needs a granted budget (CNY, 0 or more)."),
    "traffic_support": _("A greenlight needs an amount of traffic support (CNY, 0 or more)."),
}


def _money(name: str, value: Any, errors: dict) -> Decimal | None:
    if value is None or value == "":
        errors[name] = [MONEY_REQUIRED[name]]
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        errors[name] = [_("Enter an amount in CNY, e.g. 450000.00.")]
        return None
    if not amount.is_finite() or amount < 0:
        errors[name] = [_("The amount cannot be negative.")]
        return None
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
        errors[name] = [_("Use at most 12 digits before and 2 after the decimal point.")]
        return None
    return amount


def _check_decision(
    *,
    decision: str,
    grade: str | None,
    granted_budget: Any,
    traffic_support: Any,
    reason: str,
    feedback_items: list | None,
) -> dict[str, Any]:
    errors: dict[str, list] = {}
    if decision not in Evaluation.Decision.values:
        raise ValidationError(
            {"decision": [_("Choose greenlight, revise or reject.")]}  # before anything else
        )
    if len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [_("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH}]
    fields: dict[str, Any] = {}
    if decision == Evaluation.Decision.GREENLIGHT:
        if grade not in Evaluation.Grade.values:
            errors["grade"] = [_("A greenlight needs a grade: S, A, B or C.")]
        fields["grade"] = grade
        fields["granted_budget"] = _money("granted_budget", granted_budget, errors)
        fields["traffic_support"] = _money("traffic_support", traffic_support, errors)
    else:
        for name, value in (
            ("grade", grade),
            ("granted_budget", granted_budget),
            ("traffic_support", traffic_support),
        ):
            if value not in (None, ""):
                errors[name] = [_("Only a greenlight has a grade, a budget and traffic support.")]
    if decision == Evaluation.Decision.REJECT and not reason:
        errors["reason"] = [_("Say why the proposal is rejected.")]
    if decision == Evaluation.Decision.REVISE and not feedback_items:
        errors["feedback_items"] = [
            _("A revision request needs at least one feedback item for the producer.")
        ]
    if decision != Evaluation.Decision.REVISE and feedback_items:
        errors["feedback_items"] = [_("Feedback items go with a revision request only.")]
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def evaluation_decide(
    *,
    evaluation: Evaluation,
    actor,
    decision: str,
    grade: str | None = None,
    granted_budget: Decimal | None = None,
    traffic_support: Decimal | None = None,
    reason: str = "",
    feedback_items: list[dict[str, Any]] | None = None,
) -> DecisionOutcome:
    """Decide the evaluation and move the project accordingly, all or nothing.

    Revise adds the feedback items (stage "evaluation", this round) and fires
    ``request_revision``; reject fires ``reject``. Greenlight records the decision and fires
    ``greenlight`` when the project's other conditions hold (an approved planning filing, say);
    otherwise the project stays submitted and a content manager greenlights it once they do.
    """
    reason = (reason or "").strip()
    require_transition_scope(actor)
    project = project_lock(evaluation.project_id)
    locked = lock_evaluation(evaluation.pk)
    require_content_manager(project, actor)
    require_open(locked)
    if locked.round != project.review_round or project.state != ProjectState.SUBMITTED:
        raise EvaluationClosed(
            format_lazy(
                _("The project is {state} in round {round}; this evaluation cannot decide it."),
                state=ProjectState(project.state).label,
                round=project.review_round,
            )
        )
    missing = quorum_shortfall(locked)
    if missing:
        # The detail says what is refused; the reasons, once, what is missing (a reader shows
        # both, as for a transition's unmet conditions).
        raise QuorumNotMet(
            format_lazy(
                _("The evaluation of round {round} has no quorum yet."), round=locked.round
            ),
            reasons=missing,
        )
    fields = _check_decision(
        decision=decision,
        grade=grade,
        granted_budget=granted_budget,
        traffic_support=traffic_support,
        reason=reason,
        feedback_items=feedback_items,
    )
    for name, value in fields.items():
        setattr(locked, name, value)
    # Kept with the decision: the grade the scores mapped to, whatever grade was chosen.
    locked.suggested_grade = evaluation_aggregate(with_scores(locked)).suggested_grade or ""
    record_status_change(
        locked,
        from_status=locked.status,
        to_status=Evaluation.Status.DECIDED,
        actor=actor,
        reason=reason,
        project=project,
    )
    locked.status = Evaluation.Status.DECIDED
    locked.decision = decision
    locked.reason = reason
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save()
    webhooks.evaluation_decided(evaluation=locked, project=project)

    if decision == Evaluation.Decision.REVISE:
        try:
            feedback_items_add(
                project=project,
                stage=FeedbackItem.Stage.EVALUATION,
                round=locked.round,
                items=feedback_items or [],
                actor=actor,
                evaluation=locked,
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    f"feedback_{key}" if key.startswith("items.") else key: messages
                    for key, messages in exc.message_dict.items()
                }
            ) from exc
        moved = transition_fire(
            project=project, name="request_revision", actor=actor, comment=reason, decision=locked
        )
        return DecisionOutcome(locked, moved, "request_revision")
    if decision == Evaluation.Decision.REJECT:
        moved = transition_fire(
            project=project, name="reject", actor=actor, comment=reason, decision=locked
        )
        return DecisionOutcome(locked, moved, "reject")
    try:
        moved = transition_fire(project=project, name="greenlight", actor=actor, comment=reason)
    except GuardsNotMet as waiting:
        # Refused before it wrote anything: the decision stands and the greenlight waits.
        return DecisionOutcome(locked, project, None, waiting_for=[str(r) for r in waiting.reasons])
    return DecisionOutcome(locked, moved, "greenlight")
