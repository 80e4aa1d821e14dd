"""Webhook limits: subscriptions per organisation, and deliveries in flight per target."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from tests.workflow.test_webhooks import receiver, subscribe, withdraw  # noqa: F401  (a fixture)
from tests.workflow.test_webhooks_api import admin_b  # noqa: F401  (a fixture)
from workflow import webhooks
from workflow.models import WebhookDelivery, WebhookSubscription
from workflow.services import project_transition
from workflow.webhooks import slots, targets

URL = "/api/v1/webhooks/"
Status = WebhookDelivery.Status


# Subscriptions per organisation


def test_one_subscription_past_the_cap_is_a_409(world, api, admin_b, settings):  # noqa: F811
    settings.MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS = 2
    client = api(world.admin_a)

    def create(n):
        return client.post(
            URL,
            {"url": f"https://hooks.example.com/{n}", "event_types": ["project.transitioned"]},
            format="json",
        )

    assert [create(n).status_code for n in range(2)] == [201, 201]
    response = create(3)

    assert response.status_code == 409
    assert response.json() == {
        "code": "webhook_limit_reached",
        "detail": "The organisation has 2 webhook subscriptions, the most it may have; delete "
        "one or subscribe an existing one to more event types.",
    }
    assert WebhookSubscription.objects.filter(organisation=world.studio_a).count() == 2
    # Another organisation has a cap of its own,
    assert subscribe(admin_b, world.studio_b, "https://hooks.example.com/b").pk
    # and a deleted subscription no longer counts.
    first = WebhookSubscription.objects.filter(organisation=world.studio_a).first()
    assert client.delete(f"{URL}{first.pk}/").status_code == 204
    assert create(4).status_code == 201


def test_the_cap_defaults_to_twenty(world):
    for n in range(20):
        subscribe(world.admin_a, world.studio_a, f"https://hooks.example.com/{n}")

    with pytest.raises(webhooks.TooManySubscriptions):
        subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/21")


def test_the_admin_form_says_the_cap_is_reached(world, client, settings):
    settings.MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS = 1
    subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/1")
    client.force_login(world.admin_a)

    response = client.post(
        reverse("admin:workflow_webhooksubscription_add"),
        {
            "organisation": world.studio_a.pk,
            "url": "https://hooks.example.com/2",
            "event_types": ["project.transitioned"],
        },
    )

    assert response.status_code == 200
    assert "the most it may have" in response.content.decode()
    assert WebhookSubscription.objects.count() == 1


# Deliveries in flight per target


@contextmanager
def target_full(target: str, n: int):
    """Every one of ``target``'s ``n`` slots taken by someone else (another worker)."""
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                for slot in range(n):
                    cursor.execute(
                        "SELECT pg_advisory_lock(%s)", [slots.advisory_key(target, slot)]
                    )
            yield
        finally:
            other.close()  # ends the session: its locks go with it
    else:
        for slot in range(n):
            cache.set(slots.cache_key(target, slot), "another worker", 60)
        try:
            yield
        finally:
            cache.delete_many([slots.cache_key(target, slot) for slot in range(n)])


def test_a_delivery_to_a_busy_target_waits_without_counting_an_attempt(
    world,
    make_project,
    receiver,  # noqa: F811
    settings,
):
    settings.MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET = 2
    subscription = subscribe(world.admin_a, world.studio_a, receiver.url)
    target = targets.target_of(receiver.url)
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()

    with target_full(target, 2):
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, now=now) is None

    delivery.refresh_from_db()
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.PENDING, 0, "")
    assert delivery.next_attempt_at == now + timedelta(seconds=30)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    # Not due before then; the minute's sweep sends it once it is.
    assert webhooks.webhooks_retry_due(now=now + timedelta(seconds=29)) == 0
    later = now + timedelta(seconds=30)
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, now=later) == "succeeded"
    assert len(receiver.requests) == 1


def test_a_delivery_gives_its_slot_back(
    world,
    make_project,
    receiver,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET = 1
    receiver.status = 500  # a failed attempt gives it back too
    subscribe(world.admin_a, world.studio_a, receiver.url)

    for _ in range(3):
        withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 3
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    with slots.target_slot(targets.target_of(receiver.url)) as slot:
        assert slot == 0


def test_other_targets_are_not_held_up(
    world,
    make_project,
    receiver,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET = 1
    subscribe(world.admin_a, world.studio_a, receiver.url)

    with target_full("hooks.example.com:443", 1):
        withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)

    assert WebhookDelivery.objects.get().status == Status.SUCCEEDED


def test_the_target_is_host_and_port():
    assert targets.target_of("https://Hooks.Example.com/a?b=1") == "hooks.example.com:443"
    assert targets.target_of("http://hooks.example.com/a") == "hooks.example.com:80"
    assert targets.target_of("http://10.0.0.1:8080/") == "10.0.0.1:8080"
    assert targets.target_of("http://[::1]:6379/") == "[::1]:6379"
    assert targets.target_of("http://hooks.example.com:99999/") == "hooks.example.com:99999"
