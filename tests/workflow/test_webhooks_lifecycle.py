"""A subscription's secret rotated with an overlap in which both secrets sign, and its delivery
log kept after it is deleted."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workflow.test_webhooks import (  # noqa: F401  (a fixture)
    expected_signature,
    receiver,
    subscribe,
    withdraw,
)
from tests.workflow.test_webhooks_api import admin_b  # noqa: F401  (a fixture)
from workflow import webhooks
from workflow.models import WebhookDelivery, WebhookSubscription
from workflow.services import project_transition

URL = "/api/v1/webhooks/"
DELIVERIES = "/api/v1/webhook-deliveries/"
Status = WebhookDelivery.Status


def example_receiver():
    path = Path(__file__).resolve().parents[2] / "examples" / "webhook_receiver.py"
    spec = importlib.util.spec_from_file_location("webhook_receiver", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Rotating the secret


def test_rotating_returns_the_new_secret_once_and_keeps_the_old_one_signing(world, api):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    client = api(world.admin_a)
    before = timezone.now()

    response = client.post(f"{URL}{subscription.pk}/rotate-secret/")

    assert response.status_code == 200, response.json()
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != subscription.issued_secret
    stored = WebhookSubscription.objects.get()
    assert (stored.secret, stored.previous_secret) == (body["secret"], subscription.issued_secret)
    expires = stored.previous_secret_expires_at
    assert before + timedelta(hours=24) <= expires <= timezone.now() + timedelta(hours=24)
    shown = client.get(f"{URL}{subscription.pk}/").json()
    assert "secret" not in shown
    assert shown["previous_secret_expires_at"] == body["previous_secret_expires_at"]
    assert body["previous_secret_expires_at"] is not None


def test_during_the_overlap_both_secrets_sign_then_only_the_new_one(
    world,
    make_project,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    old = subscribe(world.admin_a, world.studio_a, receiver.url).issued_secret
    rotated = webhooks.webhook_subscription_rotate_secret(
        subscription=WebhookSubscription.objects.get(), actor=world.admin_a
    )
    new = rotated.issued_secret
    example = example_receiver()

    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    headers, body = receiver.requests[0]["headers"], receiver.requests[0]["body"]
    timestamp = headers["Mdprod-Webhook-Timestamp"]

    assert headers["Mdprod-Webhook-Signature"] == ",".join(
        [expected_signature(new, timestamp, body), expected_signature(old, timestamp, body)]
    )
    for secret in (new, old):  # a receiver holding either secret accepts it
        assert (
            example.verify(
                secret,
                timestamp=timestamp,
                signature=headers["Mdprod-Webhook-Signature"],
                body=body,
                now=int(timestamp),
            )
            is None
        )

    # After the overlap: the single-signature format, with the new secret only.
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    later = WebhookDelivery.objects.filter(status=Status.PENDING).get()
    after = rotated.previous_secret_expires_at + timedelta(seconds=1)
    assert webhooks.webhook_delivery_attempt(delivery_id=later.pk, now=after) == "succeeded"
    headers, body = receiver.requests[1]["headers"], receiver.requests[1]["body"]
    assert headers["Mdprod-Webhook-Signature"] == expected_signature(
        new, headers["Mdprod-Webhook-Timestamp"], body
    )


def test_rotating_again_drops_the_oldest_secret(world):
    first = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a").issued_secret
    second = webhooks.webhook_subscription_rotate_secret(
        subscription=WebhookSubscription.objects.get(), actor=world.admin_a
    ).issued_secret
    third = webhooks.webhook_subscription_rotate_secret(
        subscription=WebhookSubscription.objects.get(), actor=world.admin_a
    ).issued_secret

    stored = WebhookSubscription.objects.get()
    assert (stored.secret, stored.previous_secret) == (third, second)
    assert first not in webhooks.signing_secrets(stored, timezone.now())


def test_with_no_overlap_the_old_secret_stops_at_once(world, settings):
    settings.MDPROD_WEBHOOK_SECRET_OVERLAP_HOURS = 0
    subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")

    rotated = webhooks.webhook_subscription_rotate_secret(
        subscription=WebhookSubscription.objects.get(), actor=world.admin_a
    )

    assert webhooks.signing_secrets(rotated, timezone.now()) == [rotated.issued_secret]
    assert rotated.previous_secret_expires_at is None


def test_only_the_organisations_admins_rotate(world, api, admin_b):  # noqa: F811
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    secret = subscription.issued_secret
    path = f"{URL}{subscription.pk}/rotate-secret/"

    assert api(admin_b).post(path).status_code == 404
    assert api(world.producer_a).post(path).status_code == 403
    assert WebhookSubscription.objects.get().secret == secret


def test_the_admin_rotates_and_shows_the_new_secret_once(world, client):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    client.force_login(world.admin_a)

    response = client.post(
        reverse("admin:workflow_webhooksubscription_changelist"),
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    stored = WebhookSubscription.objects.get()
    assert stored.previous_secret == subscription.issued_secret
    page = response.content.decode()
    assert stored.secret in page
    assert stored.previous_secret not in page
    change = reverse("admin:workflow_webhooksubscription_change", args=[stored.pk])
    assert stored.secret not in client.get(change).content.decode()


# Deleting keeps the log


@pytest.fixture
def deleted(world, api, make_project):
    """A subscription with two deliveries (one sent, one still due), deleted over the API."""
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    for _ in range(2):
        project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.order_by("pk").first().pk).update(
        status=Status.SUCCEEDED, attempts=1
    )
    assert api(world.admin_a).delete(f"{URL}{subscription.pk}/").status_code == 204
    return subscription


def test_a_deleted_subscriptions_log_stays_readable_by_its_admins(world, api, deleted):
    client = api(world.admin_a)

    assert client.get(f"{URL}{deleted.pk}/").status_code == 404
    assert client.get(URL).json()["results"] == []
    log = client.get(DELIVERIES, {"subscription": deleted.pk}).json()
    assert log["count"] == 2
    assert {d["url"] for d in log["results"]} == {"https://hooks.example.com/a"}
    # What was still due will never be sent: given up.
    assert sorted(d["status"] for d in log["results"]) == ["given_up", "succeeded"]
    one = log["results"][0]["id"]
    assert client.get(f"{DELIVERIES}{one}/").status_code == 200


def test_nobody_else_reads_a_deleted_subscriptions_log(world, api, deleted, admin_b):  # noqa: F811
    one = WebhookDelivery.objects.first().pk

    assert api(admin_b).get(DELIVERIES).json()["results"] == []
    assert api(admin_b).get(f"{DELIVERIES}{one}/").status_code == 404
    assert api(world.producer_a).get(DELIVERIES).status_code == 403


def test_a_deleted_subscription_never_delivers_again(world, api, make_project, deleted):
    stored = WebhookSubscription.objects.get()
    assert (stored.is_active, stored.secret, stored.deleted_at is not None) == (False, "", True)

    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())

    assert WebhookDelivery.objects.count() == 2  # no new event recorded
    assert webhooks.webhooks_retry_due() == 0
    response = api(world.admin_a).post(
        f"{DELIVERIES}{WebhookDelivery.objects.first().pk}/redeliver/"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "webhook_deleted"
    # And it cannot be switched back on.
    with pytest.raises(webhooks.SubscriptionDeleted):
        webhooks.webhook_subscription_update(
            subscription=stored, actor=world.admin_a, is_active=True
        )


def test_deleting_in_the_admin_keeps_the_log(world, client, make_project):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    client.force_login(world.admin_a)
    delete = reverse("admin:workflow_webhooksubscription_delete", args=[subscription.pk])

    confirm = client.get(delete)
    assert confirm.status_code == 200
    # The confirmation lists no deliveries among what would go: none do.
    assert confirm.context["deleted_objects"] == [str(subscription)]
    assert list(confirm.context["model_count"]) == [("webhook subscriptions", 1)]
    assert client.post(delete, {"post": "yes"}).status_code == 302

    assert (
        client.get(reverse("admin:workflow_webhooksubscription_changelist"))
        .context["cl"]
        .result_count
        == 0
    )
    deliveries = client.get(reverse("admin:workflow_webhookdelivery_changelist"))
    assert [d.pk for d in deliveries.context["cl"].result_list] == [
        WebhookDelivery.objects.get().pk
    ]
    assert "(deleted)" in deliveries.content.decode()
