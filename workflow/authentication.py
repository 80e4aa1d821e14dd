"""API keys on the wire: the Bearer authentication, the scope check and the throttles.

``Authorization: Bearer mdp_<prefix>_<secret>`` authenticates as the key's service user, with
``request.auth`` the ApiKey. People keep token and session authentication; the scope check and
the key throttle apply to key requests only.

Scopes: safe methods (GET, HEAD, OPTIONS) need ``read``; the endpoints that move a project
through the state machine, now or on a scheduled date (``TRANSITION_ENDPOINTS``), need
``transition``; every other write needs ``write``. A transition fired by a key without the
``transition`` scope through any other path is refused too, by the service, before it writes
anything (``keys.require_transition_scope``).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .ratelimits import AtomicRateThrottle

KEYWORD = "Bearer"

# (router basename, viewset action) of every endpoint that fires or schedules a transition.
TRANSITION_ENDPOINTS = frozenset(
    {
        ("project", "transition"),  # POST /projects/{id}/transitions/{name}/
        ("evaluation", "decide"),  # POST /evaluations/{id}/decide/
        ("regulatory-review", "decide"),  # POST /regulatory-reviews/{id}/decide/
        ("final-review", "decide"),  # POST /final-reviews/{id}/decide/
        ("cut-round", "create"),  # POST /cut-rounds/  (submit_cut, resubmit_cut)
        ("release", "schedule"),  # POST /releases/schedule/  (release on the date)
        ("release", "unschedule"),  # POST /releases/unschedule/
    }
)


def _api_key_model():
    from workflow.models import ApiKey

    return ApiKey


def is_key_request(request) -> bool:
    return isinstance(getattr(request, "auth", None), _api_key_model())


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer mdp_<prefix>_<secret>``: a tool's API key."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed API key: send “Authorization: Bearer mdp_…”.")
            )
        try:
            token = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Malformed API key.")) from exc

        from workflow import keys

        try:
            key = keys.api_key_authenticate(token)
        except keys.KeyRefused as refused:
            raise exceptions.AuthenticationFailed(refused.detail) from refused
        user = key.user
        user._mdprod_api_key = key  # the services' transition scope check reads it
        return user, key

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


def required_scope(request, view) -> str:
    if request.method in SAFE_METHODS:
        return "read"
    endpoint = (getattr(view, "basename", None), getattr(view, "action", None))
    if endpoint in TRANSITION_ENDPOINTS:
        return "transition"
    return "write"


class ApiKeyScopes(BasePermission):
    """Key requests need the scope of what they do; people are unaffected."""

    def has_permission(self, request, view):
        if not is_key_request(request):
            return True
        scope = required_scope(request, view)
        if scope not in request.auth.scopes:
            from workflow.keys import scope_missing

            missing = scope_missing(scope)
            raise exceptions.PermissionDenied(missing.detail, code=missing.code)
        return True


class ApiKeyRateThrottle(AtomicRateThrottle):
    """Per key, whichever service user it acts as."""

    scope = "api_key"

    def ident(self, request):
        return request.auth.prefix if is_key_request(request) else None


class PersonRateThrottle(AtomicRateThrottle):
    """Per person (token or session), not per key."""

    scope = "user"

    def ident(self, request):
        user = request.user
        if not (user and user.is_authenticated) or is_key_request(request):
            return None
        # With the join time, a reused id (a deleted user, a rolled-back test) counts afresh.
        joined = int(user.date_joined.timestamp() * 1_000_000) if user.date_joined else 0
        return f"{user.pk}.{joined}"


class AnonymousRateThrottle(AtomicRateThrottle):
    """Per client address, for requests without credentials."""

    scope = "anon"

    def ident(self, request):
        user = request.user
        if user and user.is_authenticated:
            return None
        return self.get_ident(request)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "mdp_<prefix>_<secret>",
            "description": (
                "An organisation's API key for tools: `Authorization: Bearer mdp_…`. Created "
                "by an organisation admin (`POST /api/v1/api-keys/`), shown once. Scopes: "
                "`read` for GET, `transition` for the endpoints that move a project, `write` "
                "for every other change."
            ),
        }
