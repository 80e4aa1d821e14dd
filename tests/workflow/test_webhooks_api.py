"""Webhooks over REST: organisation admins only, scoped, the secret shown once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MembershipFactory, UserFactory
from tests.workflow.test_webhooks import receiver, subscribe  # noqa: F401  (a fixture)
from workflow import webhooks
from workflow.models import Membership, WebhookDelivery, WebhookSubscription
from workflow.services import project_transition

URL = "/api/v1/webhooks/"
DELIVERIES = "/api/v1/webhook-deliveries/"
Status = WebhookDelivery.Status


@pytest.fixture
def admin_b(world):
    user = UserFactory(username="admin_b")
    MembershipFactory(user=user, organisation=world.studio_b, role=Membership.Role.ORG_ADMIN)
    return user


def test_an_admin_subscribes_and_sees_the_secret_once(world, api):
    client = api(world.admin_a)

    response = client.post(
        URL,
        {"url": "https://hooks.example.com/a", "event_types": ["project.transitioned"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert response["Cache-Control"] == "no-store"
    assert body["organisation"]["id"] == world.studio_a.pk
    assert body["event_types"] == ["project.transitioned"]
    assert body["is_active"] is True
    listed = client.get(URL).json()["results"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in client.get(f"{URL}{body['id']}/").json()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"url": "ftp://hooks.example.com/a", "event_types": ["project.transitioned"]},
            "url",
            "Give an http or https URL.",
        ),
        (
            {"url": "https://u:p@hooks.example.com/a", "event_types": ["project.transitioned"]},
            "url",
            "Leave credentials out of the URL: verify the signature instead.",
        ),
        ({"url": "https://hooks.example.com/a", "event_types": []}, "event_types", None),
        ({"url": "https://hooks.example.com/a", "event_types": ["nope"]}, "event_types", None),
        (
            {
                "url": "https://hooks.example.com/a",
                "event_types": ["project.transitioned"],
                "secret": "mine",
            },
            "secret",
            "Unknown field.",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, api, payload, field, message):
    response = api(world.admin_a).post(URL, payload, format="json")

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert field in fields
    if message:
        assert fields[field] == [message]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("who", ["producer_a", "content_manager", "outsider"])
def test_only_organisation_admins_manage_webhooks(world, api, who):
    response = api(getattr(world, who)).post(
        URL, {"url": "https://hooks.example.com/a", "event_types": ["project.transitioned"]}
    )
    assert response.status_code == 403
    assert api(getattr(world, who)).get(URL).status_code == 403


def test_another_organisations_subscription_is_not_found(world, api, admin_b):
    theirs = subscribe(admin_b, world.studio_b, "https://hooks.example.com/b")
    client = api(world.admin_a)

    assert client.get(URL).json()["results"] == []
    for method, path in [
        ("get", f"{URL}{theirs.pk}/"),
        ("patch", f"{URL}{theirs.pk}/"),
        ("delete", f"{URL}{theirs.pk}/"),
        ("get", f"{URL}{theirs.pk}/deliveries/"),
    ]:
        assert getattr(client, method)(path, {}, format="json").status_code == 404
    assert WebhookSubscription.objects.filter(pk=theirs.pk, is_active=True).exists()


def test_an_admin_changes_disables_and_re_enables_a_subscription(world, api):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, consecutive_failures=10, disabled_reason="Disabled after 10 failed"
    )
    client = api(world.admin_a)
    path = f"{URL}{subscription.pk}/"

    response = client.patch(
        path,
        {"url": "https://hooks.example.com/new", "event_types": ["clearance.issued"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["url"] == "https://hooks.example.com/new"
    assert response.json()["is_active"] is False

    response = client.patch(path, {"is_active": True}, format="json")
    assert response.json()["is_active"] is True
    assert response.json()["consecutive_failures"] == 0
    assert response.json()["disabled_reason"] == ""

    assert client.patch(path, {"url": "file:///etc/passwd"}, format="json").status_code == 400
    assert client.patch(path, {"secret": "x"}, format="json").status_code == 400
    assert client.put(path, {}, format="json").status_code == 405
    assert WebhookSubscription.objects.get().url == "https://hooks.example.com/new"

    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404
    assert client.get(URL).json()["results"] == []


def test_the_delivery_log_and_redelivery(
    world,
    api,
    make_project,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    subscription = subscribe(world.admin_a, world.studio_a, receiver.url)
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    delivery = WebhookDelivery.objects.get()
    client = api(world.admin_a)

    log = client.get(f"{URL}{subscription.pk}/deliveries/").json()
    assert log["count"] == 1
    assert log["results"][0]["event_type"] == "project.transitioned"
    assert log["results"][0]["status"] == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{DELIVERIES}{delivery.pk}/redeliver/")

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "pending"  # queued; sent after commit
    sent = client.get(f"{DELIVERIES}{delivery.pk}/").json()
    assert (sent["status"], sent["attempts"]) == ("succeeded", 1)
    assert len(receiver.requests) == 1
    assert client.get(f"{DELIVERIES}{delivery.pk}/").json()["last_status_code"] == 200


def test_redelivery_to_a_disabled_subscription_is_a_conflict(world, api, make_project):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
    delivery = WebhookDelivery.objects.get()

    response = api(world.admin_a).post(f"{DELIVERIES}{delivery.pk}/redeliver/")

    assert response.status_code == 409
    assert response.json()["code"] == "webhook_disabled"
    assert WebhookDelivery.objects.get().status == Status.PENDING


def test_another_organisations_deliveries_are_not_found(world, api, make_project, admin_b):
    subscribe(admin_b, world.studio_b, "https://hooks.example.com/b")
    project = make_project("draft", producer=world.studio_b)
    project_transition(project=project, name="withdraw", actor=world.producer_b)
    theirs = WebhookDelivery.objects.get()
    client = api(world.admin_a)

    assert client.get(DELIVERIES).json()["results"] == []
    assert client.get(f"{DELIVERIES}{theirs.pk}/").status_code == 404
    assert client.post(f"{DELIVERIES}{theirs.pk}/redeliver/").status_code == 404


def test_the_lists_run_a_constant_number_of_queries(world, api, make_project):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")
    client = api(world.admin_a)

    def counts():
        out = []
        for path in (URL, DELIVERIES, f"{URL}{subscription.pk}/deliveries/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            out.append(len(queries))
        return out

    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    few = counts()
    for index in range(5):
        subscribe(world.admin_a, world.studio_a, f"https://hooks.example.com/{index}")
    for _ in range(5):
        project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    assert WebhookDelivery.objects.count() > 10
    assert counts() == few


def test_an_api_key_cannot_manage_webhooks(world, api):
    from workflow import keys

    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name="tool", scopes=["read", "write"]
    )
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")

    assert client.get(URL).status_code == 403
    assert webhooks.webhook_subscription_list_for(key.user).count() == 0
