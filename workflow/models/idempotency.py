"""What an ``Idempotency-Key`` POST answered, kept so that a retry gets the same answer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """One caller's use of one key: in progress while ``status_code`` is empty, then the answer.

    An API key acts through its own service user, so ``user`` tells keys and people apart. An
    answer that carried a secret keeps no body, only the object it created (``created_object``).
    ``expires_at`` is when the row stops counting: the first request's time plus 24 hours once
    answered, a few minutes while in progress (so a crashed request does not hold the key).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    body_sha256 = models.CharField(_("body hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.BinaryField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_object = models.JSONField(_("created object"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
