"""Write paths for budgets: one transaction each, the project row locked first.

Every budget operation locks the project (the same lock the workflow's transitions take), so a
budget change and a transition of the same project never interleave: ``start_production`` either
sees the approved budget or the reopened one, and a tier re-route is never lost.

What may change when:

- lines (category, description, planned amount) only while the budget is a **draft** and the
  project is still being planned (draft, submitted, revising, greenlit);
- the **actual** amount of a line also while the budget is approved (costs come in during
  production), until the project is finished;
- a submitted or approved budget goes back to draft (``budget_reopen``) only by the producer and
  only while the proposal is back with them (draft, revising) or greenlit but not yet in
  production; during the platform's evaluation the budget is what is being rated.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgets.models import Budget, BudgetLine, TierPolicy
from common.errors import DomainError, PermissionDenied
from workflow.audit import record_status_change
from workflow.models import Project, ProjectState
from workflow.permissions import CONTENT_MANAGER, PRODUCER
from workflow.services import project_lock, project_refresh_tier

S = ProjectState

# The project is still being planned: its budget may be drawn up and changed.
PLANNING_STATES = frozenset({S.DRAFT, S.SUBMITTED, S.REVISING, S.GREENLIT})
# The proposal is with the producer (or greenlit, not yet shooting): an agreed budget may reopen.
REOPEN_STATES = frozenset({S.DRAFT, S.REVISING, S.GREENLIT})
# Costs are still coming in.
ACTUALS_STATES = frozenset(set(S) - {S.COMPLETED, S.REJECTED, S.WITHDRAWN})

LINE_FIELDS = ("category", "description", "planned", "actual")


class BudgetLocked(DomainError):
    status_code = 409
    code = "budget_locked"
    default_detail = _("The budget can only be changed while it is a draft; reopen it first.")


class BudgetExists(DomainError):
    status_code = 409
    code = "budget_exists"
    default_detail = _("This project already has a budget.")


class BudgetStatusConflict(DomainError):
    """A submit, approve or reopen that the budget's status or the project's state refuses."""

    status_code = 409
    code = "budget_status_conflict"
    default_detail = _("This is not possible in the budget's current status.")


def _lock_budget(budget: Budget) -> Budget:
    """Lock the budget's project, then read the budget afresh (it may have changed meanwhile)."""
    project = project_lock(budget.project_id)
    locked = Budget.objects.get(pk=budget.pk)
    locked.project = project
    return locked


def _require_producer(project: Project, actor) -> None:
    if not PRODUCER(project, actor):
        raise PermissionDenied(_("Only a producer of the project's company can change its budget."))


def _require_draft(budget: Budget) -> None:
    if budget.status != Budget.Status.DRAFT:
        raise BudgetLocked(
            _("The budget is %(status)s; reopen it to change its lines.")
            % {"status": budget.get_status_display().lower()}
        )
    if budget.project.state not in PLANNING_STATES:
        raise BudgetLocked(
            _("The budget cannot change while the project is %(state)s.")
            % {"state": budget.project.get_state_display().lower()}
        )


def _after_lines_changed(budget: Budget) -> None:
    """Lines drive the investment: a submitted project may move to another review tier."""
    budget.save(update_fields=["updated_at"])
    project_refresh_tier(project=budget.project)


def _validated_line(line: BudgetLine) -> BudgetLine:
    line.full_clean(exclude=["budget"])
    return line


@transaction.atomic
def budget_create(*, project: Project, actor) -> Budget:
    locked = project_lock(project.pk)
    _require_producer(locked, actor)
    if locked.state not in PLANNING_STATES:
        raise BudgetLocked(
            _(
                "A budget can only be drawn up while the project is being planned, not while it is %(state)s."
            )
            % {"state": locked.get_state_display().lower()}
        )
    if Budget.objects.filter(project=locked).exists():
        raise BudgetExists()
    return Budget.objects.create(project=locked)


