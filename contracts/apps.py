from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from . import (
            rules_agreements,  # noqa: F401  (the active-contract guard)
            rules_payments,  # noqa: F401  (installments fall due at milestones)
        )
