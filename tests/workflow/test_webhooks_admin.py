"""Webhooks in the admin: scoped to the organisations one administers; the secret shown once;
redelivery from the delivery log."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory
from tests.workflow.test_webhooks import receiver, subscribe  # noqa: F401  (a fixture)
from workflow.models import Membership, WebhookDelivery, WebhookSubscription
from workflow.services import project_transition

SUBSCRIPTIONS = reverse("admin:workflow_webhooksubscription_changelist")
ADD = reverse("admin:workflow_webhooksubscription_add")
DELIVERIES = reverse("admin:workflow_webhookdelivery_changelist")


@pytest.fixture
def admin_b(world):
    user = UserFactory(username="admin_b")
    MembershipFactory(user=user, organisation=world.studio_b, role=Membership.Role.ORG_ADMIN)
    return user


def test_subscribing_shows_the_secret_once(world, client):
    client.force_login(world.admin_a)

    response = client.post(
        ADD,
        {
            "organisation": world.studio_a.pk,
            "url": "https://hooks.example.com/a",
            "event_types": ["project.transitioned", "review.decided"],
        },
    )

    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in response.content.decode()
    assert subscription.event_types == ["project.transitioned", "review.decided"]
    change = reverse("admin:workflow_webhooksubscription_change", args=[subscription.pk])
    assert subscription.secret not in client.get(change).content.decode()


def test_a_bad_url_is_a_form_error(world, client):
    client.force_login(world.admin_a)

    response = client.post(
        ADD,
        {
            "organisation": world.studio_a.pk,
            "url": "ftp://hooks.example.com/a",
            "event_types": ["project.transitioned"],
        },
    )

    assert response.status_code == 200
    assert "Give an http or https URL." in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_another_organisations_subscriptions_are_not_found(world, client, admin_b):
    mine = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    theirs = subscribe(admin_b, world.studio_b, "https://hooks.example.com/b")
    client.force_login(world.admin_a)

    response = client.get(SUBSCRIPTIONS)

    assert [s.pk for s in response.context["cl"].result_list] == [mine.pk]
    change = reverse("admin:workflow_webhooksubscription_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    # A producer is not an admin: no webhooks at all.
    client.force_login(world.producer_a)
    assert client.get(SUBSCRIPTIONS).status_code == 403


def test_editing_goes_through_the_service(world, client):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, consecutive_failures=10, disabled_reason="Disabled after 10"
    )
    client.force_login(world.admin_a)
    change = reverse("admin:workflow_webhooksubscription_change", args=[subscription.pk])

    refused = client.post(
        change, {"url": "https://u:p@hooks.example.com/", "event_types": ["clearance.issued"]}
    )
    assert refused.status_code == 200
    assert "Leave credentials out of the URL" in refused.content.decode()

    response = client.post(
        change,
        {
            "url": "https://hooks.example.com/new",
            "event_types": ["clearance.issued"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.url == "https://hooks.example.com/new"
    assert subscription.event_types == ["clearance.issued"]
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)


def test_the_redeliver_action(
    world,
    client,
    make_project,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    subscribe(world.admin_a, world.studio_a, receiver.url)
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    WebhookDelivery.objects.update(status=WebhookDelivery.Status.GIVEN_UP, attempts=6)
    client.force_login(world.admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            DELIVERIES,
            {
                "action": "redeliver",
                "_selected_action": [WebhookDelivery.objects.get().pk],
            },
        )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 delivery queued again."]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.SUCCEEDED, 7)
    assert len(receiver.requests) == 1


def test_the_redeliver_action_reports_a_disabled_subscription(world, client, make_project):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
    client.force_login(world.admin_a)

    response = client.post(
        DELIVERIES,
        {"action": "redeliver", "_selected_action": [WebhookDelivery.objects.get().pk]},
    )

    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "re-enable it first" in texts[0]
    assert texts[-1] == "0 deliveries queued again."
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING


def test_the_changelists_run_a_constant_number_of_queries(world, client, make_project):
    client.force_login(world.admin_a)
    subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)

    def counts():
        out = []
        for path in (SUBSCRIPTIONS, DELIVERIES):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            out.append(len(queries))
        return out

    few = counts()
    for index in range(5):
        subscribe(world.admin_a, world.studio_a, f"https://hooks.example.com/{index}")
    for _ in range(4):
        project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    assert WebhookDelivery.objects.count() > 10
    assert counts() == few
