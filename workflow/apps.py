from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        # The workflow's own guards, and the effect that opens and closes deadlines.
        from . import deadlines, guards, preferences  # noqa: F401
