"""Budget, BudgetLine and TierPolicy now belong to the ``budgets`` app.

State only: the tables stay where they are (``budgets/0001_initial`` takes the models over with
the same ``db_table``, and relabels their content types in place).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0004_payments_statements_documents'),
        ('budgets', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='BudgetLine'),
                migrations.DeleteModel(name='Budget'),
                migrations.DeleteModel(name='TierPolicy'),
            ],
        ),
    ]
