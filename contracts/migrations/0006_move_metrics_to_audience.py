"""EpisodeMetric (release metrics) now belongs to the ``audience`` app.

State only: the table stays where it is (``audience/0002_move_metrics_from_contracts`` takes the
model over with the same ``db_table``, and relabels its content type in place).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0005_move_budgets_to_budgets'),
        ('audience', '0002_move_metrics_from_contracts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='EpisodeMetric'),
            ],
        ),
    ]
