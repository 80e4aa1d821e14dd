"""API plumbing shared by every app: pagination, filters, request parsing and the one error format.

Every error body is ``{"code": ..., "detail": ...}``; invalid input adds ``fields`` (field name
to messages), an unmet guard adds ``reasons``. No answer under ``/api/`` is HTML, whatever the
request (``ApiErrorFormatMiddleware``), except the documentation pages.
"""

from datetime import UTC
from http import HTTPStatus

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError, NotInScope


class Rows:
    """``queryset.values_list(*columns)`` for the paginator, counted on ``queryset`` itself: the
    joins the columns need (a related row's name) stay out of the page's ``COUNT(*)``."""

    def __init__(self, queryset, columns):
        self.queryset = queryset
        self.columns = columns
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return self.queryset.values_list(*self.columns)[index]


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF falls back to the default for a page size it cannot read; say so instead.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


# Request bodies -----------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32


def _nested_deeper_than(value, limit: int) -> bool:
    """Whether lists and objects in ``value`` nest more than ``limit`` levels (iteratively: a
    recursive walk would fail on the very input it guards against)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing nesting deeper than ``MAX_JSON_DEPTH`` with a 400.

    No request body of this API nests more than a few levels. Python's decoder raises
    ``RecursionError`` (a 500) near a thousand levels, and a body just under that would reach
    every validator and the database; both are a ``parse_error`` here.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = exceptions.ParseError(
            _("JSON parse error: nested deeper than %(max)d levels.") % {"max": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _nested_deeper_than(data, MAX_JSON_DEPTH):
            raise too_deep
        return data


# Errors -------------------------------------------------------------------------------------------


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def _request_refused(exc: SuspiciousOperation) -> exceptions.APIException:
    """Django's own limits on a request body, said in the API's format (Django answers them with
    an HTML 400 page)."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(
            _("The request body is larger than %(size)d bytes; send less.")
            % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ParseError(
            _("Too many fields in the request: at most %(n)d.")
            % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
        )
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ParseError(
            _("Too many files in the request: at most %(n)d.")
            % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
        )
    return exceptions.ParseError(_("The request cannot be read."))


class ApiErrorFormatMiddleware:
    """No HTML error under ``/api/``: what Django answers by itself (no route while DEBUG shows
    its technical 404 page, a disallowed host, an unhandled error's 500 page) is re-said as
    ``{"code", "detail"}`` with the same status and headers. The API's own errors are JSON
    already and pass unchanged; the documentation pages are HTML by design.

    Sits just inside ``SecurityMiddleware``, so the answer still gets its security headers.
    """

    HTML_BY_DESIGN = ("/api/docs/", "/api/redoc/")
    CODES = {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        413: "request_too_large",
        500: "server_error",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or request.path.startswith(self.HTML_BY_DESIGN)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        return self._as_json(response)

    def _as_json(self, response):
        code = response.status_code
        if code == 404:
            detail = _("No such address in the API.")
        else:
            try:
                detail = HTTPStatus(code).phrase
            except ValueError:
                detail = _("The request failed.")
        answer = JsonResponse(
            {"code": self.CODES.get(code, "error"), "detail": str(detail)}, status=code
        )
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                answer[header] = value
        answer.cookies = response.cookies
        return answer


def in_scope(queryset, pk: int, *, field: str):
    """The object ``pk`` (from the body's ``field``) names among the caller's ``queryset``:
    ``NotInScope`` (404) when it names nothing there, whether or not it exists elsewhere."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotInScope(field)
    return found


class _AsciiIntegerField(forms.IntegerField):
    def to_python(self, value):
        # Django reads full-width digits ("１") as the number; an id is written in ASCII ones.
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    """A whole number from 1 to the largest database integer: an id, or a round number.

    NumberFilter reads a decimal, so ``1.5`` matched id 1 and a number past 64 bits crashed
    SQLite; this answers both with a 400 naming the parameter, as a full-width "１".
    """

    field_class = _AsciiIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
        # The schema states the bounds (drf-spectacular would guess "number" from the name).
        # Imported here: this module loads while DRF is still importing, before drf-spectacular.
        from drf_spectacular.drainage import set_override

        set_override(
            self,
            "field",
            {"type": "integer", "minimum": kwargs["min_value"], "maximum": kwargs["max_value"]},
        )

    def get_max_validator(self):
        return None  # max_value bounds it already


class _StrictNullBooleanField(forms.NullBooleanField):
    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")


class BoolFilter(django_filters.BooleanFilter):
    """``true`` or ``false``. django-filter's reads anything else as "no filter", so a typo
    silently listed everything; this answers it with a 400 naming the parameter."""

    field_class = _StrictNullBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)  # the select widget reads "null" as unset
        super().__init__(*args, **kwargs)


class _UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        # Compared in UTC: the database never sees the offset the client wrote (any that ISO
        # 8601 allows, under a day), only a time it can store.
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time in a query (naive: China time), compared in UTC."""

    field_class = _UtcIsoDateTimeField


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code.")
    detail = serializers.CharField(help_text="Human-readable explanation.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: messages per field (`non_field_errors` for the whole body).",
    )
    reasons = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="For unmet transition conditions: each unmet condition in words.",
    )


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{key}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub, messages in _flatten(item).items():
                        out[f"{key}.{index}.{sub}"] = messages
            else:
                out[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if key == "__all__" else key): [str(m) for m in messages]
            for key, messages in exc.message_dict.items()
        }
    else:
        detail = {"non_field_errors": [str(m) for m in exc.messages]}
    return exceptions.ValidationError(detail)


# Seconds a client should wait before retrying after the database went away.
RETRY_AFTER_SECONDS = 5


def _database_unavailable() -> Response:
    """The database connection failed mid-request (a restart, a failover, a killed session):
    the transaction rolled back, nothing changed, and Django opens a new connection for the
    next request. A retry can succeed, so 503 with Retry-After rather than a 500."""
    for conn in connections.all(initialized_only=True):
        if conn.in_atomic_block:  # a view-level transaction must not try to commit
            conn.set_rollback(True)
    response = Response(
        {
            "code": "service_unavailable",
            "detail": str(_("The database is briefly unavailable; nothing was changed. Retry.")),
        },
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def exception_handler(exc, context):
    if isinstance(exc, OperationalError | InterfaceError):
        return _database_unavailable()
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.detail}
        if exc.reasons:
            body["reasons"] = exc.reasons
        return Response(body, status=exc.status_code)
    if isinstance(exc, SuspiciousOperation):
        exc = _request_refused(exc)
    elif isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "detail": str(_("The request is not valid; see the field messages.")),
            "fields": _flatten(exc.detail),
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = codes if isinstance(codes, str) else "error"
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = {"code": code, "detail": str(detail)}
    return response
