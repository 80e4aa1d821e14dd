"""People's API tokens (``Authorization: Token <key>``): they expire, and their holder can revoke them.

A token is DRF's ``authtoken`` row, one per person; it is valid for ``MDPROD_TOKEN_TTL_HOURS``
from when it was issued. Signing in again while it is valid answers the same token (every client
of one person shares it); once it has expired, signing in issues a new one. An expired token is
refused with 401 ``token_expired``; ``DELETE /api/v1/auth/token/`` deletes the caller's token, so
that it is refused from then on (401, "Invalid token").
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from common.prepared import PreparedValues


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


def _token_with_memberships(key):
    from django.contrib.auth import get_user_model

    from .visibility import memberships_subquery

    user_fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    return (
        _token_model()
        .objects.filter(key=key)
        .annotate(memberships=memberships_subquery(OuterRef("user_id")))
        .values_list("key", "created", *(f"user__{name}" for name in user_fields), "memberships")
    )


_TOKEN_QUERY = PreparedValues(_token_with_memberships)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's ``Token <key>`` authentication, refusing a token past its lifetime. On PostgreSQL
    the token, its user and the user's memberships are one query, compiled once
    (``common.prepared``) and run on every request: nothing about the caller outlives the
    request, so a revoked or expired token, a deactivated user or a changed membership tells on
    the very next one."""

    def authenticate_credentials(self, key):
        if connection.vendor != "postgresql":
            user, token = super().authenticate_credentials(key)
        else:
            user, token = self._read(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(
                _("This token has expired; sign in again (POST /api/v1/auth/token/)."),
                code="token_expired",
            )
        return user, token

    def _read(self, key):
        from django.contrib.auth import get_user_model

        from .visibility import remember_memberships

        row = _TOKEN_QUERY.first(key) if isinstance(key, str) else None
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user_model = get_user_model()
        names = [f.attname for f in user_model._meta.concrete_fields]
        user = user_model.from_db(connection.alias, names, row[2:-1])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_memberships(user, row[-1])
        token = self.get_model()(key=row[0], user_id=user.pk, created=row[1])
        token._state.adding, token._state.db = False, connection.alias
        token.user = user
        return user, token
