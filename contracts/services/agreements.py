"""Write paths for contracts: the offer, the terms, the lifecycle, new versions.

Every operation is one transaction that locks the project first (``workflow.services.
project_lock``, the lock its transitions take) and then the contract, so a contract change and a
``start_production`` never interleave.

Terms are checked in one place (``contract_terms_clean``): the API, the admin and the services
all get the same messages. Only the platform's content manager writes terms, and only while the
contract is a draft (``contract_update``); once sent the terms are frozen, and a change is a new
version (``contract_revise``): a draft copying the terms with the changes, while the old version
is kept as superseded.

The producer's ``decline`` of a sent offer ends that version (terminated, with the reason); the
platform then makes a new offer (``contract_offer``), which becomes the next version. Declining
does not send the contract back to draft: what was sent stays on record as sent.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.clock import business_date
from common.errors import DomainError, PermissionDenied
from contracts import handoffs
from contracts.deadlines import contract_deadlines_keep
from contracts.models import Contract
from workflow import webhooks
from workflow.audit import record_status_change
from workflow.models import Project, ProjectState
from workflow.permissions import CONTENT_MANAGER
from workflow.services import project_lock

S = ProjectState
M = Contract.Model
B = Contract.ResidualBasis

# The terms the platform writes; grade, granted budget and traffic support come from the
# evaluation's decision and are kept as offered.
TERM_FIELDS = (
    "commissioning_model",
    "production_fee",
    "producer_investment",
    "residual_basis",
    "residual_rate",
    "rights_scope",
    "term_ends_on",
    "exclusivity_ends_on",
)
OFFER_FIELDS = (*TERM_FIELDS, "grade", "granted_budget", "traffic_support")
PERCENT_BASES = frozenset({B.PAID_REVENUE, B.AD_REVENUE})
TYPICAL_SHARE = (Decimal("3"), Decimal("10"))
# The project has been greenlit and is not finished: a contract may be offered.
OFFER_STATES = frozenset(
    {
        S.GREENLIT,
        S.IN_PRODUCTION,
        S.CUT_REVIEW,
        S.CUT_CHANGES,
        S.FINAL_REVIEW,
        S.FINAL_CHANGES,
        S.CLEARED,
        S.RELEASED,
        S.TAKEN_DOWN,
    }
)
REASON_MAX_LENGTH = 2000


class ContractTransitionNotAllowed(DomainError):
    status_code = 409
    code = "contract_transition_not_allowed"
    default_detail = _("This is not possible in the contract's current status.")


class ContractExists(DomainError):
    status_code = 409
    code = "contract_exists"
    default_detail = _("This project already has an open contract; revise it instead.")


class ContractOfferNotAllowed(DomainError):
    status_code = 409
    code = "contract_offer_not_allowed"
    default_detail = _("A contract can be offered once the project is greenlit.")


# Terms -----------------------------------------------------------------------------------------


def contract_terms_clean(terms: dict[str, Any]) -> list[str]:
    """Check the terms against the commissioning model's rules.

    Raises ValidationError (field -> messages) for terms the model forbids; returns the warnings
    for terms allowed but unusual (a revenue share outside 3-10 %).
    """
    terms = _coerced(terms)
    model = terms.get("commissioning_model")
    fee = terms.get("production_fee")
    investment = terms.get("producer_investment") or Decimal("0")
    basis = terms.get("residual_basis") or B.NONE
    rate = terms.get("residual_rate") or Decimal("0")
    term_ends_on = terms.get("term_ends_on")
    exclusivity_ends_on = terms.get("exclusivity_ends_on")
    errors: dict[str, list] = {}

    def refuse(field: str, message) -> None:
        errors.setdefault(field, []).append(message)

    if model not in M.values:
        refuse("commissioning_model", _("Choose work for hire, licence or co-investment."))
    if fee is None:
        refuse("production_fee", _("Give the production fee."))
    elif fee < 0:
        refuse("production_fee", _("The production fee cannot be negative."))
    if investment < 0:
        refuse("producer_investment", _("The producer's investment cannot be negative."))
    if basis not in B.values:
        refuse("residual_basis", _("Choose a residual basis."))
    if rate < 0:
        refuse("residual_rate", _("The residual rate cannot be negative."))
    elif basis in PERCENT_BASES and rate > 100:
        refuse("residual_rate", _("A percentage rate cannot be more than 100."))
    elif basis == B.NONE and rate != 0:
        refuse("residual_rate", _("There is no residual basis, so the rate must be 0."))
    elif basis != B.NONE and rate == 0:
        refuse("residual_rate", _("Give the residual rate for the residual basis."))

    if model == M.WORK_FOR_HIRE:
        if basis != B.NONE:
            refuse(
                "residual_basis",
                _("A work-for-hire contract has no residuals: the platform holds the copyright."),
            )
        if investment != 0:
            refuse(
                "producer_investment",
                _(
                    "A work-for-hire contract has no producer investment: the platform provides "
                    "the full budget."
                ),
            )
    elif model == M.CO_INVESTMENT:
        if investment <= 0:
            refuse(
                "producer_investment",
                _("A co-investment contract needs the producer's investment (more than 0)."),
            )
        if basis not in PERCENT_BASES:
            refuse(
                "residual_basis",
                _(
                    "A co-investment contract shares revenue: choose a percentage of paid "
                    "revenue or of ad revenue."
                ),
            )
    if term_ends_on and exclusivity_ends_on and exclusivity_ends_on > term_ends_on:
        refuse(
            "exclusivity_ends_on",
            _("The exclusivity cannot end after the term (%(date)s).")
            % {"date": term_ends_on.isoformat()},
        )
    if errors:
        raise ValidationError(errors)
    return contract_terms_warnings(terms)


def _coerced(terms: dict[str, Any]) -> dict[str, Any]:
    """The values as the model's fields read them (a decimal string becomes a Decimal)."""
    coerced, errors = {}, {}
    for name, value in terms.items():
        try:
            coerced[name] = Contract._meta.get_field(name).to_python(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return coerced


def contract_terms_warnings(terms: dict[str, Any] | Contract) -> list[str]:
    """Terms that are allowed but unusual, in words (shown by the API and the admin)."""
    if isinstance(terms, Contract):
        terms = {name: getattr(terms, name) for name in TERM_FIELDS}
    warnings = []
    rate = terms.get("residual_rate") or Decimal("0")
    low, high = TYPICAL_SHARE
    if (
        terms.get("commissioning_model") == M.CO_INVESTMENT
        and terms.get("residual_basis") in PERCENT_BASES
        and not low <= rate <= high
    ):
        warnings.append(
            str(
                _(
                    "The revenue share of %(rate)s %% is outside the typical range for a "
                    "co-investment (3-10 %%)."
                )
                % {"rate": f"{rate.normalize():f}"}
            )
        )
    return warnings


def _unknown_fields(data: dict[str, Any], allowed) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in sorted(unknown)})


