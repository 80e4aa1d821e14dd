"""Installments fall due at the project's milestones. Imported by ``ContractsConfig.ready()``.

Each effect runs inside the transition's transaction: the milestone and the installments it makes
due are one all-or-nothing step, dated the day (China time) of the transition's log entry.
Countersigning is the contract's own transition: ``contract_countersign`` calls
``installments_mark_due(contract, Milestone.COUNTERSIGNED, on)``.
"""

from django.utils import timezone

from common.clock import business_date
from workflow.effects import after

from .models.payments import Milestone
from .services.payments import installments_milestone_reached


def _day(entry):
    return business_date(entry.created_at if entry is not None else timezone.now())


@after("greenlight", order=310)
def installments_due_on_greenlight(project, *, entry=None, **context) -> None:
    installments_milestone_reached(project, Milestone.GREENLIT, _day(entry))


@after("approve_cut", order=310)
def installments_due_on_cut_approval(project, *, entry=None, **context) -> None:
    installments_milestone_reached(project, Milestone.CUT_APPROVED, _day(entry))


@after("clear", order=310)
def installments_due_on_clearance(project, *, entry=None, **context) -> None:
    installments_milestone_reached(project, Milestone.CLEARED, _day(entry))


@after("release", order=310)
def installments_due_on_release(project, *, entry=None, **context) -> None:
    installments_milestone_reached(project, Milestone.RELEASED, _day(entry))
