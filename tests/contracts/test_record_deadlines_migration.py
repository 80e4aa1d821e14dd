"""Existing projects get the record-kept deadlines their open work calls for, once, and lose
only those on the way back."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.migration_states import latest, migrate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [
    ("contracts", "0009_move_release_to_releases"),
    ("releases", "0002_reconstruct_status_history"),
    ("reviews", "0009_reconstruct_clearance_history"),
    ("workflow", "0012_notification_target_and_moved_deadlines"),
]
AFTER = [("contracts", "0010_open_record_deadlines")]
AT = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def fill(apps):
    User = apps.get_model("auth", "User")
    Organisation = apps.get_model("workflow", "Organisation")
    Project = apps.get_model("workflow", "Project")
    Contract = apps.get_model("contracts", "Contract")
    Installment = apps.get_model("contracts", "Installment")
    Release = apps.get_model("releases", "Release")
    Clearance = apps.get_model("reviews", "Clearance")
    Deadline = apps.get_model("workflow", "Deadline")

    studio = Organisation.objects.create(name="Studio", kind="producer", province="shanghai")
    platform = Organisation.objects.create(name="Platform", kind="platform")
    bureau = Organisation.objects.create(
        name="Bureau", kind="regulator", level="provincial", province="shanghai"
    )
    producer, cm = (User.objects.create(username=n) for n in ("producer", "cm"))
    making = Project.objects.create(
        title="In production", producer=studio, platform=platform, state="in_production"
    )
    cleared = Project.objects.create(
        title="Cleared", producer=studio, platform=platform, state="cleared"
    )
    contract = Contract.objects.create(
        project=making,
        created_by=cm,
        commissioning_model="licence",
        production_fee="300000.00",
        status="active",
        sent_at=AT,
        signed_at=AT,
        signed_by=producer,
        countersigned_at=AT,
        countersigned_by=cm,
        exclusivity_ends_on=date(2027, 6, 30),
    )
    common = {"contract": contract, "project": making, "amount": "100000.00"}
    Installment.objects.create(
        **common, position=1, trigger="countersigned", status="due", due_on=date(2026, 5, 1)
    )
    Installment.objects.create(**common, position=2, trigger="date", due_on_date=date(2026, 9, 1))
    Installment.objects.create(**common, position=3, trigger="released")  # no date yet
    Installment.objects.create(
        **common,
        position=4,
        trigger="greenlit",
        status="paid",
        due_on=date(2026, 4, 1),
        paid_on=date(2026, 4, 2),
        payment_reference="BANK",
        paid_recorded_by=cm,
        paid_recorded_at=AT,
    )
    Release.objects.create(project=cleared, scheduled_for=date(2026, 12, 20), scheduled_by=cm)
    for serial, expires in ((1, date(2026, 12, 1)), (2, date(2027, 3, 1))):
        Clearance.objects.create(
            project=cleared,
            kind="online_registration",
            number=f"REG-{serial}",
            issued_by=bureau,
            issued_at=AT + timedelta(days=serial),
            expires_on=expires,
            recorded_by=cm,
        )
    # Already open (a previous run, or a service): left alone.
    Deadline.objects.create(
        project=making,
        kind="exclusivity_end",
        round=0,
        due_at=end_of(date(2027, 1, 1)),
        responsible_organisation=studio,
        responsible_role="producer",
    )
    return making.pk, cleared.pk, studio.pk, platform.pk


def test_the_open_work_gets_its_deadlines_once_and_loses_them_on_the_way_back():
    making, cleared, studio, platform = fill(migrate(BEFORE))

    apps = migrate(AFTER)
    Deadline = apps.get_model("workflow", "Deadline")
    rows = set(
        Deadline.objects.values_list(
            "project_id",
            "kind",
            "round",
            "due_at",
            "responsible_organisation_id",
            "responsible_role",
            "status",
        )
    )
    cm = "content_manager"
    assert rows == {
        (making, "exclusivity_end", 0, end_of(date(2027, 1, 1)), studio, "producer", "open"),
        (making, "installment_due", 1, end_of(date(2026, 5, 1)), platform, cm, "open"),
        (making, "installment_due", 2, end_of(date(2026, 9, 1)), platform, cm, "open"),
        (cleared, "release_date", 0, end_of(date(2026, 12, 20)), platform, cm, "open"),
        (cleared, "clearance_expiry", 0, end_of(date(2027, 3, 1)), platform, cm, "open"),
    }

    apps = migrate(BEFORE)
    assert list(apps.get_model("workflow", "Deadline").objects.values_list("kind")) == [
        ("exclusivity_end",)
    ]
    migrate(latest())
