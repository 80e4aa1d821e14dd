"""Release metrics (EpisodeMetric) move here from ``contracts``; no data moves.

The table keeps its name (``contracts_episodemetric``): the model enters this app's state only,
and ``contracts/0006_move_metrics_to_audience`` takes it out of the contracts app's state. No
foreign key of another model points at it, and its own (to the project) is unchanged.

Its content type is relabelled in place, so its id stays and with it the permissions, the
permission grants and the admin log entries that point at it. Stale content types are never
deleted (that would cascade to all of these). Should a content type already exist under the new
label (created by hand, say), the old one is left as it is rather than merged.
"""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models

MOVED_MODELS = ("episodemetric",)


def _relabel(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = ContentType.objects.using(db).filter(app_label=target, model__in=MOVED_MODELS)
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED_MODELS).exclude(
        model__in=taken.values("model")
    ).update(app_label=target)


def relabel_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="contracts", target="audience")


def restore_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="audience", target="contracts")


class Migration(migrations.Migration):

    dependencies = [
        ('audience', '0001_initial'),
        ('contracts', '0005_move_budgets_to_budgets'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='EpisodeMetric',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('episode', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='episode')),
                        ('date', models.DateField(verbose_name='date')),
                        ('plays', models.PositiveBigIntegerField(verbose_name='plays')),
                        ('valid_plays', models.PositiveBigIntegerField(verbose_name='valid plays')),
                        ('retention_3s', models.DecimalField(decimal_places=4, help_text='A fraction from 0 to 1.', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='3 s retention')),
                        ('retention_5s', models.DecimalField(decimal_places=4, help_text='A fraction from 0 to 1.', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='5 s retention')),
                        ('retention_10s', models.DecimalField(decimal_places=4, help_text='A fraction from 0 to 1.', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='10 s retention')),
                        ('completion_rate', models.DecimalField(decimal_places=4, help_text='A fraction from 0 to 1.', max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='completion rate')),
                        ('likes', models.PositiveBigIntegerField(verbose_name='likes')),
                        ('comments', models.PositiveBigIntegerField(verbose_name='comments')),
                        ('shares', models.PositiveBigIntegerField(verbose_name='shares')),
                        ('paid_unlocks', models.PositiveBigIntegerField(verbose_name='paid unlocks')),
                        ('paid_revenue', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='paid revenue (CNY)')),
                        ('ad_revenue', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='ad revenue (CNY)')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='episode_metrics', to='workflow.project', verbose_name='project')),
                    ],
                    options={
                        'verbose_name': 'episode metric',
                        'verbose_name_plural': 'episode metrics',
                        'db_table': 'contracts_episodemetric',
                        'ordering': ['-date', 'project_id', 'episode'],
                        'indexes': [models.Index(fields=['project', '-date'], name='episode_metric_project_date')],
                        'constraints': [models.UniqueConstraint(fields=('project', 'episode', 'date'), name='episode_metric_one_per_day'), models.CheckConstraint(condition=models.Q(('episode__gte', 1)), name='episode_metric_episode_positive'), models.CheckConstraint(condition=models.Q(('valid_plays__lte', models.F('plays'))), name='episode_metric_valid_plays_within_plays'), models.CheckConstraint(condition=models.Q(('retention_3s__gte', 0), ('retention_3s__lte', 1)), name='episode_metric_retention_3s_fraction'), models.CheckConstraint(condition=models.Q(('retention_5s__gte', 0), ('retention_5s__lte', 1)), name='episode_metric_retention_5s_fraction'), models.CheckConstraint(condition=models.Q(('retention_10s__gte', 0), ('retention_10s__lte', 1)), name='episode_metric_retention_10s_fraction'), models.CheckConstraint(condition=models.Q(('completion_rate__gte', 0), ('completion_rate__lte', 1)), name='episode_metric_completion_rate_fraction'), models.CheckConstraint(condition=models.Q(('paid_revenue__gte', 0)), name='episode_metric_paid_revenue_not_negative'), models.CheckConstraint(condition=models.Q(('ad_revenue__gte', 0)), name='episode_metric_ad_revenue_not_negative')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types, elidable=False),
    ]
