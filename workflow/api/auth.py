"""``/api/v1/auth/token/``: sign in for a token (POST) and revoke it (DELETE)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from common.schema import error_response
from workflow.lockout import ObtainAuthTokenWithLockout
from workflow.tokens import ExpiringTokenAuthentication, token_expires_at, token_issue, token_revoke


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send it as `Authorization: Token <token>`; shown in sign-in answers only."
    )
    expires_at = serializers.DateTimeField(
        help_text="From then on the token is refused (401 `token_expired`): sign in again."
    )


class ExpiringObtainAuthToken(ObtainAuthToken):
    """DRF's sign-in, answering a token that is still valid and when it expires."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_issue(user=serializer.validated_data["user"])
        return Response(
            IssuedTokenSerializer({"token": token.key, "expires_at": token_expires_at(token)}).data,
            # The token must not sit in a cache, nor be kept for an Idempotency-Key replay.
            headers={"Cache-Control": "no-store", "Content-Location": request.path},
        )


class TokenView(ObtainAuthTokenWithLockout, ExpiringObtainAuthToken):
    """POST signs in (the lockout's checks around the expiring sign-in: the method order puts
    ``ExpiringObtainAuthToken.post`` under ``ObtainAuthTokenWithLockout.post``); DELETE revokes
    the token the request is authenticated with."""

    def get_authenticators(self):
        if getattr(self.request, "method", None) == "DELETE":
            return [ExpiringTokenAuthentication()]
        return super().get_authenticators()

    def get_permissions(self):
        if getattr(self.request, "method", None) == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        summary="Sign in: exchange a username and password for a token",
        description=(
            "Answers the person's token while it is valid (the same one to every client), or "
            "a new one once it has expired (`MDPROD_TOKEN_TTL_HOURS`, 24 by default). Five "
            "failures for one username from one address lock it out for 15 minutes (429 "
            "`login_locked`)."
        ),
        auth=[],
        responses={
            200: IssuedTokenSerializer,
            400: error_response("Wrong username or password, or missing fields."),
            429: error_response("`login_locked` or throttled; see Retry-After."),
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    @extend_schema(
        summary="Sign out: revoke the token this request is sent with",
        description=(
            "Deletes your token: every request still sending it gets 401 from now on. Sign in "
            "again for a new one. Needs `Authorization: Token <token>` (not a session or an "
            "API key)."
        ),
        request=None,
        responses={
            204: OpenApiResponse(description="Revoked: the token is refused from now on."),
            401: error_response("No token, an unknown one, or an expired one (`token_expired`)."),
        },
    )
    def delete(self, request, *args, **kwargs):
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
