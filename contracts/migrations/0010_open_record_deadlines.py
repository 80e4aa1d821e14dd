"""Open the record-kept deadlines the existing data already calls for.

Before, nothing opened installment due, exclusivity end, release date or clearance expiry
deadlines; the services now keep them in step with their records. Existing projects get the ones
open work needs, as the services would have opened them: the active contracts' unpaid, dated
installments and their exclusivity end, the scheduled releases of cleared projects, and the
latest expiring release clearance of a project waiting to go (back) live. Past due dates open
overdue, which is what they are. A deadline already open for the same (project, kind, round) is
left alone, so running it again adds nothing. Reversing it removes only what it opened.
"""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

NOTE = "opened for the existing data"
RELEASE_KINDS = ("distribution_licence", "online_registration", "platform_approval")


def end_of_day(day):
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def open_deadlines(apps, schema_editor):
    Deadline = apps.get_model("workflow", "Deadline")
    DeadlineEvent = apps.get_model("workflow", "DeadlineEvent")
    Contract = apps.get_model("contracts", "Contract")
    Installment = apps.get_model("contracts", "Installment")
    Release = apps.get_model("releases", "Release")
    Clearance = apps.get_model("reviews", "Clearance")

    # (project id, kind, round) -> (due at, organisation id, role)
    wanted = {}
    active = Contract.objects.filter(status="active").select_related("project")
    for contract in active:
        project = contract.project
        if contract.exclusivity_ends_on is not None:
            wanted[(project.pk, "exclusivity_end", 0)] = (
                end_of_day(contract.exclusivity_ends_on),
                project.producer_id,
                "producer",
            )
        for installment in Installment.objects.filter(contract=contract).exclude(status="paid"):
            if installment.status == "due":
                day = installment.due_on
            elif installment.trigger == "date":
                day = installment.due_on_date
            else:
                continue
            if day is not None and project.platform_id is not None:
                wanted[(project.pk, "installment_due", installment.position)] = (
                    end_of_day(day),
                    project.platform_id,
                    "content_manager",
                )
    for gate in Release.objects.filter(
        scheduled_for__isnull=False, project__state="cleared"
    ).select_related("project"):
        if gate.project.platform_id is not None:
            wanted[(gate.project_id, "release_date", 0)] = (
                end_of_day(gate.scheduled_for),
                gate.project.platform_id,
                "content_manager",
            )
    latest = {}
    for clearance in Clearance.objects.filter(
        kind__in=RELEASE_KINDS, project__state__in=("cleared", "taken_down")
    ).order_by("project_id", "issued_at", "pk"):
        latest[clearance.project_id] = clearance
    for project_id, clearance in latest.items():
        platform_id = clearance.project.platform_id
        if clearance.expires_on is not None and platform_id is not None:
            wanted[(project_id, "clearance_expiry", 0)] = (
                end_of_day(clearance.expires_on),
                platform_id,
                "content_manager",
            )

    if not wanted:
        return
    already = set(
        Deadline.objects.filter(
            status="open",
            kind__in=["installment_due", "exclusivity_end", "release_date", "clearance_expiry"],
        ).values_list("project_id", "kind", "round")
    )
    now = timezone.now()
    opening = [
        Deadline(
            project_id=project_id,
            kind=kind,
            round=round_,
            due_at=due_at,
            responsible_organisation_id=organisation_id,
            responsible_role=role,
            status="open",
        )
        for (project_id, kind, round_), (due_at, organisation_id, role) in sorted(wanted.items())
        if (project_id, kind, round_) not in already
    ]
    created = Deadline.objects.bulk_create(opening, batch_size=500)
    DeadlineEvent.objects.bulk_create(
        [
            DeadlineEvent(deadline=d, kind="opened", at=now, due_after=d.due_at, note=NOTE)
            for d in created
        ],
        batch_size=500,
    )


def remove_opened(apps, schema_editor):
    Deadline = apps.get_model("workflow", "Deadline")
    Deadline.objects.filter(events__kind="opened", events__note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0009_move_release_to_releases"),
        ("releases", "0002_reconstruct_status_history"),
        ("reviews", "0009_reconstruct_clearance_history"),
        ("workflow", "0012_notification_target_and_moved_deadlines"),
    ]

    operations = [migrations.RunPython(open_deadlines, remove_opened)]
