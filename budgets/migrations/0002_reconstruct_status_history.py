"""The status log (workflow.StatusChange) from what budgets already recorded: their submission
and approval times and approver. Marked reconstructed; a reopened budget's earlier rounds, which
no field kept, are missing."""

from django.db import migrations


def reconstruct(apps, schema_editor):
    Budget = apps.get_model("budgets", "Budget")
    StatusChange = apps.get_model("workflow", "StatusChange")
    ContentType = apps.get_model("contenttypes", "ContentType")
    record_type, _ = ContentType.objects.get_or_create(app_label="budgets", model="budget")
    rows = []
    for budget in Budget.objects.select_related("project").iterator():
        common = {
            "project_id": budget.project_id,
            "record_type": record_type,
            "record_id": budget.pk,
            "reconstructed": True,
        }
        if budget.submitted_at:
            rows.append(
                StatusChange(
                    **common,
                    from_status="draft",
                    to_status="submitted",
                    organisation_id=budget.project.producer_id,
                    created_at=budget.submitted_at,
                )
            )
        if budget.approved_at:
            rows.append(
                StatusChange(
                    **common,
                    from_status="submitted",
                    to_status="approved",
                    actor_id=budget.approved_by_id,
                    organisation_id=budget.project.platform_id,
                    created_at=budget.approved_at,
                )
            )
    StatusChange.objects.bulk_create(rows, batch_size=1000)


def forget(apps, schema_editor):
    StatusChange = apps.get_model("workflow", "StatusChange")
    StatusChange.objects.filter(
        reconstructed=True, record_type__app_label="budgets", record_type__model="budget"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("budgets", "0001_initial"),
        ("workflow", "0010_status_change"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(reconstruct, forget)]
