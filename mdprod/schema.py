"""``GET /api/schema/`` from memory.

Generating the OpenAPI document walks every endpoint and serializer: 5 s in a fresh process and
0.7-1.8 s after that, for an answer that only changes with the code. Each process keeps the
document per language and API version, and its rendering per format; the WSGI entry point
(``mdprod.wsgi``) builds the default language's YAML and JSON in a background thread at
start-up, so that the first request finds them ready.
"""

import logging
import threading

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

logger = logging.getLogger(__name__)

_generated: dict[tuple, dict] = {}
_rendered: dict[tuple, tuple[bytes, str, str]] = {}
_lock = threading.Lock()


class CachedSchemaView(SpectacularAPIView):
    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        language = translation.get_language()
        key = (language, version, request.accepted_media_type, self.serve_public)
        found = _rendered.get(key)
        if found is None:
            with _lock:  # one generation per key, however many requests wait for it
                found = _rendered.get(key)
                if found is None:
                    found = _rendered[key] = self._render(request, version, language)
        body, content_type, disposition = found
        answer = HttpResponse(body, content_type=content_type)
        answer["Content-Disposition"] = disposition
        return answer

    def _render(self, request, version, language) -> tuple[bytes, str, str]:
        # The document is generated once per language and version, each format rendered from it.
        generated_key = (language, version, self.serve_public)
        generated = _generated.get(generated_key)
        if generated is None:
            response = super()._get_schema_response(request)
            generated = _generated[generated_key] = response.data
        response = Response(
            data=generated,
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
        # Rendered as DRF would render it for this request, once.
        response.accepted_renderer = request.accepted_renderer
        response.accepted_media_type = request.accepted_media_type
        response.renderer_context = self.get_renderer_context()
        response.render()
        return response.content, response["Content-Type"], response["Content-Disposition"]


def warm_schema() -> None:
    """Render the schema as clients ask for it first (YAML and JSON, in the default language:
    one generation), through the view itself, so the cache holds exactly what a request would
    get. Another language is generated on its first request."""
    from django.test import RequestFactory

    factory = RequestFactory()
    # Not counted against the anonymous rate limit of the address the warm-up seems to come from.
    view = CachedSchemaView.as_view(throttle_classes=[])
    try:
        for accept in ("application/vnd.oai.openapi", "application/vnd.oai.openapi+json"):
            with translation.override(settings.LANGUAGE_CODE):
                view(factory.get("/api/schema/", HTTP_ACCEPT=accept))
    except Exception:  # a failure here must not stop the server; the first request retries
        logger.warning("The API schema could not be built at start-up", exc_info=True)


def _warm_and_close() -> None:
    from django.db import connections

    try:
        warm_schema()
    finally:
        connections.close_all()  # this thread's own, if it opened any


def warm_schema_in_background() -> threading.Thread:
    thread = threading.Thread(target=_warm_and_close, name="schema-warm", daemon=True)
    thread.start()
    return thread
