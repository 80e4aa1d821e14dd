"""The release gate (Release) moves here from ``contracts``; no data moves.

The table keeps its name (``contracts_release``): the model enters this app's state only, and
``contracts/0009_move_release_to_releases`` takes it out of the contracts app's state. No foreign
key of another model points at it; its own (project, clearance, the confirming and scheduling
users) are unchanged.

Its content type is relabelled in place, so its id stays and with it the permissions, the
permission grants and the admin log entries that point at it. Stale content types are never
deleted (that would cascade to all of these). Should a content type already exist under the new
label (created by hand, say), the old one is left as it is rather than merged.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = ("release",)


def _relabel(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = ContentType.objects.using(db).filter(app_label=target, model__in=MOVED_MODELS)
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED_MODELS).exclude(
        model__in=taken.values("model")
    ).update(app_label=target)


def relabel_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="contracts", target="releases")


def restore_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="releases", target="contracts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contracts', '0008_reconstruct_status_history'),
        ('reviews', '0006_move_clearances_from_contracts'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflow', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Release',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('credits_confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='credits confirmed at')),
                        ('scheduled_for', models.DateField(blank=True, db_index=True, null=True, verbose_name='scheduled for')),
                        ('released_at', models.DateTimeField(blank=True, help_text='When it last went live (released, or reinstated after a take-down).', null=True, verbose_name='released at')),
                        ('clearance', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reviews.clearance', verbose_name='clearance shown in the credits')),
                        ('credits_confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='credits confirmed by')),
                        ('project', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='release_gate', to='workflow.project', verbose_name='project')),
                        ('scheduled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='scheduled by')),
                    ],
                    options={
                        'verbose_name': 'release',
                        'verbose_name_plural': 'releases',
                        'db_table': 'contracts_release',
                        'ordering': ['-updated_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('clearance__isnull', True), ('credits_confirmed_at__isnull', True), ('credits_confirmed_by__isnull', True)), models.Q(('clearance__isnull', False), ('credits_confirmed_at__isnull', False), ('credits_confirmed_by__isnull', False)), _connector='OR'), name='release_confirmation_complete'), models.CheckConstraint(condition=models.Q(models.Q(('scheduled_by__isnull', True), ('scheduled_for__isnull', True)), models.Q(('scheduled_by__isnull', False), ('scheduled_for__isnull', False)), _connector='OR'), name='release_schedule_complete')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types, elidable=False),
    ]
