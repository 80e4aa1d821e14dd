"""The status log (workflow.StatusChange) from what feedback items already recorded: the
producer's answer (addressed or declined), its time and who gave it. Marked reconstructed; a
reopening, which cleared those fields, is missing, and an answer the log already holds is not
repeated."""

from django.db import migrations


def reconstruct(apps, schema_editor):
    FeedbackItem = apps.get_model("reviews", "FeedbackItem")
    StatusChange = apps.get_model("workflow", "StatusChange")
    ContentType = apps.get_model("contenttypes", "ContentType")
    record_type, _ = ContentType.objects.get_or_create(app_label="reviews", model="feedbackitem")
    logged = set(
        StatusChange.objects.filter(record_type=record_type).values_list("record_id", flat=True)
    )
    StatusChange.objects.bulk_create(
        (
            StatusChange(
                project_id=item.project_id,
                record_type=record_type,
                record_id=item.pk,
                from_status="open",
                to_status=item.status,
                actor_id=item.resolved_by_id,
                organisation_id=item.project.producer_id,
                reason=item.response,
                reconstructed=True,
                created_at=item.resolved_at,
            )
            for item in FeedbackItem.objects.filter(
                status__in=("addressed", "declined"), resolved_at__isnull=False
            )
            .exclude(pk__in=logged)
            .select_related("project")
        ),
        batch_size=1000,
    )


def forget(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    StatusChange.objects.filter(
        reconstructed=True, record_type__app_label="reviews", record_type__model="feedbackitem"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_reconstruct_status_history"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(reconstruct, forget)]
