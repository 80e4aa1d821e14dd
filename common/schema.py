"""The OpenAPI schema generator: drf-spectacular's, plus what ``ConditionalUpdateMixin`` adds.

Its own module: ``common.api`` is loaded while DRF itself is still importing (it holds the
pagination class), too early to import drf-spectacular's generator.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from common.api import ErrorSerializer
from common.serializers import scoped_id_fields


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
        "`precondition_failed`: If-Match does not match the current ETag.",
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
    429: error_response("Too many requests; see Retry-After."),
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the If-Match/ETag headers and 412/428 of conditional edits,
    and the Idempotency-Key header with its 409/422 on every POST."""

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
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY_PARAM)
        return parameters

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
