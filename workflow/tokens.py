"""People's API tokens (``Authorization: Token <key>``): they expire, and their holder can revoke them.

A token is DRF's ``authtoken`` row, one per person; it is valid for ``MDPROD_TOKEN_TTL_HOURS``
from when it was issued. Signing in again while it is valid answers the same token (every client
of one person shares it); once it has expired, signing in issues a new one. An expired token is
refused with 401 ``token_expired``; ``DELETE /api/v1/auth/token/`` deletes the caller's token, so
that it is refused from then on (401, "Invalid token").
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.MDPROD_TOKEN_TTL_HOURS)


def token_expires_at(token) -> datetime:
    return token.created + token_lifetime()


def token_expired(token, *, now: datetime | None = None) -> bool:
    return token_expires_at(token) <= (now or timezone.now())


def _token_model():
    from rest_framework.authtoken.models import Token

    return Token


def token_issue(*, user):
    """The person's valid token: the current one, or a new one when it expired or there is none."""
    token_model = _token_model()
    with transaction.atomic():
        token_model.objects.filter(
            user=user, created__lte=timezone.now() - token_lifetime()
        ).delete()
        token, _created = token_model.objects.get_or_create(user=user)
    return token


def token_revoke(*, token) -> None:
    """Delete the token: every request still sending it is refused."""
    _token_model().objects.filter(pk=token.pk).delete()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's ``Token <key>`` authentication, refusing a token past its lifetime."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(
                _("This token has expired; sign in again (POST /api/v1/auth/token/)."),
                code="token_expired",
            )
        return user, token
