"""The release gate (Release) now belongs to the ``releases`` app.

State only: the table stays where it is (``releases/0001_move_release_from_contracts`` takes the
model over with the same ``db_table``, and relabels its content type in place). No foreign key of
another model points at it.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0008_reconstruct_status_history'),
        ('releases', '0001_move_release_from_contracts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='Release'),
            ],
        ),
    ]
