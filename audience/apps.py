from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudienceConfig(AppConfig):
    """Audience in the loop: episodes and test clips, audience signals, feedback views, quiet mode
    and the revision log (signal -> decision -> change -> measured outcome).

    Also the release metrics (their import, API and summary), which quiet mode hides from the
    writing team. Depends on workflow (projects, scoping); contracts (residual statements) reads
    the metrics.
    """

    name = "audience"
    verbose_name = _("Audience")

    def ready(self) -> None:
        from . import dashboard  # noqa: F401  (the audience panel)
