"""Webhooks on PostgreSQL: racing workers send a delivery once, racing sweeps record an overdue
deadline once per subscriber, racing admins stay under the subscription cap, and racing workers
stay under the per-target cap."""

import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

import pytest
from django.utils import timezone

from tests.concurrency import race
from tests.workflow.test_webhooks import receiver, subscribe  # noqa: F401  (a fixture)
from workflow import webhooks
from workflow.models import (
    Deadline,
    DeadlineKind,
    Membership,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.reminders import reminders_sweep
from workflow.services import project_transition
from workflow.webhooks import delivery as webhooks_delivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_workers_send_a_delivery_once(world, make_project, receiver):  # noqa: F811
    subscribe(world.admin_a, world.studio_a, receiver.url)
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    # Committed for real here, so the (eager) task has sent it already: make it due again.
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    receiver.requests.clear()

    results = race(
        worker=lambda: webhooks.webhook_delivery_attempt(delivery_id=delivery.pk), threads=8
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results, key=str) == [None] * 7 + ["succeeded"]
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().attempts == 1


def test_racing_sweeps_record_an_overdue_deadline_once_per_subscriber(
    world, make_project, settings
):
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    subscribe(world.admin_a, world.studio_a, "http://127.0.0.1:9/", ["deadline.overdue"])
    now = timezone.now()
    for hours in (1, 5, 30):
        Deadline.objects.create(
            project=make_project("submitted"),
            kind=DeadlineKind.EVALUATION,
            due_at=now - timedelta(hours=hours),
            responsible_organisation=world.platform,
            responsible_role=Membership.Role.CONTENT_MANAGER,
        )

    results = race(worker=lambda: reminders_sweep(now=now), threads=6)

    assert not [r for r in results if isinstance(r, Exception)], results
    keys = Counter(WebhookDelivery.objects.values_list("subscription_id", "event_id"))
    assert len(keys) == 3
    assert set(keys.values()) == {1}


def test_racing_admins_cannot_pass_the_subscription_cap(world, settings):
    settings.MDPROD_WEBHOOK_MAX_SUBSCRIPTIONS = 3

    results = race(
        worker=lambda index: subscribe(
            world.admin_a, world.studio_a, f"https://hooks.example.com/{index}"
        ),
        threads=8,
        indexed=True,
    )

    refused = [r for r in results if isinstance(r, webhooks.TooManySubscriptions)]
    assert len(refused) == 5, results
    assert WebhookSubscription.objects.filter(organisation=world.studio_a).count() == 3


class SlowReceiver:
    """Answers 204 after ``seconds``; counts the requests in flight at once."""

    def __init__(self, seconds: float):
        self.in_flight = 0
        self.most_in_flight = 0
        self.received = 0
        lock = threading.Lock()
        slow = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    slow.in_flight += 1
                    slow.received += 1
                    slow.most_in_flight = max(slow.most_in_flight, slow.in_flight)
                time.sleep(seconds)
                with lock:
                    slow.in_flight -= 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_workers_deliver_at_most_the_cap_to_one_target_at_once(world, make_project, settings):
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET = 2
    slow = SlowReceiver(seconds=1.5)
    try:
        subscribe(world.admin_a, world.studio_a, slow.url)
        with patch.object(webhooks_delivery, "enqueue"):  # the workers below send them
            for _ in range(5):
                project_transition(
                    project=make_project("draft"), name="withdraw", actor=world.producer_a
                )
        ids = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))

        results = race(
            worker=lambda index: webhooks.webhook_delivery_attempt(delivery_id=ids[index]),
            threads=5,
            indexed=True,
        )
    finally:
        slow.server.shutdown()
        slow.server.server_close()

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results, key=str) == [None] * 3 + ["succeeded"] * 2
    assert (slow.received, slow.most_in_flight) == (2, 2)
    waiting = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
    assert sorted(waiting.values_list("attempts", flat=True)) == [0, 0, 0]
