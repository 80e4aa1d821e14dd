"""A contract tells the side whose move comes next, and keeps its dates as deadlines.

The producer company hears that an offer awaits its signature, the platform's content managers
that it was signed (to countersign) or declined, the producer that it is in force and when an
installment is paid; each after the commit, once, and to the two parties only. The installments'
due dates and the end of exclusivity are deadlines of the active contract: opened at
countersigning, met when paid, cancelled when the contract ends, reminded by the sweep.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.models import Contract, Installment
from contracts.services import agreements as services
from contracts.services.payments import installment_mark_paid, payment_schedule_replace
from tests.contracts.contract_helpers import offer
from workflow.deadlines import end_of_day
from workflow.models import Deadline, DeadlineEvent, DeadlineKind, Notification
from workflow.reminders import reminders_sweep

K = DeadlineKind


def received(source: str) -> set[str]:
    return set(
        Notification.objects.filter(source=source).values_list("recipient__username", flat=True)
    )


def scheduled_offer(world, project, *, exclusivity_days=200, date_in_days=30) -> Contract:
    today = timezone.localdate()
    contract = offer(
        project,
        world,
        exclusivity_ends_on=today + timedelta(days=exclusivity_days),
        term_ends_on=today + timedelta(days=exclusivity_days + 365),
    )
    payment_schedule_replace(
        contract=contract,
        actor=world.content_manager,
        installments=[
            {"label": "Signing", "amount": Decimal("100000.00"), "trigger": "countersigned"},
            {
                "label": "Dated",
                "amount": Decimal("200000.00"),
                "trigger": "date",
                "due_on_date": today + timedelta(days=date_in_days),
            },
        ],
    )
    return contract


def open_deadlines(project, kind):
    return list(
        Deadline.objects.filter(project=project, kind=kind, status="open")
        .order_by("round")
        .values_list("round", "due_at", "responsible_organisation_id", "responsible_role")
    )


def test_each_step_of_a_contract_tells_the_party_that_acts_next(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("greenlit")
    make_project("greenlit", producer=world.studio_b)  # another company's project: never told
    contract = scheduled_offer(world, project)

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_send(contract=contract, actor=world.content_manager)
    assert received(f"contract-sent:{contract.pk}") == {"producer_a"}
    sent = Notification.objects.get(source=f"contract-sent:{contract.pk}")
    assert sent.subject.endswith("a contract awaits your signature")
    assert (sent.project_id, sent.target_id) == (project.pk, contract.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_sign(contract=contract, actor=world.producer_a)
    assert received(f"contract-signed:{contract.pk}") == {"cm_p"}  # not cm_q

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_countersign(contract=contract, actor=world.content_manager)
    assert received(f"contract-countersigned:{contract.pk}") == {"producer_a"}

    assert not Notification.objects.filter(
        recipient__in=[world.producer_b, world.other_content_manager, world.rater]
    ).exists()


def test_a_declined_offer_tells_the_content_managers(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("greenlit")
    contract = services.contract_send(contract=offer(project, world), actor=world.content_manager)

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_decline(contract=contract, actor=world.producer_a, reason="Fee too low.")

    assert received(f"contract-declined:{contract.pk}") == {"cm_p"}


def test_a_refused_signature_tells_nobody(world, make_project, django_capture_on_commit_callbacks):
    project = make_project("greenlit")
    contract = offer(project, world)  # a draft: not sent, cannot be signed

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            services.contract_sign(contract=contract, actor=world.producer_a)
        except services.ContractTransitionNotAllowed:
            pass

    assert callbacks == []
    assert not Notification.objects.exists()


def _active(world, project, **kwargs) -> Contract:
    contract = scheduled_offer(world, project, **kwargs)
    services.contract_send(contract=contract, actor=world.content_manager)
    services.contract_sign(contract=contract, actor=world.producer_a)
    return services.contract_countersign(contract=contract, actor=world.content_manager)


def test_countersigning_opens_the_installment_and_exclusivity_deadlines(world, make_project):
    project = make_project("greenlit")
    today = timezone.localdate()
    contract = scheduled_offer(world, project)
    services.contract_send(contract=contract, actor=world.content_manager)
    services.contract_sign(contract=contract, actor=world.producer_a)
    assert not Deadline.objects.filter(project=project).exists()  # not in force yet

    services.contract_countersign(contract=contract, actor=world.content_manager)

    # The first fell due at countersigning; the second on its date. The platform pays.
    assert open_deadlines(project, K.INSTALLMENT_DUE) == [
        (1, end_of_day(today), world.platform.pk, "content_manager"),
        (2, end_of_day(today + timedelta(days=30)), world.platform.pk, "content_manager"),
    ]
    # The end of exclusivity informs the producer company.
    assert open_deadlines(project, K.EXCLUSIVITY_END) == [
        (0, end_of_day(today + timedelta(days=200)), world.studio_a.pk, "producer")
    ]


def test_paying_an_installment_meets_its_deadline_and_tells_the_producer(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("greenlit")
    _active(world, project)
    first = Installment.objects.get(project=project, position=1)

    with django_capture_on_commit_callbacks(execute=True):
        installment_mark_paid(
            installment=first,
            actor=world.content_manager,
            paid_on=timezone.localdate(),
            reference="ICBC-1",
        )

    closed = Deadline.objects.get(project=project, kind=K.INSTALLMENT_DUE, round=1)
    assert closed.status == "met"
    assert [r for r, *_ in open_deadlines(project, K.INSTALLMENT_DUE)] == [2]
    paid = Notification.objects.get(source=f"installment-paid:{first.pk}")
    assert paid.recipient == world.producer_a
    assert "¥100,000.00" in paid.body
    assert received(f"installment-paid:{first.pk}") == {"producer_a"}


def test_a_payment_recorded_late_but_made_on_time_is_met(world, make_project):
    project = make_project("greenlit")
    _active(world, project)
    first = Installment.objects.get(project=project, position=1)
    deadline = Deadline.objects.get(project=project, kind=K.INSTALLMENT_DUE, round=1)
    yesterday = timezone.localdate() - timedelta(days=1)
    Deadline.objects.filter(pk=deadline.pk).update(due_at=end_of_day(yesterday))

    installment_mark_paid(
        installment=first, actor=world.content_manager, paid_on=yesterday, reference="ICBC-2"
    )

    assert Deadline.objects.get(pk=deadline.pk).status == "met"


def test_terminating_the_contract_cancels_its_open_deadlines(world, make_project):
    project = make_project("greenlit")
    contract = _active(world, project)

    services.contract_terminate(contract=contract, actor=world.content_manager, reason="Ended.")

    statuses = set(Deadline.objects.filter(project=project).values_list("kind", "round", "status"))
    assert statuses == {
        (K.INSTALLMENT_DUE, 1, "cancelled"),
        (K.INSTALLMENT_DUE, 2, "cancelled"),
        (K.EXCLUSIVITY_END, 0, "cancelled"),
    }


def test_a_revision_moves_the_dates_to_the_new_version_once_countersigned(world, make_project):
    project = make_project("greenlit")
    contract = _active(world, project)
    today = timezone.localdate()

    successor = services.contract_revise(
        contract=contract,
        actor=world.content_manager,
        data={"exclusivity_ends_on": today + timedelta(days=100)},
    )
    assert open_deadlines(project, K.EXCLUSIVITY_END) == []  # no contract in force meanwhile
    services.contract_send(contract=successor, actor=world.content_manager)
    services.contract_sign(contract=successor, actor=world.producer_a)
    services.contract_countersign(contract=successor, actor=world.content_manager)

    assert open_deadlines(project, K.EXCLUSIVITY_END) == [
        (0, end_of_day(today + timedelta(days=100)), world.studio_a.pk, "producer")
    ]
    assert [r for r, *_ in open_deadlines(project, K.INSTALLMENT_DUE)] == [1, 2]


def test_the_sweep_reminds_the_platform_of_an_installment_due(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("greenlit")
    _active(world, project)
    deadline = Deadline.objects.get(project=project, kind=K.INSTALLMENT_DUE, round=1)
    assert deadline.events.get().kind == DeadlineEvent.Kind.OPENED

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=deadline.due_at - timedelta(hours=2))

    reminded = Notification.objects.filter(source__startswith="reminder:")
    assert {(n.recipient.username, n.project_id) for n in reminded} == {("cm_p", project.pk)}
    assert "Installment due" in reminded.get().subject


def test_the_producer_is_reminded_of_the_end_of_exclusivity_but_never_told_it_is_overdue(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("greenlit")
    _active(world, project, exclusivity_days=200, date_in_days=300)
    # The installment due at countersigning is paid: only the exclusivity end is left to remind.
    installment_mark_paid(
        installment=Installment.objects.get(project=project, position=1),
        actor=world.content_manager,
        paid_on=timezone.localdate(),
        reference="ICBC-3",
    )
    deadline = Deadline.objects.get(project=project, kind=K.EXCLUSIVITY_END)

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=deadline.due_at + timedelta(days=2))
    assert not Notification.objects.filter(source__startswith="reminder:").exists()

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=deadline.due_at - timedelta(hours=2))
    reminded = Notification.objects.get(source__startswith="reminder:")
    assert reminded.recipient == world.producer_a
    assert "Exclusivity end" in reminded.subject
