"""The release date and the release clearance's expiry are deadlines of the platform's content
managers: they open with their record, move with its date, close when the title goes live (or
the schedule is withdrawn), and the reminder sweep reminds them."""

import itertools
from datetime import timedelta

from django.utils import timezone

from releases import services
from releases.tasks import release_scheduled
from reviews.services.clearances import clearance_issue, clearance_record
from tests.conftest import fire_transition
from workflow.deadlines import end_of_day
from workflow.models import Deadline, DeadlineEvent, DeadlineKind, Notification
from workflow.reminders import reminders_sweep

K = DeadlineKind
_serials = itertools.count(101)


def registration(world, project, *, expires_in=None):
    today = timezone.localdate()
    return clearance_record(
        project=project,
        kind="online_registration",
        number=f"（沪）网剧备字（{today.year}）第{next(_serials)}号",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
        expires_on=None if expires_in is None else today + timedelta(days=expires_in),
    )


def deadlines(project, kind):
    return list(
        Deadline.objects.filter(project=project, kind=kind)
        .order_by("pk")
        .values_list("status", "due_at", "responsible_organisation_id", "responsible_role")
    )


def test_scheduling_opens_moves_and_cancels_the_release_date(world, make_project):
    project = make_project("cleared")
    today = timezone.localdate()

    services.release_schedule(project=project, actor=world.content_manager, on=today + timedelta(5))
    assert deadlines(project, K.RELEASE_DATE) == [
        ("open", end_of_day(today + timedelta(5)), world.platform.pk, "content_manager")
    ]

    services.release_schedule(project=project, actor=world.content_manager, on=today + timedelta(9))
    deadline = Deadline.objects.get(project=project, kind=K.RELEASE_DATE)
    assert (deadline.status, deadline.due_at) == ("open", end_of_day(today + timedelta(9)))
    moved = deadline.events.get(kind=DeadlineEvent.Kind.MOVED)
    assert (moved.due_before, moved.due_after) == (
        end_of_day(today + timedelta(5)),
        end_of_day(today + timedelta(9)),
    )

    services.release_unschedule(project=project, actor=world.content_manager)
    assert Deadline.objects.get(pk=deadline.pk).status == "cancelled"


def test_going_live_meets_the_release_date_and_closes_the_clearance_expiry(world, make_project):
    project = make_project("cleared")
    clearance = registration(world, project, expires_in=60)
    services.credits_confirm(project=project, actor=world.producer_a, clearance=clearance)
    services.release_schedule(project=project, actor=world.content_manager, on=timezone.localdate())
    assert [s for s, *_ in deadlines(project, K.CLEARANCE_EXPIRY)] == ["open"]

    assert release_scheduled() == 1

    assert [s for s, *_ in deadlines(project, K.RELEASE_DATE)] == ["met"]
    assert [s for s, *_ in deadlines(project, K.CLEARANCE_EXPIRY)] == ["met"]


def test_a_release_clearance_that_expires_is_a_deadline_and_a_renewal_meets_it(world, make_project):
    project = make_project("cleared")
    today = timezone.localdate()

    registration(world, project, expires_in=20)
    assert deadlines(project, K.CLEARANCE_EXPIRY) == [
        ("open", end_of_day(today + timedelta(20)), world.platform.pk, "content_manager")
    ]

    clearance_issue(
        project=project,
        actor=world.shanghai_reviewer,
        kind="online_registration",
        number=f"（沪）网剧备字（{today.year}）第{next(_serials)}号",
        expires_on=today + timedelta(days=300),
    )
    assert [(s, due) for s, due, *_ in deadlines(project, K.CLEARANCE_EXPIRY)] == [
        ("met", end_of_day(today + timedelta(20))),
        ("open", end_of_day(today + timedelta(300))),
    ]


def test_a_clearance_without_expiry_or_a_planning_filing_number_opens_nothing(world, make_project):
    project = make_project("cleared")
    registration(world, project)
    clearance_record(
        project=make_project("submitted"),
        kind="planning_filing",
        number="SH-2026-77",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
        expires_on=timezone.localdate() + timedelta(days=30),
    )

    assert not Deadline.objects.filter(kind=K.CLEARANCE_EXPIRY).exists()


def test_completing_a_taken_down_title_cancels_its_clearance_expiry(world, make_project):
    project = make_project("taken_down")
    registration(world, project, expires_in=30)

    fire_transition(project=project, name="complete", actor=world.content_manager)

    assert [s for s, *_ in deadlines(project, K.CLEARANCE_EXPIRY)] == ["cancelled"]


def test_the_sweep_reminds_the_content_managers_of_the_release_date_and_the_expiry(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("cleared")
    registration(world, project, expires_in=1)
    services.release_schedule(project=project, actor=world.content_manager, on=timezone.localdate())

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=timezone.now())

    subjects = sorted(
        Notification.objects.filter(
            source__startswith="reminder:", recipient=world.content_manager, project=project
        ).values_list("subject", flat=True)
    )
    assert len(subjects) == 2
    assert any("Release date" in s for s in subjects)
    assert any("Clearance expiry" in s for s in subjects)
    assert not Notification.objects.exclude(recipient=world.content_manager).exists()


def test_a_renewed_clearance_and_the_confirmed_credits_tell_who_acts_next(
    world, make_project, django_capture_on_commit_callbacks
):
    project = make_project("cleared")
    today = timezone.localdate()

    with django_capture_on_commit_callbacks(execute=True):
        clearance = clearance_issue(
            project=project,
            actor=world.shanghai_reviewer,
            kind="online_registration",
            number=f"（沪）网剧备字（{today.year}）第{next(_serials)}号",
        )
    told = Notification.objects.filter(source=f"clearance-recorded:{clearance.pk}")
    assert set(told.values_list("recipient__username", flat=True)) == {"producer_a", "cm_p"}

    with django_capture_on_commit_callbacks(execute=True):
        gate = services.credits_confirm(
            project=project, actor=world.producer_a, clearance=clearance
        )
    confirmed = Notification.objects.get(source=f"credits-confirmed:{gate.pk}:{clearance.pk}")
    assert confirmed.recipient == world.content_manager
    assert confirmed.subject.endswith("the credits are confirmed")
    assert not Notification.objects.filter(
        recipient__in=[world.other_content_manager, world.producer_b]
    ).exists()
