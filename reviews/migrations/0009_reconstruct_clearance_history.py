"""The status log (workflow.StatusChange) of the clearance register: each clearance recorded
before the log existed gets its one change (none -> issued), at the time it was recorded, by the
user who recorded it for the issuing organisation, the number as the reason. Marked
reconstructed; a clearance the log already holds is not repeated."""

from django.db import migrations


def reconstruct(apps, schema_editor):
    Clearance = apps.get_model("reviews", "Clearance")
    StatusChange = apps.get_model("workflow", "StatusChange")
    ContentType = apps.get_model("contenttypes", "ContentType")
    record_type, _ = ContentType.objects.get_or_create(app_label="reviews", model="clearance")
    logged = set(
        StatusChange.objects.filter(record_type=record_type).values_list("record_id", flat=True)
    )
    StatusChange.objects.bulk_create(
        (
            StatusChange(
                project_id=clearance.project_id,
                record_type=record_type,
                record_id=clearance.pk,
                from_status="",
                to_status="issued",
                actor_id=clearance.recorded_by_id,
                organisation_id=clearance.issued_by_id,
                reason=f"{clearance.kind}: {clearance.number}",
                reconstructed=True,
                created_at=clearance.created_at,
            )
            for clearance in Clearance.objects.iterator()
            if clearance.pk not in logged
        ),
        batch_size=1000,
    )


def forget(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    StatusChange.objects.filter(
        reconstructed=True, record_type__app_label="reviews", record_type__model="clearance"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0008_reconstruct_feedback_history"),
        ("workflow", "0010_status_change"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(reconstruct, forget)]
