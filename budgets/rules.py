"""What budgets add to the workflow's transitions: production starts on an approved budget.

Imported by ``BudgetsConfig.ready()``, which registers the guard below; the same ``ready()``
installs the tier resolver (``budgets.tiers``).
"""

from django.utils.translation import gettext as _

from workflow import guards

from .models import Budget


@guards.guard("start_production", order=310)
def budget_approved(project) -> list[str]:
    if Budget.objects.filter(project_id=project.pk, status=Budget.Status.APPROVED).exists():
        return []
    return [_("The budget must be approved before production starts.")]
