"""The OpenAPI schema generator: drf-spectacular's, plus what ``ConditionalUpdateMixin`` adds.

Its own module: ``common.api`` is loaded while DRF itself is still importing (it holds the
pagination class), too early to import drf-spectacular's generator.
"""

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework.serializers import CharField, ListSerializer
from rest_framework.settings import api_settings

from common.api import ErrorSerializer
from common.routers import ID_PATTERN
from common.serializers import StrictSerializer, scoped_id_fields


def error_response(description: str, *, examples=None) -> OpenApiResponse:
    """An error answer of an operation in the schema: the ``{code, detail}`` shape
    (``ErrorSerializer``) and what the operation means by that status."""
    return OpenApiResponse(ErrorSerializer, description=description, examples=examples or [])


# The answers most operations share, worded once.
INVALID_INPUT = error_response("Invalid input (see `fields`).")
NOT_IN_SCOPE = error_response("Not found in your scope.")
ROLE_MISSING = error_response("You lack the role this needs.")

IF_MATCH_PARAM = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description=(
        "The `ETag` of the version you read (from the detail or your last edit), or `*` for "
        "any version. A stale one is refused with 412 and nothing changes. Required for API "
        "keys (428 without it); people may omit it."
    ),
    examples=[
        OpenApiExample("The ETag you read", value='"3f786850e387550fdab836ed7e6dc881de23001b"')
    ],
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    description="The version of this object; send it back as `If-Match` when you change it.",
    response=[200],
)
# On the answers of requests a rate limit counted (see the README's Throttling).
RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        name,
        int,
        OpenApiParameter.HEADER,
        description=description + " Sent when a rate limit counted this request.",
        response=True,
    )
    for name, description in (
        ("RateLimit-Limit", "Requests allowed in the current window."),
        ("RateLimit-Remaining", "Requests left in the current window."),
        ("RateLimit-Reset", "Seconds until the current window ends."),
    )
]

IDEMPOTENCY_KEY_PARAM = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    pattern=r"^[!-~]([ -~]{0,253}[!-~])?$",
    description=(
        "Up to 255 printable ASCII characters, new for each request you mean (a UUID). For 24 "
        "hours a retry with the same key, path and body gets the first successful answer again, "
        "with `Idempotent-Replayed: true`, and changes nothing; an error is not kept, so fix the "
        "request and retry with the same key. An answer holding a secret (a new API key, a "
        "webhook secret, a token) is not kept: its retry answers 409 `idempotency_key_used` "
        "naming the object created. While the first request runs, a retry answers 409 "
        "`idempotency_in_progress`; the key with another path or body answers 422 "
        "`idempotency_key_reused`. Requests without credentials are not keyed."
    ),
    examples=[OpenApiExample("A new key", value="5f0c7a9e-3b1d-4c52-9a8e-2f6d1e0b7c43")],
)
IDEMPOTENCY_RESPONSES = {
    409: error_response(
        "`idempotency_in_progress`: a request with this Idempotency-Key is still running; or "
        "`idempotency_key_used`: its first answer held a secret and is not repeated (`object` "
        "names what it created)."
    ),
    422: error_response(
        "`idempotency_key_reused`: this Idempotency-Key was used for another path or body."
    ),
}

PRECONDITION_RESPONSES = {
    412: error_response(
        "`precondition_failed`: If-Match does not match the current ETag. Checked before the "
        "body is read (RFC 9110, 13.2.1), so a stale If-Match is a 412 even for a body that "
        "would be a 400.",
        examples=[
            OpenApiExample(
                "Changed since you read it",
                status_codes=["412"],
                response_only=True,
                value={
                    "code": "precondition_failed",
                    "detail": "Someone changed this since you read it (If-Match does not "
                    "match its ETag); read it again and redo your change.",
                },
            )
        ],
    ),
    428: error_response(
        "`precondition_required`: an API key sent no If-Match.",
        examples=[
            OpenApiExample(
                "A key without If-Match",
                status_codes=["428"],
                response_only=True,
                value={
                    "code": "precondition_required",
                    "detail": "API keys must send If-Match with the ETag of the version they "
                    "change (or “*”).",
                },
            )
        ],
    ),
}

GENERAL_ERRORS = {
    401: error_response("No valid credentials (token, session or API key)."),
    403: error_response("You (or your key's scopes) may not do this."),
    429: error_response("Too many requests; see Retry-After (and RateLimit-Reset)."),
}


