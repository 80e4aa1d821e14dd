from django.db import migrations

DEFAULTS = {
    "evaluation": 10,
    "planning_filing": 20,
    "producer_response": 7,
    "cut_review": 3,
    "final_review": 15,
}


def create_default_slas(apps, schema_editor):
    SLA = apps.get_model("workflow", "SLA")
    for kind, days in DEFAULTS.items():
        SLA.objects.get_or_create(kind=kind, defaults={"days": days})


def remove_default_slas(apps, schema_editor):
    SLA = apps.get_model("workflow", "SLA")
    for kind, days in DEFAULTS.items():
        SLA.objects.filter(kind=kind, days=days).delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_deadlines_and_notifications")]

    operations = [migrations.RunPython(create_default_slas, remove_default_slas)]
