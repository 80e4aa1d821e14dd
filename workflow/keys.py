"""API keys: issuing, revoking and checking them, and the organisation admins' list.

A key acts through a service user (``key-<prefix>``) whose only membership is the key's
organisation and role; everything else (scoping, transition permissions, the audit trail) treats
it like any member. Tokens are ``mdp_<prefix>_<secret>``; only a SHA-256 of the secret is stored:
the secret is 32 random bytes, so a slow password hash would add nothing but latency per request.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied

from .models import ApiKey, ApiKeyScope, Membership, Organisation
from .selectors import organisations_of
from .visibility import memberships_subquery, remember_memberships

TOKEN_PREFIX = "mdp_"  # noqa: S105  (a format marker, not a secret)
PREFIX_LENGTH = 8
NAME_MAX_LENGTH = 100
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)
# Roles a key may take: acting roles only. An organisation admin key could mint more keys, and a
# rater needs a person's function.
KEY_ROLES = frozenset(
    {
        Membership.Role.PRODUCER,
        Membership.Role.CONTENT_MANAGER,
        Membership.Role.REGULATOR_REVIEWER,
    }
)
KEY_ROLE_CHOICES = [(role, label) for role, label in Membership.Role.choices if role in KEY_ROLES]


class KeyRefused(DomainError):
    """The presented key cannot authenticate (the authentication class answers 401)."""

    status_code = 401
    code = "authentication_failed"
    default_detail = _("Invalid API key.")


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_roles_for(organisation: Organisation) -> list[str]:
    """The roles a key of this organisation may take, in the Role choices' order."""
    allowed = Membership.ROLES_BY_KIND[organisation.kind] & KEY_ROLES
    return [role for role in Membership.Role.values if role in allowed]


def administered_organisations(user) -> list[Organisation]:
    return organisations_of(user, role=Membership.Role.ORG_ADMIN)


