"""Budgets, their lines and the tier policy move here from ``contracts``; no data moves.

The tables keep their names (``contracts_budget``, ``contracts_budgetline``,
``contracts_tierpolicy``): the models enter this app's state only, and
``contracts/0005_move_budgets_to_budgets`` takes them out of the contracts app's state.

Their content types are relabelled in place, so their ids stay and with them the permissions,
the permission grants and the admin log entries that point at them. Stale content types are never
deleted (that would cascade to all of these). Should a content type already exist under the new
label (created by hand, say), the old one is left as it is rather than merged.
"""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = ("budget", "budgetline", "tierpolicy")


def _relabel(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = ContentType.objects.using(db).filter(app_label=target, model__in=MOVED_MODELS)
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED_MODELS).exclude(
        model__in=taken.values("model")
    ).update(app_label=target)


def relabel_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="contracts", target="budgets")


def restore_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, source="budgets", target="contracts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contracts', '0004_payments_statements_documents'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflow', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Budget',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('approved', 'Approved')], default='draft', max_length=20, verbose_name='status')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                        ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='approved at')),
                        ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                        ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='budget', to='workflow.project', verbose_name='project')),
                    ],
                    options={
                        'verbose_name': 'budget',
                        'verbose_name_plural': 'budgets',
                        'db_table': 'contracts_budget',
                    },
                ),
                migrations.CreateModel(
                    name='TierPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('province', models.CharField(blank=True, choices=[('beijing', 'Beijing'), ('tianjin', 'Tianjin'), ('hebei', 'Hebei'), ('shanxi', 'Shanxi'), ('inner_mongolia', 'Inner Mongolia'), ('liaoning', 'Liaoning'), ('jilin', 'Jilin'), ('heilongjiang', 'Heilongjiang'), ('shanghai', 'Shanghai'), ('jiangsu', 'Jiangsu'), ('zhejiang', 'Zhejiang'), ('anhui', 'Anhui'), ('fujian', 'Fujian'), ('jiangxi', 'Jiangxi'), ('shandong', 'Shandong'), ('henan', 'Henan'), ('hubei', 'Hubei'), ('hunan', 'Hunan'), ('guangdong', 'Guangdong'), ('guangxi', 'Guangxi'), ('hainan', 'Hainan'), ('chongqing', 'Chongqing'), ('sichuan', 'Sichuan'), ('guizhou', 'Guizhou'), ('yunnan', 'Yunnan'), ('tibet', 'Tibet'), ('shaanxi', 'Shaanxi'), ('gansu', 'Gansu'), ('qinghai', 'Qinghai'), ('ningxia', 'Ningxia'), ('xinjiang', 'Xinjiang')], help_text='Blank for the national default.', max_length=20, verbose_name='province')),
                        ('effective_from', models.DateField(verbose_name='effective from')),
                        ('key_threshold', models.DecimalField(decimal_places=2, default=Decimal('1000000.00'), max_digits=14, verbose_name='KEY threshold (CNY)')),
                        ('ordinary_threshold', models.DecimalField(decimal_places=2, default=Decimal('300000.00'), max_digits=14, verbose_name='ORDINARY threshold (CNY)')),
                        ('special_subject_is_key', models.BooleanField(default=True, verbose_name='special subject makes KEY')),
                        ('lead_ad_sales_is_key', models.BooleanField(default=True, verbose_name='lead ad-sales title makes KEY')),
                        ('homepage_is_key', models.BooleanField(default=True, verbose_name='home-page promotion makes KEY')),
                        ('opt_in_allowed', models.BooleanField(default=True, verbose_name='producer may opt in to KEY')),
                        ('note', models.CharField(blank=True, max_length=300, verbose_name='note')),
                    ],
                    options={
                        'verbose_name': 'review-tier policy',
                        'verbose_name_plural': 'review-tier policies',
                        'db_table': 'contracts_tierpolicy',
                        'ordering': ['province', '-effective_from'],
                        'constraints': [models.UniqueConstraint(fields=('province', 'effective_from'), name='tier_policy_one_per_day'), models.CheckConstraint(condition=models.Q(('ordinary_threshold__gte', 0), ('key_threshold__gt', models.F('ordinary_threshold'))), name='tier_policy_thresholds_ordered')],
                    },
                ),
                migrations.CreateModel(
                    name='BudgetLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('category', models.CharField(choices=[('script', 'Script and writers'), ('cast', 'Cast fees'), ('crew', 'Crew'), ('equipment', 'Equipment'), ('locations', 'Locations'), ('post', 'Post-production'), ('music', 'Music'), ('marketing', 'Marketing and traffic purchase'), ('contingency', 'Contingency'), ('other', 'Other')], max_length=20, verbose_name='category')),
                        ('description', models.CharField(blank=True, max_length=200, verbose_name='description')),
                        ('planned', models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='planned (CNY)')),
                        ('actual', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='actual (CNY)')),
                        ('budget', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='budgets.budget', verbose_name='budget')),
                    ],
                    options={
                        'verbose_name': 'budget line',
                        'verbose_name_plural': 'budget lines',
                        'db_table': 'contracts_budgetline',
                        'ordering': ['budget', 'category', 'id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('planned__gte', 0)), name='budget_line_planned_not_negative'), models.CheckConstraint(condition=models.Q(('actual__isnull', True), ('actual__gte', 0), _connector='OR'), name='budget_line_actual_not_negative')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types, elidable=False),
    ]