NO_NUL = "^[^\\u0000]*$"


def lib_doc_excludes() -> list:
    """Classes whose docstrings are not a description of the schema's components or
    operations: drf-spectacular's (DRF's bases) and our own shared bases, whose docstrings
    each subclass without one would otherwise inherit."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    from common.conditional import ConditionalUpdateMixin
    from common.serializers import PlainFieldsMixin

    return [*get_lib_doc_excludes(), StrictSerializer, PlainFieldsMixin, ConditionalUpdateMixin]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the If-Match/ETag headers and 412/428 of conditional edits,
    and the RateLimit headers of throttled operations, and the Idempotency-Key header with its
    409/422 on every POST."""

    def _action_in(self, attribute: str) -> bool:
        return getattr(self.view, "action", None) in getattr(self.view, attribute, ())

    def _is_conditional(self) -> bool:
        return self.method in ("PUT", "PATCH") and self._action_in("conditional_actions")

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_conditional():
            parameters.append(IF_MATCH_PARAM)
        if self.method in ("GET", "PUT", "PATCH") and self._action_in("etag_actions"):
            parameters.append(ETAG_HEADER)
        if getattr(self.view, "throttle_classes", None):
            parameters += RATE_LIMIT_HEADERS
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY_PARAM)
        return parameters

    def map_parsers(self):
        # The API's bodies are JSON; its views also read form encodings (as DRF's do), which
        # cannot tell null from the text "null", so the schema offers them only where a view
        # chose its parsers itself (the uploads).
        if self.view.parser_classes is api_settings.DEFAULT_PARSER_CLASSES:
            return ["application/json"]
        return super().map_parsers()

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False  # it answers 400 for a key it does not take
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, CharField)
            and schema
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum"} & set(schema)
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            # DRF refuses a NUL in text (PostgreSQL cannot store one); the schema says so.
            schema["pattern"] = NO_NUL
        if isinstance(field, ListSerializer) and schema and schema.get("type") == "array":
            # drf-spectacular states a ListField's bounds but not a nested list's.
            if field.min_length is not None or not field.allow_empty:
                schema["minItems"] = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def _resolve_path_parameters(self, variables):
        # The id routes' pattern (common.routers) only narrows the model's integer key: the model
        # types the parameter, as with DRF's catch-all pattern, rather than a patterned string.
        original = self.path_regex
        self.path_regex = original.replace(f">{ID_PATTERN})", ">[^/.]+)")
        try:
            return super()._resolve_path_parameters(variables)
        finally:
            self.path_regex = original

    def _scoped_body_ids(self) -> list[str]:
        if self.method not in ("POST", "PUT", "PATCH"):
            return []
        serializers = self.get_request_serializer()
        if not isinstance(serializers, dict):  # one body, or one per content type
            serializers = {None: serializers}
        names: list[str] = []
        for serializer in serializers.values():
            if isinstance(serializer, type):
                serializer = serializer()
            names += [n for n in scoped_id_fields(serializer) if n not in names]
        return names

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        # Errors any operation can answer, where its own annotation says nothing more precise.
        general = dict(GENERAL_ERRORS)
        if (
            self.method in ("POST", "PUT", "PATCH")
            or self._get_filter_parameters()
            or self._get_pagination_parameters()
        ):
            general[400] = error_response("Invalid input.")
        if "{" in self.path or self._get_pagination_parameters():  # or a page past the end
            general[404] = error_response("Not in your scope.")
        scoped = self._scoped_body_ids() if direction == "response" else []
        if scoped:
            named = ", ".join(f"`{name}`" for name in scoped)
            general[404] = error_response(
                f"`not_found`: an id in the body ({named}) names nothing in your scope."
            )
        for code, response in general.items():
            bodies.setdefault(
                str(code), self._get_response_for_code(response, str(code), direction=direction)
            )
        if self.method == "POST":
            for code, response in IDEMPOTENCY_RESPONSES.items():
                bodies.setdefault(
                    str(code), self._get_response_for_code(response, str(code), direction=direction)
                )
        if self._is_conditional():
            for code, response in PRECONDITION_RESPONSES.items():
                bodies.setdefault(
                    str(code), self._get_response_for_code(response, str(code), direction=direction)
                )
        return bodies
