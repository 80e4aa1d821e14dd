"""The clearance register (Clearance) moves here from ``contracts``; no data moves.

The table keeps its name (``contracts_clearance``): the model enters this app's state only, and
``contracts/0007_move_clearances_to_reviews`` points the foreign keys of the release gate
(``Release.clearance``) and of documents (``Document.clearance``) at it, then takes the model out
of the contracts app's state. Its own foreign keys (project, issuer, recorder) are unchanged.

Its content type is relabelled in place, so its id stays and with it the permissions, the
permission grants and the admin log entries that point at it. Stale content types are never
deleted (that would cascade to all of these). Should a content type already exist under the new
label (created by hand, say), the old one is left as it is rather than merged.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = ("clearance",)


def _relabel(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = ContentType.objects.using(db).filter(app_label=target, model__in=MOVED_MODELS)
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED_MODELS).exclude(
        model__in=taken.values("model")
    ).update(app_label=target)


def relabel_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="contracts", target="reviews")


def restore_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="reviews", target="contracts")


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0005_evaluation_open_queue'),
        ('contracts', '0006_move_metrics_to_audience'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflow', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Clearance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('kind', models.CharField(choices=[('planning_filing', 'Planning filing number'), ('distribution_licence', 'Distribution licence'), ('online_registration', 'Online filing registration number'), ('platform_approval', 'Platform approval number')], max_length=30, verbose_name='kind')),
                        ('number', models.CharField(max_length=100, verbose_name='number')),
                        ('issued_at', models.DateTimeField(verbose_name='issued at')),
                        ('expires_on', models.DateField(blank=True, db_index=True, help_text='Last day the number is valid; blank if it does not expire.', null=True, verbose_name='expires on')),
                        ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workflow.organisation', verbose_name='issued by')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='clearances', to='workflow.project', verbose_name='project')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                    ],
                    options={
                        'verbose_name': 'clearance',
                        'verbose_name_plural': 'clearances',
                        'db_table': 'contracts_clearance',
                        'ordering': ['project', 'issued_at'],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'number'), name='clearance_number_per_kind')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types, elidable=False),
    ]
