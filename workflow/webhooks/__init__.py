"""Webhooks: an organisation's subscriptions, the events they receive, and delivering them.

Events are written to the outbox (``WebhookDelivery``, one row per subscriber) inside the
transaction that caused them, and enqueued after it commits: a rolled-back change sends nothing,
and a broker that is down loses nothing (the retry sweep finds the row). A subscriber hears only
of projects its organisation may see (``visibility.organisation_sees_project``), and of
evaluations only as the producer company or the platform.

Each delivery is a POST of the JSON payload, signed with the subscription's secret::

    Mdprod-Webhook-Id: <event id>
    Mdprod-Webhook-Timestamp: <unix seconds>
    Mdprod-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

After a secret rotation, for ``MDPROD_WEBHOOK_SECRET_OVERLAP_HOURS`` (default 24) the previous
secret signs too, and the header lists both, new first, separated by a comma (no spaces)::

    Mdprod-Webhook-Signature: v1=<hex with the new secret>,v1=<hex with the previous secret>

A receiver splits the value on ``,`` and accepts the delivery if any ``v1=`` entry matches the
secret it holds; outside an overlap the header is the single ``v1=<hex>`` as before.

Deliveries go to public addresses only (``targets``: checked when subscribing, and at delivery
on the resolved address that is then connected to; ``MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS``
lifts that for on-premises installs), at most ``MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET`` at a
time to one ``host:port`` (``slots``; one over the cap waits 30 s without counting an attempt).
The log records ``HTTP <code> <standard phrase>`` for an answer and ``no HTTP response`` for
anything else (refused, timed out, unknown host, refused by policy alike); the detail goes to the
server log only. An organisation has at most ``MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS`` (default 20).
A deleted subscription is kept, switched off, without its secrets, so its log stays readable.

2xx is success; anything else (a redirect too: none is followed) is retried after 1 min, 5 min,
30 min, 2 h and 6 h, six attempts in all, then given up. ``MDPROD_WEBHOOK_DISABLE_AFTER``
failed attempts in a row (default 10) disable the subscription and notify the organisation's
admins. Retries are scheduled in the row (``next_attempt_at``) and picked up by the minute's
beat sweep, never by long ETA tasks.
"""

from workflow.webhooks.delivery import (
    BACKOFF,
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_ATTEMPTS,
    NO_RESPONSE,
    TIMEOUT_SECONDS,
    disable_after,
    encode,
    send,
    sign,
    signature_header,
    signing_secrets,
    webhook_delivery_attempt,
    webhooks_retry_due,
)
from workflow.webhooks.events import (
    EventType,
    clearance_issued,
    deadlines_overdue,
    emit,
    evaluation_decided,
    feedback_items_added,
    project_transitioned,
    review_decided,
)
from workflow.webhooks.subscriptions import (
    SECRET_PREFIX,
    URL_MAX_LENGTH,
    SubscriptionDeleted,
    SubscriptionDisabled,
    TooManySubscriptions,
    administered_organisations,
    can_manage_webhooks,
    clean_event_types,
    clean_url,
    webhook_delivery_list_for,
    webhook_delivery_redeliver,
    webhook_subscribe,
    webhook_subscription_delete,
    webhook_subscription_list_for,
    webhook_subscription_rotate_secret,
    webhook_subscription_update,
)

__all__ = [
    "BACKOFF",
    "HEADER_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "MAX_ATTEMPTS",
    "NO_RESPONSE",
    "SECRET_PREFIX",
    "TIMEOUT_SECONDS",
    "URL_MAX_LENGTH",
    "EventType",
    "SubscriptionDeleted",
    "SubscriptionDisabled",
    "TooManySubscriptions",
    "administered_organisations",
    "can_manage_webhooks",
    "clean_event_types",
    "clean_url",
    "clearance_issued",
    "deadlines_overdue",
    "disable_after",
    "emit",
    "encode",
    "evaluation_decided",
    "feedback_items_added",
    "project_transitioned",
    "review_decided",
    "send",
    "sign",
    "signature_header",
    "signing_secrets",
    "webhook_delivery_attempt",
    "webhook_delivery_list_for",
    "webhook_delivery_redeliver",
    "webhook_subscribe",
    "webhook_subscription_delete",
    "webhook_subscription_list_for",
    "webhook_subscription_rotate_secret",
    "webhook_subscription_update",
    "webhooks_retry_due",
]
