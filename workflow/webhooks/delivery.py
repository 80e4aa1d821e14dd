"""Signing and sending deliveries, recording the outcome, retrying, disabling."""

import hashlib
import hmac
import http
import http.client
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from common import request_id
from workflow import notifications
from workflow.models import (
    Membership,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.webhooks import slots, targets

logger = logging.getLogger(__name__)

HEADER_ID = "Mdprod-Webhook-Id"
HEADER_TIMESTAMP = "Mdprod-Webhook-Timestamp"
HEADER_SIGNATURE = "Mdprod-Webhook-Signature"
SIGNATURE_VERSION = "v1"
TIMEOUT_SECONDS = 10
# Wait after the 1st, 2nd, ... failed attempt; after the last one the delivery is given up.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
DEFAULT_DISABLE_AFTER = 10
ERROR_MAX_LENGTH = 500
RETRY_BATCH = 500
USER_AGENT = "mdprod-webhooks/1"
# A delivery whose target is at its concurrency cap waits this long (no attempt counted).
BUSY_RETRY = timedelta(seconds=30)
# What the delivery log says when no HTTP answer came back, whatever the reason: refused, reset,
# timed out, no such host, TLS failure, an address mdprod does not deliver to. Telling these
# apart would let a subscriber map a network through the log (which ports are open, which hosts
# exist); the worker's log has the detail.
NO_RESPONSE = "no HTTP response"


def disable_after() -> int:
    return max(1, int(getattr(settings, "MDPROD_WEBHOOK_DISABLE_AFTER", DEFAULT_DISABLE_AFTER)))


def lock_subscription(subscription_id: int) -> WebhookSubscription:
    return (
        WebhookSubscription.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=subscription_id)
    )


def enqueue_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: Iterable[int]) -> None:
    from workflow.tasks import deliver_webhook

    for pk in ids:
        try:
            deliver_webhook.delay(pk)
        except Exception:  # noqa: BLE001 - the broker is down: the rows are in the outbox
            break  # and the minute's sweep enqueues them; trying each would only add waits


# Signing and sending


def encode(payload: dict) -> bytes:
    """The exact bytes sent, and signed."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """One signature: ``v1=`` + hex HMAC-SHA256 over ``<timestamp>.<body>``."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The current secret, then the previous one while its overlap after a rotation lasts."""
    found = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and now < expires:
        found.append(subscription.previous_secret)
    return found


def signature_header(keys: list[str], timestamp: int, body: bytes) -> str:
    """``v1=<hex>``, or ``v1=<new>,v1=<old>`` while a rotated secret still signs."""
    return ",".join(sign(key, timestamp, body) for key in keys)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


def http_error(code: int) -> str:
    """``HTTP 503 Service Unavailable``: the code and its standard phrase (not the receiver's)."""
    try:
        return f"HTTP {code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _post(url: str, *, body: bytes, headers: dict[str, str], delivery_id: int | None) -> Outcome:
    """POST once, to an address checked as allowed (``targets``); redirects are not followed."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = None
    try:
        connection = targets.open_connection(url, timeout=TIMEOUT_SECONDS)
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        code = response.status
        response.close()
    except (targets.TargetRefused, OSError, http.client.HTTPException, ValueError) as exc:
        logger.warning(
            "Webhook delivery %s to %s: no HTTP response (%s: %s)",
            delivery_id,
            targets.target_of(url),
            type(exc).__name__,
            exc,
        )
        return Outcome(False, error=NO_RESPONSE)
    finally:
        if connection is not None:
            connection.close()
    if 200 <= code < 300:
        return Outcome(True, code)
    return Outcome(False, code, http_error(code))


def send(
    subscription: WebhookSubscription, delivery: WebhookDelivery, *, now: datetime | None = None
) -> Outcome:
    body = encode(delivery.payload)
    sent_at = timezone.now()
    timestamp = int(sent_at.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        HEADER_ID: str(delivery.event_id),
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signature_header(
            signing_secrets(subscription, now or sent_at), timestamp, body
        ),
    }
    if rid := request_id.current():  # the request (or sweep) that caused this attempt
        headers[request_id.HEADER] = rid
    return _post(subscription.url, body=body, headers=headers, delivery_id=delivery.pk)


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Send the delivery if it is due; record the outcome. Returns the new status, or None when
    there was nothing to do (gone, already sent, not due yet, being sent by another worker, or
    its subscription disabled).

    The row stays locked while the request runs (at most ``TIMEOUT_SECONDS``), so two workers
    never send the same delivery at once. A delivery whose target already has its
    ``MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET`` requests in flight is not attempted: it is due
    again in ``BUSY_RETRY`` (the minute's sweep picks it up), with no attempt counted.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(
                pk=delivery_id,
                status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if delivery is None or not delivery.subscription.is_active:
            return None
        try:
            with slots.target_slot(targets.target_of(delivery.subscription.url)):
                outcome = send(delivery.subscription, delivery, now=now)
        except slots.TargetBusy:
            delivery.next_attempt_at = now + BUSY_RETRY
            delivery.save(update_fields=["next_attempt_at"])
            return None
        _record(delivery, outcome, now)
    return delivery.status


def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:ERROR_MAX_LENGTH]
    if outcome.ok:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.GIVEN_UP
        delivery.next_attempt_at = None
    else:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    if outcome.ok:
        WebhookSubscription.objects.filter(
            pk=delivery.subscription_id, consecutive_failures__gt=0
        ).update(consecutive_failures=0)
        return
    subscription = lock_subscription(delivery.subscription_id)
    subscription.consecutive_failures += 1
    fields = ["consecutive_failures"]
    limit = disable_after()
    if subscription.is_active and subscription.consecutive_failures >= limit:
        subscription.is_active = False
        subscription.disabled_reason = gettext(
            "Disabled after %(n)d failed delivery attempts in a row; last: %(error)s"
        ) % {"n": subscription.consecutive_failures, "error": delivery.last_error[:150]}
        fields += ["is_active", "disabled_reason"]
        _notify_disabled(subscription, now)
    subscription.save(update_fields=[*fields, "updated_at"])


def _notify_disabled(subscription: WebhookSubscription, now: datetime) -> None:
    admins = (
        Membership.objects.filter(
            organisation_id=subscription.organisation_id,
            role=Membership.Role.ORG_ADMIN,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )
    values = {"url": subscription.url, "reason": subscription.disabled_reason}
    notifications.notify(
        recipients=sorted({m.user for m in admins}, key=lambda user: user.pk),
        subject=gettext("[mdprod] Webhook disabled: %(url)s") % values,
        body=gettext(
            "Deliveries to %(url)s kept failing, so the subscription was disabled. %(reason)s\n\n"
            "Fix the receiver, then re-enable the subscription; the deliveries still due resume."
        )
        % values,
        source=f"webhook-disabled:{subscription.pk}:{int(now.timestamp())}",
    )


def webhooks_retry_due(*, now: datetime | None = None) -> int:
    """Beat, every minute: enqueue the deliveries whose attempt is due (retries, and first
    attempts whose enqueue after commit was lost). Returns how many were enqueued."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
            next_attempt_at__lte=now,
            subscription__is_active=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    enqueue(due)
    return len(due)
