"""The quick companion of test_redis_outage.py, in every run (SQLite too, no subprocess): with
the broker unreachable, a transition still commits and answers 200, the web process notifies
in its place (in the app and by e-mail), and the webhook waits in the outbox for the sweep."""

import pytest
from django.core import mail
from kombu.exceptions import OperationalError as BrokerUnreachable

from mdprod.celery import app as celery_app
from workflow.models import (
    Notification,
    ProjectTransition,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)


@pytest.fixture
def broker_unreachable(monkeypatch):
    """Every publish fails as it does with the broker down (kombu's OperationalError after its
    connection retries); test_redis_outage.py stops a real Redis."""
    sent = []

    def refuse(*args, **kwargs):
        sent.append(args)
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(celery_app.amqp, "send_task_message", refuse)
    return sent


def test_a_transition_with_the_broker_down_commits_and_notifies_here(
    world, make_project, api, broker_unreachable, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(
        organisation=world.studio_a,
        url="http://127.0.0.1:9/hook",
        secret="whsec_unreachable",  # noqa: S106 - a test subscription's signing secret
        event_types=[WebhookEventType.PROJECT_TRANSITIONED],
    )
    project = make_project("draft")

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.producer_a).post(
            f"/api/v1/projects/{project.pk}/transitions/withdraw/", {}, format="json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn"
    entry = ProjectTransition.objects.get(project=project)
    notification = Notification.objects.get(source=f"transition:{entry.pk}")
    assert notification.recipient == world.content_manager
    assert [m.to for m in mail.outbox] == [[world.content_manager.email]]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.PENDING, 0)
    # One try for the notification, one for its e-mail, one for the webhooks: no more waits.
    assert len(broker_unreachable) == 3