def _terms_of(contract: Contract) -> dict[str, Any]:
    return {name: getattr(contract, name) for name in OFFER_FIELDS}


def _apply(contract: Contract, terms: dict[str, Any]) -> list[str]:
    """Validate the terms as a whole, then against the model's own field checks."""
    warnings = contract_terms_clean(terms)
    for name, value in _coerced(terms).items():
        setattr(contract, name, value)
    contract.full_clean(exclude=["project", "created_by", "supersedes", "status"])
    return warnings


# Locks and checks ------------------------------------------------------------------------------


def contract_lock(contract: Contract) -> Contract:
    """Lock the contract's project, then the contract, and read it afresh."""
    project = project_lock(contract.project_id)
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    locked.project = project
    return locked


def _status_label(contract: Contract) -> str:
    return str(Contract.Status(contract.status).label).lower()


def _not_allowed(contract: Contract, action) -> ContractTransitionNotAllowed:
    return ContractTransitionNotAllowed(
        format_lazy(
            _("“{action}” is not possible while the contract is {status}."),
            action=action,
            status=_status_label(contract),
        )
    )


def _require_platform(project: Project, actor, message) -> None:
    if not CONTENT_MANAGER(project, actor) or project.submitted_at is None:
        raise PermissionDenied(message)


def _fire(contract: Contract, name: str, actor, **arguments) -> Contract:
    """Run transition ``name`` on a locked contract: 409 from the wrong status, 403 for the
    wrong side, then save."""
    method = getattr(contract, name)
    meta = method._django_fsm
    label = next(iter(meta.transitions.values())).custom.get("label", name)
    if not meta.has_transition(contract.status):
        raise _not_allowed(contract, label)
    current = meta.get_transition(contract.status)
    if not current.has_perm(contract, actor):
        raise PermissionDenied(
            format_lazy(_("Only {who} may do this."), who=current.permission.label)
        )
    source = contract.status
    method(**arguments)
    contract.save()
    record_status_change(
        contract,
        from_status=source,
        to_status=contract.status,
        actor=actor,
        reason=arguments.get("reason", ""),
        project=contract.project,
    )
    return contract


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH}}
        )
    return reason


