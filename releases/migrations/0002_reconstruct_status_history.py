"""The status log (workflow.StatusChange) of the release gates from what they already recorded:
the credits confirmation (who, when, which clearance), the schedule (who, for which day) and
when the drama last went live. Marked reconstructed. The schedule kept no time of its own: its
row takes the gate's last change (or the time it went live, which the schedule preceded).
Earlier confirmations, dates and releases that later ones replaced are missing, and a change
the log already holds is not repeated."""

from django.db import migrations

RELEASE_TRANSITIONS = ("release", "reinstate")


def reconstruct(apps, schema_editor):
    Release = apps.get_model("releases", "Release")
    ProjectTransition = apps.get_model("workflow", "ProjectTransition")
    StatusChange = apps.get_model("workflow", "StatusChange")
    ContentType = apps.get_model("contenttypes", "ContentType")
    record_type, _ = ContentType.objects.get_or_create(app_label="releases", model="release")
    logged = set(
        StatusChange.objects.filter(record_type=record_type).values_list(
            "record_id", "field", "to_status"
        )
    )
    # The transition that last took each project live: its actor, organisation and comment.
    went_live = {}
    for entry in ProjectTransition.objects.filter(name__in=RELEASE_TRANSITIONS).order_by(
        "created_at", "id"
    ):
        went_live[entry.project_id] = entry
    rows = []
    for gate in Release.objects.select_related("project", "clearance").iterator():
        common = {
            "project_id": gate.project_id,
            "record_type": record_type,
            "record_id": gate.pk,
            "reconstructed": True,
        }
        if gate.credits_confirmed_at:
            rows.append(
                StatusChange(
                    **common,
                    field="credits",
                    from_status="credits_pending",
                    to_status="credits_confirmed",
                    actor_id=gate.credits_confirmed_by_id,
                    organisation_id=gate.project.producer_id,
                    reason=f"{gate.clearance.kind}: {gate.clearance.number}",
                    created_at=gate.credits_confirmed_at,
                )
            )
        if gate.scheduled_for:
            rows.append(
                StatusChange(
                    **common,
                    field="schedule",
                    from_status="unscheduled",
                    to_status=f"scheduled:{gate.scheduled_for.isoformat()}",
                    actor_id=gate.scheduled_by_id,
                    organisation_id=gate.project.platform_id,
                    created_at=min(gate.updated_at, gate.released_at or gate.updated_at),
                )
            )
        if gate.released_at:
            entry = went_live.get(gate.project_id)
            rows.append(
                StatusChange(
                    **common,
                    field="live",
                    from_status="taken_down"
                    if entry is not None and entry.name == "reinstate"
                    else "not_live",
                    to_status="live",
                    actor_id=entry.actor_id if entry else None,
                    organisation_id=entry.organisation_id if entry else gate.project.platform_id,
                    reason=entry.comment if entry else "",
                    created_at=gate.released_at,
                )
            )
    rows = [row for row in rows if (row.record_id, row.field, row.to_status) not in logged]
    StatusChange.objects.bulk_create(rows, batch_size=1000)


def forget(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    StatusChange.objects.filter(
        reconstructed=True, record_type__app_label="releases", record_type__model="release"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("releases", "0001_move_release_from_contracts"),
        ("workflow", "0010_status_change"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(reconstruct, forget)]
