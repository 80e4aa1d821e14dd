from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = _("Release gate")

    def ready(self) -> None:
        from . import (
            dashboard,  # noqa: F401  (the scheduled releases panel)
            rules,  # noqa: F401  (release gate guards and effects)
        )
