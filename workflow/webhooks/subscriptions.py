"""Subscriptions: who manages them, reading them, and the services that change them."""

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, PermissionDenied
from workflow.models import (
    Membership,
    Organisation,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from workflow.selectors import organisations_of
from workflow.webhooks.delivery import enqueue_on_commit, lock_subscription
from workflow.webhooks.targets import url_target_refused

SECRET_PREFIX = "whsec_"  # noqa: S105  (a format marker, not a secret)
URL_MAX_LENGTH = 500
DEFAULT_MAX_SUBSCRIPTIONS = 20
DEFAULT_SECRET_OVERLAP_HOURS = 24


class SubscriptionDisabled(DomainError):
    status_code = 409
    code = "webhook_disabled"
    default_detail = _("The subscription is disabled; re-enable it first.")


class SubscriptionDeleted(DomainError):
    status_code = 409
    code = "webhook_deleted"
    default_detail = _("The subscription was deleted; its log is kept, but nothing is sent.")


class TooManySubscriptions(DomainError):
    status_code = 409
    code = "webhook_limit_reached"
    default_detail = _(
        "The organisation has %(n)d webhook subscriptions, the most it may have; "
        "delete one or subscribe an existing one to more event types."
    )


def max_subscriptions() -> int:
    return int(getattr(settings, "MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS", DEFAULT_MAX_SUBSCRIPTIONS))


def secret_overlap() -> timedelta:
    hours = getattr(settings, "MDPROD_WEBHOOK_SECRET_OVERLAP_HOURS", DEFAULT_SECRET_OVERLAP_HOURS)
    return timedelta(hours=max(0, int(hours)))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# Who manages webhooks: the organisation's admins (a key never does: keys are never admins).


def administered_organisations(user) -> list[Organisation]:
    return organisations_of(user, role=Membership.Role.ORG_ADMIN)


def can_manage_webhooks(user, organisation: Organisation | None = None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if hasattr(user, "_mdprod_api_key"):
        return False
    if user.is_superuser:
        return True
    administered = administered_organisations(user)
    if organisation is None:
        return bool(administered)
    return organisation.pk in {o.pk for o in administered}


# Selectors


def webhook_subscription_list_for(user) -> QuerySet[WebhookSubscription]:
    queryset = WebhookSubscription.objects.filter(deleted_at__isnull=True).select_related(
        "organisation", "created_by"
    )
    if not can_manage_webhooks(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(organisation__in=[o.pk for o in administered_organisations(user)])


def webhook_delivery_list_for(user) -> QuerySet[WebhookDelivery]:
    """The delivery log of the organisations the user administers, deleted subscriptions'
    deliveries included."""
    queryset = WebhookDelivery.objects.select_related("subscription__organisation")
    if not can_manage_webhooks(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(
        subscription__organisation__in=[o.pk for o in administered_organisations(user)]
    )


# Subscriptions


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": _("Give the URL to deliver to.")})
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            {"url": _("Keep the URL under %(n)d characters.") % {"n": URL_MAX_LENGTH}}
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": _("Give an http or https URL.")}) from exc
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises for a port past 65535, which URLValidator lets through
    except ValueError as exc:
        raise ValidationError({"url": _("Give an http or https URL.")}) from exc
    if parts.username or parts.password:
        raise ValidationError(
            {"url": _("Leave credentials out of the URL: verify the signature instead.")}
        )
    if url_target_refused(url):
        raise ValidationError(
            {
                "url": _(
                    "Give a public address: webhooks are not delivered to loopback, private, "
                    "link-local or other internal addresses."
                )
            }
        )
    return url


def clean_event_types(event_types) -> list[str]:
    if isinstance(event_types, str) or not isinstance(event_types, list | tuple | set):
        raise ValidationError({"event_types": _("Give a list of event types.")})
    unknown = sorted({str(t) for t in event_types} - set(WebhookEventType.values))
    if unknown:
        raise ValidationError(
            {"event_types": _("Unknown event type: %(names)s.") % {"names": ", ".join(unknown)}}
        )
    if not event_types:
        raise ValidationError({"event_types": _("Choose at least one event type.")})
    chosen = set(event_types)
    return [value for value in WebhookEventType.values if value in chosen]


@transaction.atomic
def webhook_subscribe(
    *, actor, organisation: Organisation, url: str, event_types
) -> WebhookSubscription:
    """Subscribe the organisation; the returned instance carries ``issued_secret``, once."""
    if not can_manage_webhooks(actor, organisation):
        raise PermissionDenied(_("Only an admin of the organisation can manage its webhooks."))
    url = clean_url(url)
    event_types = clean_event_types(event_types)
    # The organisation row is the lock two admins subscribing at once queue on, so that the
    # count below cannot be passed by both.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    limit = max_subscriptions()
    existing = WebhookSubscription.objects.filter(
        organisation=organisation, deleted_at__isnull=True
    ).count()
    if existing >= limit:
        raise TooManySubscriptions(TooManySubscriptions.default_detail % {"n": limit})
    subscription = WebhookSubscription.objects.create(
        organisation=organisation,
        url=url,
        event_types=event_types,
        secret=new_secret(),
        created_by=actor,
    )
    subscription.issued_secret = subscription.secret
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    actor,
    url: str | None = None,
    event_types=None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change the URL, the event types, or switch it on or off. Re-enabling clears the failure
    count and the reason, and the deliveries still due resume."""
    locked = _lock_for(actor, subscription)
    fields = []
    if url is not None:
        locked.url = clean_url(url)
        fields.append("url")
    if event_types is not None:
        locked.event_types = clean_event_types(event_types)
        fields.append("event_types")
    if is_active is not None and is_active != locked.is_active:
        locked.is_active = is_active
        if is_active:
            locked.consecutive_failures = 0
            locked.disabled_reason = ""
        else:
            locked.disabled_reason = gettext("Disabled by %(user)s.") % {
                "user": actor.get_username()
            }
        fields += ["is_active", "consecutive_failures", "disabled_reason"]
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


def _lock_for(actor, subscription: WebhookSubscription) -> WebhookSubscription:
    locked = lock_subscription(subscription.pk)
    if not can_manage_webhooks(actor, locked.organisation):
        raise PermissionDenied(_("Only an admin of the organisation can manage its webhooks."))
    if locked.deleted_at is not None:
        raise SubscriptionDeleted()
    return locked


@transaction.atomic
def webhook_subscription_delete(
    *, subscription: WebhookSubscription, actor, now: datetime | None = None
) -> WebhookSubscription:
    """Delete the subscription: it leaves the lists, never delivers again and its secrets are
    wiped, but its delivery log stays readable by the organisation's admins. Deliveries still
    due are given up."""
    now = now or timezone.now()
    locked = _lock_for(actor, subscription)
    locked.deleted_at = now
    locked.is_active = False
    locked.secret = ""
    locked.previous_secret = ""
    locked.previous_secret_expires_at = None
    locked.disabled_reason = gettext("Deleted by %(user)s.") % {"user": actor.get_username()}
    locked.save(
        update_fields=[
            "deleted_at",
            "is_active",
            "secret",
            "previous_secret",
            "previous_secret_expires_at",
            "disabled_reason",
            "updated_at",
        ]
    )
    WebhookDelivery.objects.filter(
        subscription=locked,
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
    ).update(status=WebhookDelivery.Status.GIVEN_UP, next_attempt_at=None)
    return locked


@transaction.atomic
def webhook_subscription_rotate_secret(
    *, subscription: WebhookSubscription, actor, now: datetime | None = None
) -> WebhookSubscription:
    """Issue a new signing secret (on the returned instance's ``issued_secret``, once). The
    current one keeps signing beside it for ``MDPROD_WEBHOOK_SECRET_OVERLAP_HOURS``, so that a
    receiver can switch without losing deliveries; a secret still in its overlap from an
    earlier rotation stops signing now."""
    now = now or timezone.now()
    locked = _lock_for(actor, subscription)
    overlap = secret_overlap()
    if overlap:
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + overlap
    else:
        locked.previous_secret = ""
        locked.previous_secret_expires_at = None
    locked.secret = new_secret()
    locked.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    locked.issued_secret = locked.secret
    return locked


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Send the delivery again now (same event id and payload), whatever became of it.

    One more attempt: if a given-up delivery fails again it is given up again; one that was
    still being retried carries on with its schedule.
    """
    locked = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription__organisation")
        .get(pk=delivery.pk)
    )
    subscription = locked.subscription
    if not can_manage_webhooks(actor, subscription.organisation):
        raise PermissionDenied(_("Only an admin of the organisation can manage its webhooks."))
    if subscription.deleted_at is not None:
        raise SubscriptionDeleted()
    if not subscription.is_active:
        raise SubscriptionDisabled()
    locked.status = WebhookDelivery.Status.PENDING
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "next_attempt_at"])
    enqueue_on_commit([locked.pk])
    return locked
