"""The clearance register (Clearance) now belongs to the ``reviews`` app.

State only: the table stays where it is (``reviews/0006_move_clearances_from_contracts`` takes the
model over with the same ``db_table``, and relabels its content type in place). The foreign keys
that point at it from this app, the release gate's ``Release.clearance`` and
``Document.clearance``, are pointed at ``reviews.Clearance`` first, then the model leaves this
app's state; migrating back undoes it in the reverse order. Their columns and constraints already
reference ``contracts_clearance``, so nothing changes in the database.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0006_move_metrics_to_audience'),
        ('reviews', '0006_move_clearances_from_contracts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='release',
                    name='clearance',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reviews.clearance', verbose_name='clearance shown in the credits'),
                ),
                migrations.AlterField(
                    model_name='document',
                    name='clearance',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='reviews.clearance', verbose_name='clearance'),
                ),
                migrations.DeleteModel(name='Clearance'),
            ],
        ),
    ]
