from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    """Audience in the loop: episodes and test clips, audience signals, feedback views, quiet mode
    and the revision log (signal -> decision -> change -> measured outcome).

    Depends on workflow (projects, scoping) and contracts (episode metrics); nothing depends on it.
    """

    name = "audience"
    verbose_name = _("Audience")

    def ready(self) -> None:
        from workflow.visibility import register_metric_filter

        from . import dashboard  # noqa: F401  (the audience panel)
        from .selectors.quiet import quiet_metric_filter

        register_metric_filter(quiet_metric_filter)  # quiet mode hides locked episodes' metrics