@transaction.atomic
def budget_lines_edit(
    *,
    budget: Budget,
    actor,
    add: Sequence[dict[str, Any]] = (),
    update: Sequence[tuple[BudgetLine, dict[str, Any]]] = (),
    remove: Sequence[BudgetLine] = (),
) -> list[BudgetLine]:
    """Several line changes as one, with one tier refresh at the end.

    Redrawing the budget of a submitted project line by line would otherwise re-route the project
    at every intermediate total (and back), opening reviews for tiers it never really had.
    Returns the updated lines, then the added ones.
    """
    for data in [*add, *(data for _line, data in update)]:
        unknown = set(data) - set(LINE_FIELDS)
        if unknown:
            raise ValidationError(
                {name: _("This field cannot be set.") for name in sorted(unknown)}
            )
    locked = _lock_budget(budget)
    _require_producer(locked.project, actor)
    own = {line.pk: line for line in locked.lines.all()}
    if any(line.pk not in own for line in [*remove, *(line for line, _data in update)]):
        raise ValidationError(_("A line of another budget cannot be changed here."))
    planning = bool(add or remove)
    if planning:
        _require_draft(locked)

    changed = []
    for line, data in update:
        current = own[line.pk]
        moved = {n for n in data if n != "actual" and data[n] != getattr(current, n)}
        if moved or locked.status != Budget.Status.APPROVED:
            _require_draft(locked)
        elif locked.project.state not in ACTUALS_STATES:
            raise BudgetLocked(
                _("The budget cannot change while the project is %(state)s.")
                % {"state": locked.project.get_state_display().lower()}
            )
        planning = planning or bool(moved)
        for name, value in data.items():
            setattr(current, name, value)
        _validated_line(current)
        current.save(update_fields=[*data, "updated_at"])
        changed.append(current)
    if remove:
        BudgetLine.objects.filter(budget=locked, pk__in=[line.pk for line in remove]).delete()
    for data in add:
        line = _validated_line(BudgetLine(budget=locked, **data))
        line.save()
        changed.append(line)
    if planning:
        _after_lines_changed(locked)
    return changed


def budget_line_add(
    *,
    budget: Budget,
    actor,
    category: str,
    planned: Decimal,
    description: str = "",
    actual: Decimal | None = None,
) -> BudgetLine:
    data = {"category": category, "planned": planned, "description": description, "actual": actual}
    [line] = budget_lines_edit(budget=budget, actor=actor, add=[data])
    return line


def budget_line_update(*, line: BudgetLine, actor, data: dict[str, Any]) -> BudgetLine:
    """Change a line. Only ``actual`` may change once the budget is approved."""
    [line] = budget_lines_edit(budget=line.budget, actor=actor, update=[(line, data)])
    return line


def budget_line_remove(*, line: BudgetLine, actor) -> Budget:
    budget_lines_edit(budget=line.budget, actor=actor, remove=[line])
    return line.budget


@transaction.atomic
def budget_lines_replace(*, budget: Budget, actor, lines: Sequence[dict[str, Any]]) -> Budget:
    """The budget's lines become exactly ``lines`` (a draft budget only), in one step."""
    _lock_budget(budget)  # before reading the lines it replaces
    existing = list(BudgetLine.objects.filter(budget_id=budget.pk))
    budget_lines_edit(budget=budget, actor=actor, add=lines, remove=existing)
    return budget


# What the services below would allow, for pages that offer only the possible actions.


def budget_lines_editable(budget: Budget, user) -> bool:
    return (
        budget.status == Budget.Status.DRAFT
        and budget.project.state in PLANNING_STATES
        and PRODUCER(budget.project, user)
    )


def budget_actuals_editable(budget: Budget, user) -> bool:
    return (
        budget.status == Budget.Status.APPROVED
        and budget.project.state in ACTUALS_STATES
        and PRODUCER(budget.project, user)
    )