# The offer -------------------------------------------------------------------------------------


def latest_greenlight(project: Project):
    """The project's latest greenlit evaluation, read through the reverse relation (contracts
    does not import reviews)."""
    return project.evaluations.filter(decision="greenlight").order_by("-round").first()


@transaction.atomic
def contract_offer(*, project: Project, actor, commissioning_model: str, **terms: Any) -> Contract:
    """The platform's offer: a draft contract prefilled from the greenlight's decision.

    The grade, granted budget and traffic support come from the latest greenlit evaluation; the
    production fee defaults to the granted budget. If the project had contracts before (declined,
    terminated, completed), the offer is the next version.
    """
    _unknown_fields(terms, [name for name in OFFER_FIELDS if name != "commissioning_model"])
    locked = project_lock(project.pk)
    _require_platform(
        locked,
        actor,
        _("Only a content manager of the commissioning platform can offer a contract."),
    )
    if locked.state not in OFFER_STATES:
        raise ContractOfferNotAllowed(
            _("A contract can be offered once the project is greenlit, not while it is %(state)s.")
            % {"state": locked.get_state_display().lower()}
        )
    previous = Contract.objects.filter(project=locked).order_by("-version").first()
    if previous is not None and previous.status in (
        Contract.Status.DRAFT,
        Contract.Status.SENT,
        Contract.Status.SIGNED,
        Contract.Status.ACTIVE,
    ):
        raise ContractExists(
            _("This project already has a contract (version %(version)d, %(status)s); revise it.")
            % {"version": previous.version, "status": _status_label(previous)}
        )
    evaluation = latest_greenlight(locked)
    prefill: dict[str, Any] = {"commissioning_model": commissioning_model}
    if evaluation is not None:
        prefill.update(
            grade=evaluation.grade,
            granted_budget=evaluation.granted_budget,
            traffic_support=evaluation.traffic_support,
            production_fee=evaluation.granted_budget,
        )
    prefill.update(terms)
    contract = Contract(
        project=locked,
        created_by=actor,
        version=(previous.version + 1) if previous else 1,
        supersedes=previous if previous is not None and not _has_successor(previous) else None,
    )
    _apply(contract, prefill)
    return _save_new(contract)


def _has_successor(contract: Contract) -> bool:
    return Contract.objects.filter(supersedes=contract).exists()


def _save_new(contract: Contract) -> Contract:
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError as exc:  # another open contract or version, written meanwhile
        raise ContractExists() from exc
    return contract


# Terms while draft; new versions after ---------------------------------------------------------


@transaction.atomic
def contract_update(*, contract: Contract, actor, data: dict[str, Any]) -> Contract:
    """The platform changes the terms of a draft. Sent terms are frozen: ``contract_revise``."""
    _unknown_fields(data, TERM_FIELDS)
    locked = contract_lock(contract)
    _require_platform(
        locked.project,
        actor,
        _("Only a content manager of the commissioning platform can change the terms."),
    )
    if locked.status != Contract.Status.DRAFT:
        raise ContractTransitionNotAllowed(
            _("The terms are frozen: the contract is %(status)s. Revise it to make a new version.")
            % {"status": _status_label(locked)}
        )
    _apply(locked, {**_terms_of(locked), **data})
    locked.save()
    return locked