def can_manage_keys(user, organisation: Organisation | None = None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if hasattr(user, "_mdprod_api_key"):
        return False  # a key never manages keys, whatever its user's memberships
    if user.is_superuser:
        return True
    administered = administered_organisations(user)
    if organisation is None:
        return bool(administered)
    return organisation.pk in {o.pk for o in administered}


# Selectors


def api_key_list_for(user) -> QuerySet[ApiKey]:
    """The keys of the organisations the user administers (every key for a superuser)."""
    queryset = ApiKey.objects.select_related("organisation", "user", "created_by", "revoked_by")
    if not can_manage_keys(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(organisation__in=[o.pk for o in administered_organisations(user)])


# Services


def _clean_scopes(scopes) -> set[str]:
    chosen = set(scopes or ())
    unknown = chosen - set(ApiKeyScope.values)
    if unknown:
        raise ValidationError(
            {"scopes": _("Unknown scope: %(names)s.") % {"names": ", ".join(sorted(unknown))}}
        )
    if not chosen:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    return chosen


def _clean_expiry(expires_at: datetime | None, now: datetime) -> datetime:
    if expires_at is None:
        return now + DEFAULT_LIFETIME
    if timezone.is_naive(expires_at):
        raise ValidationError({"expires_at": _("Give the time with its time zone.")})
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    if expires_at > now + MAX_LIFETIME:
        raise ValidationError({"expires_at": _("A key can be valid for at most one year.")})
    return expires_at


def _clean_role(organisation: Organisation, role: str | None) -> str:
    allowed = key_roles_for(organisation)
    if not role:
        if len(allowed) == 1:
            return allowed[0]
        raise ValidationError({"role": _("Choose the role the key acts in.")})
    if role not in allowed:
        raise ValidationError(
            {
                "role": _("A key of %(organisation)s can take the role: %(roles)s.")
                % {
                    "organisation": organisation.name,
                    "roles": ", ".join(str(Membership.Role(r).label) for r in allowed),
                }
            }
        )
    return role


@transaction.atomic
def api_key_create(
    *,
    actor,
    organisation: Organisation,
    name: str,
    scopes,
    role: str | None = None,
    expires_at: datetime | None = None,
) -> ApiKey:
    """Issue a key for the organisation. The returned instance carries ``token``, once."""
    if not can_manage_keys(actor, organisation):
        raise PermissionDenied(_("Only an admin of the organisation can create its API keys."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name (the tool that uses it).")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("Keep the name under %(n)d characters.") % {"n": NAME_MAX_LENGTH}}
        )
    chosen = _clean_scopes(scopes)
    role = _clean_role(organisation, role)
    now = timezone.now()
    expires_at = _clean_expiry(expires_at, now)

    secret = secrets.token_urlsafe(32)
    for _attempt in range(5):
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    else:  # pragma: no cover  (2**32 prefixes)
        raise IntegrityError("no free API key prefix")
    User = get_user_model()
    user = User(
        username=f"key-{prefix}",
        first_name=name[:150],
        is_active=True,
        is_staff=False,
        is_superuser=False,
    )
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    key = ApiKey.objects.create(
        organisation=organisation,
        user=user,
        name=name,
        role=role,
        prefix=prefix,
        secret_sha256=_sha256(secret),
        scope_read=ApiKeyScope.READ in chosen,
        scope_write=ApiKeyScope.WRITE in chosen,
        scope_transition=ApiKeyScope.TRANSITION in chosen,
        expires_at=expires_at,
        created_by=actor,
    )
    key.token = f"{TOKEN_PREFIX}{prefix}_{secret}"
    return key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor) -> ApiKey:
    """Revoke the key and deactivate its service user. Revoking a revoked key changes nothing."""
    locked = ApiKey.objects.select_for_update().select_related("organisation").get(pk=key.pk)
    if not can_manage_keys(actor, locked.organisation):
        raise PermissionDenied(_("Only an admin of the organisation can revoke its API keys."))
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    # Belt and braces: the service user cannot act even through another credential.
    get_user_model().objects.filter(pk=locked.user_id).update(is_active=False)
    return locked


def api_key_authenticate(token: str) -> ApiKey:
    """The active key the token names, with its user and organisation; KeyRefused otherwise.

    Says "revoked" or "expired" only to a caller who presents the right secret.
    """
    if not token.startswith(TOKEN_PREFIX):
        raise KeyRefused(_("Malformed API key."))
    # The prefix is hex, so the first underscore ends it; the secret may contain more.
    prefix, separator, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if len(prefix) != PREFIX_LENGTH or not separator or not secret:
        raise KeyRefused(_("Malformed API key."))
    # The key, its user and the user's memberships in one query, read on every request.
    keys = ApiKey.objects.select_related("user", "organisation")
    memberships = memberships_subquery(OuterRef("user_id"))
    if memberships is not None:
        keys = keys.annotate(memberships=memberships)
    key = keys.filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_sha256, _sha256(secret)):
        raise KeyRefused()
    if key.is_revoked:
        raise KeyRefused(_("This API key has been revoked."))
    if key.is_expired:
        raise KeyRefused(_("This API key has expired."))
    if not key.user.is_active:
        raise KeyRefused(_("This API key's user is disabled."))
    if memberships is not None:
        remember_memberships(key.user, key.memberships)
    _touch(key)
    return key


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    stale = now - LAST_USED_RESOLUTION
    if key.last_used_at is not None and key.last_used_at >= stale:
        return
    # Conditional: of concurrent requests, one writes; the rest match no row.
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
    ).update(last_used_at=now)
    key.last_used_at = now


class ScopeMissing(DomainError):
    status_code = 403
    code = "scope_missing"
    default_detail = _("This key lacks the scope this request needs.")


def scope_missing(scope: str) -> ScopeMissing:
    return ScopeMissing(_("This key lacks the '%(scope)s' scope.") % {"scope": scope})


def require_transition_scope(actor) -> None:
    """A key without the transition scope moves no project, whatever endpoint or service it
    reaches (the API's scope check covers the endpoints it knows). Services that move a project
    call this before they write anything."""
    key = getattr(actor, "_mdprod_api_key", None)
    if key is not None and not key.scope_transition:
        raise scope_missing(ApiKeyScope.TRANSITION)