def budget_actions_for(budget: Budget, user) -> list[str]:
    """The status actions (submit, approve, reopen) the user could take on the budget now."""
    project = budget.project
    if PRODUCER(project, user):
        if budget.status == Budget.Status.DRAFT:
            return ["submit"] if project.state in PLANNING_STATES else []
        return ["reopen"] if project.state in REOPEN_STATES else []
    if (
        budget.status == Budget.Status.SUBMITTED
        and project.submitted_at is not None
        and project.state in PLANNING_STATES
        and CONTENT_MANAGER(project, user)
    ):
        return ["approve"]
    return []


@transaction.atomic
def budget_submit(*, budget: Budget, actor) -> Budget:
    """The producer hands the budget to the platform for approval."""
    locked = _lock_budget(budget)
    _require_producer(locked.project, actor)
    if locked.status != Budget.Status.DRAFT:
        raise BudgetStatusConflict(_("Only a draft budget can be submitted."))
    if locked.project.state not in PLANNING_STATES:
        raise BudgetLocked(
            _("The budget cannot change while the project is %(state)s.")
            % {"state": locked.project.get_state_display().lower()}
        )
    if not locked.lines.exists():
        raise BudgetStatusConflict(_("Add at least one line before submitting the budget."))
    _set_status(locked, Budget.Status.SUBMITTED, actor)
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    return locked


@transaction.atomic
def budget_approve(*, budget: Budget, actor) -> Budget:
    """A content manager of the commissioning platform approves a submitted budget."""
    locked = _lock_budget(budget)
    project = locked.project
    if not CONTENT_MANAGER(project, actor) or project.submitted_at is None:
        # The platform sees a project only once it is submitted; before that it is not theirs.
        raise PermissionDenied(
            _("Only a content manager of the commissioning platform can approve the budget.")
        )
    if locked.status != Budget.Status.SUBMITTED:
        raise BudgetStatusConflict(_("Only a submitted budget can be approved."))
    if project.state not in PLANNING_STATES:
        raise BudgetStatusConflict(
            _("The budget cannot be approved while the project is %(state)s.")
            % {"state": project.get_state_display().lower()}
        )
    _set_status(locked, Budget.Status.APPROVED, actor)
    locked.approved_at = timezone.now()
    locked.approved_by = actor
    locked.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    return locked


@transaction.atomic
def budget_reopen(*, budget: Budget, actor) -> Budget:
    """Back to draft, so that the producer can change the lines; the approval is withdrawn (its
    author and time stay on the budget and in its status log)."""
    locked = _lock_budget(budget)
    project = locked.project
    _require_producer(project, actor)
    if locked.status == Budget.Status.DRAFT:
        raise BudgetStatusConflict(_("The budget is already a draft."))
    if project.state not in REOPEN_STATES:
        raise BudgetStatusConflict(
            _(
                "The budget can be reopened while the proposal is a draft, being revised or "
                "greenlit, not while it is %(state)s."
            )
            % {"state": project.get_state_display().lower()}
        )
    _set_status(locked, Budget.Status.DRAFT, actor)
    locked.submitted_at = None
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    return locked


def _set_status(budget: Budget, status: str, actor) -> None:
    record_status_change(
        budget, from_status=budget.status, to_status=status, actor=actor, project=budget.project
    )
    budget.status = status


# Tier policies ---------------------------------------------------------------------------------


class LastNationalPolicy(DomainError):
    status_code = 409
    code = "last_national_policy"
    default_detail = _(
        "The national review-tier policy cannot be removed: projects everywhere are routed by it. "
        "Add a newer national row instead."
    )


@transaction.atomic
def tier_policy_delete(*, policy_ids: Sequence[int], actor) -> int:
    """Delete review-tier policies, keeping at least one national row.

    The national rows are locked first, so two deletions at once cannot each leave the other's
    row as the last and remove both.
    """
    if not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator can change the review-tier policies."))
    national = set(
        TierPolicy.objects.select_for_update().filter(province="").values_list("pk", flat=True)
    )
    if national and national <= set(policy_ids):
        raise LastNationalPolicy()
    deleted, _rows = TierPolicy.objects.filter(pk__in=policy_ids).delete()
    return deleted
