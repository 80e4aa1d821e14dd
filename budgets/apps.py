from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("Budgets")

    def ready(self) -> None:
        from workflow import tiers as workflow_tiers

        from . import (
            rules,  # noqa: F401  (the budget guard of start_production)
            tiers,
        )

        # The workflow has no tier policy of its own: this is the one it asks.
        workflow_tiers.set_resolver(tiers.resolve_tier)
        workflow_tiers.set_reason_display(tiers.reason_display)
