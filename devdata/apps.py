from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevdataConfig(AppConfig):
    """Made-up data for the demo (``seed_demo``) and the benchmarks (``generate_load``).

    The top layer: it drives every app's services and models, and no app imports it.
    """

    name = "devdata"
    verbose_name = _("Demo and load data")
