"""Terms stored before the noise filter (stop words such as "much", stray single characters such
as 剧, romanised name fragments such as "chen") are dropped, so that the term tables and charts of
signals imported earlier read as those imported from now on."""

from django.db import migrations

BATCH = 500


def drop_noise_terms(apps, schema_editor):
    from audience.text import is_noise

    SignalTerm = apps.get_model("audience", "SignalTerm")
    terms = SignalTerm.objects.order_by().values_list("term", flat=True).distinct()
    noise = [term for term in terms.iterator() if is_noise(term)]
    for start in range(0, len(noise), BATCH):
        SignalTerm.objects.filter(term__in=noise[start : start + BATCH]).delete()


class Migration(migrations.Migration):
    dependencies = [("audience", "0002_move_metrics_from_contracts")]

    operations = [migrations.RunPython(drop_noise_terms, migrations.RunPython.noop, elidable=True)]