@transaction.atomic
def contract_revise(*, contract: Contract, actor, data: dict[str, Any]) -> Contract:
    """A change to a sent, signed or active contract: version N+1 as a draft with the changed
    terms and the installments not yet paid (``installments_carry_over``); the old version is
    superseded (and kept). The new version must be sent and signed again."""
    _unknown_fields(data, TERM_FIELDS)
    locked = contract_lock(contract)
    if locked.status == Contract.Status.DRAFT:
        raise ContractTransitionNotAllowed(
            _("The contract is still a draft: change its terms directly.")
        )
    terms = {**_terms_of(locked), **data}
    successor = Contract(
        project=locked.project,
        version=locked.version + 1,
        supersedes=locked,
        created_by=actor,
    )
    from contracts.services.payments import installments_carry_over  # it builds on this module

    # The old version leaves the open statuses first: one open contract per project.
    previous_status = locked.status
    _fire(locked, "supersede", actor)
    _apply(successor, terms)
    _save_new(successor)
    installments_carry_over(previous=locked, successor=successor, actor=actor)
    # Until the new version is countersigned, no contract is in force: its dates wait for it.
    if previous_status == Contract.Status.ACTIVE:
        contract_deadlines_keep(locked)
    return successor


# The lifecycle ---------------------------------------------------------------------------------


@transaction.atomic
def contract_send(*, contract: Contract, actor) -> Contract:
    from contracts.services.payments import payment_schedule_problems  # it builds on this module

    locked = contract_lock(contract)
    problems = payment_schedule_problems(locked)
    if problems:
        raise ValidationError({"installments": problems})
    _fire(locked, "send", actor)
    handoffs.contract_moved(contract=locked, event="sent")
    return locked


@transaction.atomic
def contract_sign(*, contract: Contract, actor) -> Contract:
    locked = contract_lock(contract)
    _fire(locked, "sign", actor, by=actor)
    handoffs.contract_moved(contract=locked, event="signed")
    return locked


@transaction.atomic
def contract_countersign(*, contract: Contract, actor) -> Contract:
    from contracts.services.payments import Milestone, installments_mark_due

    locked = contract_lock(contract)
    _fire(locked, "countersign", actor, by=actor)
    # Countersigning is a milestone itself, and catches up on the ones already past.
    installments_mark_due(locked, Milestone.COUNTERSIGNED, business_date(locked.countersigned_at))
    contract_deadlines_keep(locked)
    handoffs.contract_moved(contract=locked, event="countersigned")
    webhooks.emit(
        webhooks.EventType.CONTRACT_COUNTERSIGNED,
        project=locked.project,
        # The contract's existence, not its money; and only to the two parties.
        data={
            "contract": {
                "id": locked.pk,
                "version": locked.version,
                "commissioning_model": locked.commissioning_model,
                "status": locked.status,
                "countersigned_at": locked.countersigned_at.isoformat(),
            }
        },
        parties_only=True,
    )
    return locked


@transaction.atomic
def contract_complete(*, contract: Contract, actor) -> Contract:
    locked = contract_lock(contract)
    _fire(locked, "complete", actor)
    contract_deadlines_keep(locked)
    return locked


@transaction.atomic
def contract_terminate(*, contract: Contract, actor, reason: str) -> Contract:
    reason = _reason(reason)
    locked = contract_lock(contract)
    _fire(locked, "terminate", actor, reason=reason)
    contract_deadlines_keep(locked)
    return locked


@transaction.atomic
def contract_decline(*, contract: Contract, actor, reason: str) -> Contract:
    """The producer refuses a sent offer; the platform may then offer a new version."""
    reason = _reason(reason)
    locked = contract_lock(contract)
    _fire(locked, "decline", actor, reason=reason)
    handoffs.contract_moved(contract=locked, event="declined")
    return locked
