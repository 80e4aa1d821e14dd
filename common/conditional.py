"""Optimistic concurrency: ETags on reads, If-Match on edits (412 when stale, 428 for an API key
that sends none)."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import status

from common.errors import DomainError


class PreconditionFailed(DomainError):
    status_code = 412
    code = "precondition_failed"
    default_detail = _(
        "Someone changed this since you read it (If-Match does not match its ETag); "
        "read it again and redo your change."
    )


class PreconditionRequired(DomainError):
    status_code = 428
    code = "precondition_required"
    default_detail = _(
        "API keys must send If-Match with the ETag of the version they change (or “*”)."
    )


def is_key_request(request) -> bool:
    """The request is authenticated by an API key (``request.auth`` is an ``ApiKey``, which says
    so with ``is_api_key``; a person's token does not)."""
    return getattr(getattr(request, "auth", None), "is_api_key", False) is True


def etag_for(value) -> str:
    """A strong ETag: a model row with ``updated_at`` by its version, anything else by content."""
    updated_at = getattr(value, "updated_at", None)
    if isinstance(value, models.Model) and updated_at is not None:
        source = f"{value._meta.label_lower}-{value.pk}-{int(updated_at.timestamp() * 1_000_000)}"
    else:
        source = json.dumps(value, sort_keys=True, cls=DjangoJSONEncoder)
    digest = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
    return f'"{digest}"'


def if_match_satisfied(header: str, current: str) -> bool:
    """RFC 9110 If-Match: ``*`` or a list of entity tags, compared strongly (weak never match)."""
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or current in tags


# ETag on a viewset's detail reads and edits; PUT/PATCH honour If-Match.
#
# The edit's If-Match is compared inside one transaction with the row locked, the same lock the
# edit's service takes first, so two clients holding the same ETag cannot both pass: the second
# waits (or gets ``concurrent_update``) and then sees the new version. A stale If-Match is 412
# and nothing changes; an API key that sends none is 428 (tools must not overwrite blindly);
# people may omit it.
#
# ``conditional_actions`` take If-Match; ``etag_actions`` answer with an ETag. Override
# ``lock_for_edit`` to lock what the service locks first (the project), and ``etag_of`` when
# the representation depends on more than the row's ``updated_at``. (Comments, not a
# docstring: drf-spectacular would show a docstring as every viewset's description.)
class ConditionalUpdateMixin:
    conditional_actions: frozenset[str] = frozenset({"update", "partial_update"})
    etag_actions: frozenset[str] = frozenset({"retrieve", "update", "partial_update"})

    def _is_conditional(self) -> bool:
        return (
            self.request.method in ("PUT", "PATCH")
            and getattr(self, "action", None) in self.conditional_actions
        )

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("PUT", "PATCH"):
            # The precondition check and the service's write share one transaction.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def etag_of(self, instance) -> str:
        return etag_for(instance)

    def lock_for_edit(self, instance):
        """Lock ``instance`` for this transaction and return it read afresh."""
        return type(instance)._default_manager.select_for_update(of=("self",)).get(pk=instance.pk)

    def check_precondition(self, instance):
        """Refuse the edit unless If-Match names the current version; returns the fresh row."""
        header = self.request.headers.get("If-Match")
        if header is None:
            if is_key_request(self.request):
                raise PreconditionRequired()
            return instance
        current = self.lock_for_edit(instance)
        if not if_match_satisfied(header, self.etag_of(current)):
            raise PreconditionFailed()
        return current

    def get_object(self):
        instance = super().get_object()
        if self._is_conditional():
            instance = self.check_precondition(instance)
        return instance

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD", "PUT", "PATCH")
            and getattr(self, "action", None) in self.etag_actions
            and status.is_success(response.status_code)
        ):
            # The answer's serializer holds the instance it shows (the fresh one after an edit).
            serializer = getattr(getattr(response, "data", None), "serializer", None)
            instance = getattr(serializer, "instance", None)
            if instance is not None and not getattr(serializer, "many", False):
                response["ETag"] = self.etag_of(instance)
        return response
