"""Exactly-once webhooks on PostgreSQL: racing workers send a delivery once, racing sweeps record
an overdue deadline once per subscriber."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.concurrency import race
from tests.workflow.test_webhooks import receiver, subscribe  # noqa: F401  (a fixture)
from workflow import webhooks
from workflow.models import Deadline, DeadlineKind, Membership, WebhookDelivery
from workflow.reminders import reminders_sweep
from workflow.services import project_transition

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
