"""The deadlines a contract keeps: each installment's due date, and the end of exclusivity.

Both follow the active (countersigned) contract, inside the transaction of the service that
changed it (``workflow.deadlines.deadlines_keep``):

- an unpaid installment with a date (its due date, or the day its milestone happened) is a
  deadline of the platform's content managers (who record the payment), due when that day ends,
  one per position (the deadline's round); paying it meets it (or misses it, paid after the
  day); a revision, a termination or a completion cancels the ones still open;
- the last day of exclusivity is a deadline of the producer company, who may then offer the
  drama elsewhere (or negotiate a renewal); it moves with a new version's date and is cancelled
  when the contract ends.
"""

from collections.abc import Collection
from datetime import date, datetime, time

from django.utils import timezone

from workflow.deadlines import Due, Responsibility, deadlines_keep, end_of_day
from workflow.models import DeadlineKind, Membership

from .models import Contract, Installment

R = Membership.Role


def installment_deadlines_keep(
    contract: Contract, *, paid: Collection[int] = (), paid_on: date | None = None
) -> None:
    """The project's installment deadlines are the active contract's unpaid, dated installments.

    ``paid``: positions just paid (their deadline is met, or missed if ``paid_on`` is after the
    due day)."""
    project = contract.project
    wanted: dict[int, Due] = {}
    if contract.status == Contract.Status.ACTIVE:
        who = Responsibility(project.platform, R.CONTENT_MANAGER)
        for position, status, trigger, due_on, due_on_date in (
            Installment.objects.filter(contract=contract)
            .exclude(status=Installment.Status.PAID)
            .values_list("position", "status", "trigger", "due_on", "due_on_date")
        ):
            if status == Installment.Status.DUE:
                day = due_on
            elif trigger == Installment.Trigger.DATE:
                day = due_on_date
            else:
                continue  # its milestone has not happened: no date yet
            wanted[position] = Due(end_of_day(day), who)
    deadlines_keep(
        project=project,
        kind=DeadlineKind.INSTALLMENT_DUE,
        wanted=wanted,
        met=paid,
        done_at=(timezone.make_aware(datetime.combine(paid_on, time.min)) if paid_on else None),
        note=f"contract:{contract.pk}",
    )


def exclusivity_deadline_keep(contract: Contract) -> None:
    """The end of the active contract's exclusivity, for the producer company."""
    project = contract.project
    wanted: dict[int, Due] = {}
    if contract.status == Contract.Status.ACTIVE and contract.exclusivity_ends_on is not None:
        wanted[0] = Due(
            end_of_day(contract.exclusivity_ends_on),
            Responsibility(project.producer, R.PRODUCER),
        )
    deadlines_keep(
        project=project,
        kind=DeadlineKind.EXCLUSIVITY_END,
        wanted=wanted,
        note=f"contract:{contract.pk}",
    )


def contract_deadlines_keep(contract: Contract) -> None:
    installment_deadlines_keep(contract)
    exclusivity_deadline_keep(contract)
