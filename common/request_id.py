"""One id per request, on its response (``X-Request-ID``) and in every log line it causes.

A caller (or the proxy in front) may send its own ``X-Request-ID``: it is kept when it is short
and made of safe characters, so that a client's and a proxy's logs meet ours; anything else is
replaced by a new id rather than written into the logs. Celery tasks queued while a request runs
carry the id in their message headers (``mdprod.celery``), so the worker's lines name it too.
"""

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
MAX_LENGTH = 128
# Letters, digits and the punctuation request ids use (UUIDs, proxies' hex ids, trace ids).
_SAFE = re.compile(rf"[A-Za-z0-9._:@/+=-]{{1,{MAX_LENGTH}}}")
NONE = "-"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("mdprod_request_id", default=NONE)


def new_id() -> str:
    return uuid.uuid4().hex


def accepted(value: str | None) -> str | None:
    """``value`` if it is an id we may repeat in a header and a log line, else None."""
    if value and _SAFE.fullmatch(value):
        return value
    return None


def current() -> str | None:
    """The id of the request (or task) this code runs for; None outside one."""
    value = _current.get()
    return None if value == NONE else value


def activate(value: str) -> contextvars.Token:
    return _current.set(value)


def deactivate(token: contextvars.Token | None = None) -> None:
    if token is None:
        _current.set(NONE)
    else:
        _current.reset(token)


class RequestIdMiddleware:
    """Outermost middleware: every answer carries the id, redirects and errors included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accepted(request.META.get(META_KEY)) or new_id()
        request.request_id = request_id
        activate(request_id)  # cleared when the response is finished, after Django's own log line
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _finished(**kwargs) -> None:
    deactivate()


request_finished.connect(_finished, dispatch_uid="common.request_id.finished")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request or task), for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
