"""API keys for tools: each acts through its own service user with one membership."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.models import Membership, Organisation, TimeStampedModel


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")
    TRANSITION = "transition", _("Transition")


class ApiKey(TimeStampedModel):
    """A tool's credential. Only a SHA-256 of the secret is stored; the token is shown once.

    The key acts as ``user``, a service user whose only membership is (organisation, role), so
    scoping, transition permissions and the audit trail treat it like any member.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("organisation"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_key",
        verbose_name=_("service user"),
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=30, choices=Membership.Role.choices)
    prefix = models.CharField(_("prefix"), max_length=8, unique=True)
    secret_sha256 = models.CharField(_("secret hash"), max_length=64)
    scope_read = models.BooleanField(_("read scope"), default=False)
    scope_write = models.BooleanField(_("write scope"), default=False)
    scope_transition = models.BooleanField(_("transition scope"), default=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    # Set only on the instance that ``keys.api_key_create`` returns: the token, shown once.
    token: str | None = None
    # How request plumbing (``common.conditional``) tells a key's request from a person's.
    is_api_key = True

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="apikey_has_a_scope",
                condition=Q(scope_read=True) | Q(scope_write=True) | Q(scope_transition=True),
            ),
            models.CheckConstraint(
                name="apikey_role_not_admin_or_rater",
                condition=~Q(role__in=["org_admin", "rater"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def scopes(self) -> list[str]:
        return [
            scope
            for scope, held in (
                (ApiKeyScope.READ, self.scope_read),
                (ApiKeyScope.WRITE, self.scope_write),
                (ApiKeyScope.TRANSITION, self.scope_transition),
            )
            if held
        ]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired
