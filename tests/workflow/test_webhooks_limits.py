"""Webhook limits: deliveries in flight per target."""

from contextlib import contextmanager
from datetime import timedelta

from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

from tests.workflow.test_webhooks import receiver, subscribe, withdraw  # noqa: F401  (a fixture)
from workflow import webhooks
from workflow.models import WebhookDelivery
from workflow.services import project_transition
from workflow.webhooks import slots, targets

Status = WebhookDelivery.Status


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
