import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdprod.settings")

application = get_wsgi_application()

# The API schema is built once per process, in the background, before the first request asks.
from mdprod.schema import warm_schema_in_background  # noqa: E402

warm_schema_in_background()
