from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # Guards and effects the reviews add to the project state machine.
        from . import dashboard  # noqa: F401  (the reviews' dashboard panels)
        from .rules import cuts, evaluations, feedback, filings, finals  # noqa: F401
