"""Installments fall due when their milestone happens (or their date comes) on a countersigned
contract, dated the day it happened."""

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from contracts import rules_payments
from contracts.models import Installment
from contracts.models.payments import Milestone
from contracts.services.payments import installments_mark_due
from releases import services as releases
from reviews.services.clearances import clearance_record
from tests.contracts.payments_support import add_installment, make_contract
from workflow.models import ProjectTransition
from workflow.services import project_transition


def registration(world, project):
    return clearance_record(
        project=project,
        kind="online_registration",
        number=f"（沪）网剧备字（{timezone.localdate().year}）第901号",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
    )


def state(installment):
    row = Installment.objects.with_current_status().get(pk=installment.pk)
    return row.current_status, row.current_due_on


def log(world, project, name, at):
    return ProjectTransition.objects.create(
        project=project,
        name=name,
        source_state="submitted",
        target_state="greenlit",
        actor=world.content_manager,
        created_at=at,
    )


def test_release_makes_the_release_installment_due(world, make_project):
    project = make_project("cleared")
    contract = make_contract(world, project, status="active")
    on_release = add_installment(contract, 1, "300000.00", "released")
    on_cut = add_installment(contract, 2, "200000.00", "cut_approved")
    clearance = registration(world, project)
    releases.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)

    project_transition(project=project, name="release", actor=world.content_manager)

    entry = ProjectTransition.objects.get(project=project, name="release")
    assert state(on_release) == ("due", timezone.localdate(entry.created_at))
    assert state(on_cut) == ("scheduled", None)


def test_each_milestone_effect_marks_its_installments(world, make_project):
    project = make_project("in_production")
    contract = make_contract(world, project, status="active")
    rows = {
        milestone: add_installment(contract, position, "100000.00", milestone)
        for position, milestone in enumerate(
            ["greenlit", "cut_approved", "cleared", "released", "countersigned"], start=1
        )
    }
    day = timezone.now() - timedelta(days=3)

    rules_payments.installments_due_on_greenlight(project, entry=log(world, project, "x", day))
    rules_payments.installments_due_on_cut_approval(project, entry=log(world, project, "x", day))

    assert state(rows["greenlit"]) == ("due", timezone.localdate(day))
    assert state(rows["cut_approved"]) == ("due", timezone.localdate(day))
    assert state(rows["cleared"]) == ("scheduled", None)
    assert state(rows["countersigned"]) == ("scheduled", None)

    rules_payments.installments_due_on_clearance(project, entry=log(world, project, "x", day))
    rules_payments.installments_due_on_release(project, entry=log(world, project, "x", day))
    assert state(rows["cleared"])[0] == "due"
    assert state(rows["released"])[0] == "due"


def test_a_milestone_before_countersigning_falls_due_at_countersigning(world, make_project):
    """Greenlight happened before the contract existed: at countersigning its installment is
    due at once, dated the greenlight's day from the transition log."""
    project = make_project("in_production")
    # 17:30 UTC on 2 March: 3 March in China.
    greenlit_at = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    log(world, project, "greenlight", greenlit_at)
    contract = make_contract(world, project, status="signed")
    advance = add_installment(contract, 1, "100000.00", "countersigned")
    on_greenlight = add_installment(contract, 2, "100000.00", "greenlit")
    on_cut = add_installment(contract, 3, "300000.00", "cut_approved")

    # A milestone while the contract is not active makes nothing due yet.
    rules_payments.installments_due_on_greenlight(
        project, entry=log(world, project, "x", greenlit_at)
    )
    assert state(on_greenlight) == ("scheduled", None)

    today = timezone.localdate()
    assert installments_mark_due(contract, Milestone.COUNTERSIGNED, today) == 2

    assert state(advance) == ("due", today)
    assert state(on_greenlight) == ("due", date(2026, 3, 3))
    assert state(on_cut) == ("scheduled", None)
    # Idempotent: nothing more falls due, and the recorded days stay.
    assert installments_mark_due(contract, Milestone.COUNTERSIGNED, today) == 0
    assert state(on_greenlight) == ("due", date(2026, 3, 3))


def test_a_date_installment_is_due_from_its_date_on_a_countersigned_contract(world, make_project):
    today = timezone.localdate()
    project = make_project("in_production")
    contract = make_contract(world, project, status="signed")
    past = add_installment(contract, 1, "250000.00", "date", due_on_date=today)
    future = add_installment(
        contract, 2, "250000.00", "date", due_on_date=today + timedelta(days=1)
    )

    assert state(past) == ("scheduled", None)  # not countersigned yet

    contract.countersigned_at = timezone.now()
    contract.save(update_fields=["countersigned_at"])

    assert state(past) == ("due", today)
    assert state(future) == ("scheduled", None)
    assert (
        Installment.objects.with_current_status(today + timedelta(days=1))
        .get(pk=future.pk)
        .current_status
        == "due"
    )
