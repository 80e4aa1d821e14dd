"""Webhooks: who receives which event, signing, delivery, retries, disabling, redelivery.

A real HTTP receiver runs in a thread on 127.0.0.1; Celery runs eagerly, so what the task does
after commit happens inside ``django_capture_on_commit_callbacks(execute=True)``.
"""

import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from common.errors import PermissionDenied
from tests.factories import MembershipFactory, UserFactory
from workflow import webhooks
from workflow.models import (
    Deadline,
    DeadlineKind,
    Membership,
    Notification,
    ProjectTransition,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.reminders import reminders_sweep
from workflow.services import project_transition

Status = WebhookDelivery.Status


class Receiver:
    """An HTTP endpoint that records what it gets and answers ``status``."""

    def __init__(self):
        self.status = 200
        self.reason: str | None = None  # the reason phrase; the standard one when None
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status, receiver.reason)
                if 300 <= receiver.status < 400:
                    self.send_header("Location", receiver.url + "elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver(settings):
    # The receiver is on 127.0.0.1, which webhooks refuse unless private targets are allowed.
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def closed_port_url(settings):
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def org_admin(username, organisation):
    user = UserFactory(username=username)
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.ORG_ADMIN)
    return user


def subscribe(actor, organisation, url, event_types=("project.transitioned",)):
    return webhooks.webhook_subscribe(
        actor=actor, organisation=organisation, url=url, event_types=list(event_types)
    )


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The documented algorithm, written out independently of the code under test."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def withdraw(project, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return project_transition(project=project, name="withdraw", actor=actor)


# Subscribing


def test_subscribing_issues_a_secret_shown_once(world):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/x")

    assert subscription.issued_secret.startswith("whsec_")
    assert len(subscription.issued_secret) > 40
    reloaded = WebhookSubscription.objects.get(pk=subscription.pk)
    assert reloaded.issued_secret is None
    assert reloaded.secret == subscription.issued_secret  # kept as is: it signs
    assert reloaded.event_types == ["project.transitioned"]
    assert reloaded.is_active


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/x", "Give an http or https URL."),
        ("javascript:alert(1)", "Give an http or https URL."),
        ("not a url", "Give an http or https URL."),
        ("https://hooks.example.com:99999/x", "Give an http or https URL."),
        ("https://user:pw@hooks.example.com/x", "Leave credentials out of the URL"),
        ("https://hooks.example.com/" + "x" * 500, "Keep the URL under 500 characters."),
        ("", "Give the URL to deliver to."),
    ],
)
def test_only_plain_http_urls_are_accepted(world, url, message):
    with pytest.raises(ValidationError) as caught:
        subscribe(world.admin_a, world.studio_a, url)
    assert message in caught.value.message_dict["url"][0]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("event_types", "message"),
    [
        ([], "Choose at least one event type."),
        (["project.exploded"], "Unknown event type: project.exploded."),
        ("project.transitioned", "Give a list of event types."),
    ],
)
def test_event_types_come_from_the_list(world, event_types, message):
    with pytest.raises(ValidationError) as caught:
        webhooks.webhook_subscribe(
            actor=world.admin_a,
            organisation=world.studio_a,
            url="https://hooks.example.com/x",
            event_types=event_types,
        )
    assert caught.value.message_dict["event_types"] == [message]


def test_only_the_organisations_admins_subscribe_it(world):
    for actor, organisation in [
        (world.producer_a, world.studio_a),
        (world.admin_a, world.studio_b),
        (world.outsider, world.studio_a),
    ]:
        with pytest.raises(PermissionDenied):
            subscribe(actor, organisation, "https://hooks.example.com/x")
    assert not WebhookSubscription.objects.exists()


# Delivering and signing


def test_a_transition_is_delivered_signed_after_commit(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(world.admin_a, world.studio_a, receiver.url)
    project = make_project("draft")

    with django_capture_on_commit_callbacks() as callbacks:
        project_transition(project=project, name="withdraw", actor=world.producer_a, comment="x")
        assert receiver.requests == []  # nothing leaves before commit
    for callback in callbacks:
        callback()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    timestamp = headers["Mdprod-Webhook-Timestamp"]
    assert headers["Mdprod-Webhook-Signature"] == expected_signature(
        subscription.issued_secret, timestamp, body
    )
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    event = json.loads(body)
    delivery = WebhookDelivery.objects.get()
    assert headers["Mdprod-Webhook-Id"] == event["id"] == str(delivery.event_id)
    assert event["type"] == "project.transitioned"
    entry = ProjectTransition.objects.get(project=project)
    assert event["data"] == {
        "project": {"id": project.pk, "title": project.title, "state": "withdrawn"},
        "transition": {
            "id": entry.pk,
            "name": "withdraw",
            "from": "draft",
            "to": "withdrawn",
            "actor": "producer_a",
            "comment": "x",
            "review_round": 0,
        },
    }
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.SUCCEEDED,
        1,
        200,
    )
    assert delivery.delivered_at is not None


@pytest.mark.django_db(transaction=True)  # the delivery is queued when the request commits
def test_a_delivery_names_the_request_that_caused_it(world, make_project, receiver, api):
    subscribe(world.admin_a, world.studio_a, receiver.url)
    project = make_project("draft")

    response = api(world.producer_a).post(
        f"/api/v1/projects/{project.pk}/transitions/withdraw/",
        {"comment": "x"},
        format="json",
        HTTP_X_REQUEST_ID="client-trace-9",
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "client-trace-9"
    assert receiver.requests[0]["headers"]["X-Request-ID"] == "client-trace-9"


def test_a_tampered_body_does_not_match_the_signature(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(world.admin_a, world.studio_a, receiver.url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)

    request = receiver.requests[0]
    timestamp = request["headers"]["Mdprod-Webhook-Timestamp"]
    tampered = request["body"].replace(b"withdrawn", b"released")
    assert request["headers"]["Mdprod-Webhook-Signature"] != expected_signature(
        subscription.issued_secret, timestamp, tampered
    )
    other_secret = expected_signature("whsec_other", timestamp, request["body"])
    assert request["headers"]["Mdprod-Webhook-Signature"] != other_secret


def test_the_example_receiver_accepts_a_real_delivery_and_refuses_a_stale_one(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "webhook_receiver.py"
    spec = importlib.util.spec_from_file_location("webhook_receiver", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    subscription = subscribe(world.admin_a, world.studio_a, receiver.url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    request = receiver.requests[0]
    headers = request["headers"]
    sent = int(headers["Mdprod-Webhook-Timestamp"])

    def check(now, body=request["body"]):
        return example.verify(
            subscription.issued_secret,
            timestamp=headers["Mdprod-Webhook-Timestamp"],
            signature=headers["Mdprod-Webhook-Signature"],
            body=body,
            now=now,
        )

    assert check(sent + 10) is None
    assert check(sent + 301) == "stale timestamp"
    assert check(sent, body=request["body"] + b" ") == "bad signature"


def test_a_rolled_back_transition_sends_nothing(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    subscribe(world.admin_a, world.studio_a, receiver.url)
    project = make_project("draft")

    def request_that_fails_later():
        with transaction.atomic():
            project_transition(project=project, name="withdraw", actor=world.producer_a)
            raise RuntimeError("something later in the same request failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        request_that_fails_later()

    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_a_release_is_also_a_release_event(world, make_project):
    subscribe(
        world.admin_a,
        world.studio_a,
        "https://hooks.example.com/x",
        ["project.transitioned", "project.released"],
    )
    project = make_project("released")
    for name in ("release", "reinstate", "take_down"):
        entry = ProjectTransition.objects.create(
            project=project,
            name=name,
            source_state="cleared",
            target_state="released",
            actor=world.content_manager,
        )
        webhooks.project_transitioned(project=project, entry=entry)

    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == [
        "project.released",
        "project.released",
        "project.transitioned",
        "project.transitioned",
        "project.transitioned",
    ]


def test_only_the_subscribed_event_types_are_delivered(world, make_project):
    subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/x", ["clearance.issued"])
    project = make_project("draft")

    project_transition(project=project, name="withdraw", actor=world.producer_a)

    assert not WebhookDelivery.objects.exists()


# Who hears of what


@pytest.fixture
def everyone(world):
    """An active subscription to every event type for each organisation."""
    subscriptions = {}
    for organisation in [
        world.studio_a,
        world.studio_b,
        world.platform,
        world.other_platform,
        world.nrta,
        world.shanghai,
        world.zhejiang,
    ]:
        admin = org_admin(f"admin_{organisation.pk}", organisation)
        subscriptions[organisation.name] = subscribe(
            admin,
            organisation,
            f"https://hooks.example.com/{organisation.pk}",
            webhooks.EventType.values,
        )
    return subscriptions


def receivers(event_type: str) -> list[str]:
    return sorted(
        WebhookDelivery.objects.filter(event_type=event_type).values_list(
            "subscription__organisation__name", flat=True
        )
    )


def test_a_subscriber_hears_only_of_projects_its_organisation_sees(world, make_project, everyone):
    ordinary = make_project("greenlit", tier="ORDINARY")  # studio_a, shanghai
    project_transition(project=ordinary, name="withdraw", actor=world.producer_a)

    assert receivers("project.transitioned") == ["Platform P", "Shanghai bureau", "Studio A"]


def test_a_key_project_is_heard_by_the_national_administration(world, make_project, everyone):
    key = make_project("greenlit", tier="KEY")
    project_transition(project=key, name="withdraw", actor=world.producer_a)

    assert receivers("project.transitioned") == [
        "National administration",
        "Platform P",
        "Shanghai bureau",
        "Studio A",
    ]


def test_a_draft_is_heard_by_its_producer_only(world, make_project, everyone):
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)

    assert receivers("project.transitioned") == ["Studio A"]


def test_evaluations_and_the_platforms_feedback_stay_between_producer_and_platform(
    world, make_project, everyone
):
    from reviews.models import FeedbackItem
    from reviews.services.feedback import feedback_items_add

    project = make_project("submitted", tier="KEY")

    class Decided:
        pk, round, decision, grade = 7, 1, "greenlight", "A"

    webhooks.evaluation_decided(evaluation=Decided(), project=project)
    feedback_items_add(
        project=project,
        stage=FeedbackItem.Stage.EVALUATION,
        round=1,
        items=[{"text": "Sharpen the hook", "severity": "must_fix", "category": "content"}],
        actor=world.content_manager,
    )

    assert receivers("evaluation.decided") == ["Platform P", "Studio A"]
    assert receivers("feedback_item.added") == ["Platform P", "Studio A"]
    payload = WebhookDelivery.objects.filter(event_type="evaluation.decided").first().payload
    assert payload["data"]["evaluation"] == {
        "id": 7,
        "round": 1,
        "decision": "greenlight",
        "grade": "A",
    }


def test_a_regulators_feedback_reaches_the_routed_regulators(world, make_project, everyone):
    from reviews.models import FeedbackItem
    from reviews.services.feedback import feedback_items_add

    project = make_project("submitted", tier="ORDINARY")
    feedback_items_add(
        project=project,
        stage=FeedbackItem.Stage.PLANNING_FILING,
        round=1,
        items=[{"text": "Tone down episode 3", "severity": "must_fix", "category": "content"}],
        actor=world.shanghai_reviewer,
    )

    assert receivers("feedback_item.added") == ["Platform P", "Shanghai bureau", "Studio A"]


def test_a_review_decision_reaches_its_authority_and_the_project_parties(
    world, make_project, everyone
):
    project = make_project("submitted", tier="ORDINARY")

    class Review:
        pk, kind, round, status, authority_id = 3, "final_review", 1, "approved", world.zhejiang.pk

    # The Zhejiang bureau is not routed this Shanghai project, but it decided the review.
    webhooks.review_decided(review=Review(), project=project)

    assert receivers("review.decided") == [
        "Platform P",
        "Shanghai bureau",
        "Studio A",
        "Zhejiang bureau",
    ]
    payload = WebhookDelivery.objects.filter(event_type="review.decided").first().payload
    assert payload["data"]["project"]["state"] == "submitted"


def test_a_disabled_subscription_hears_nothing(world, make_project, everyone):
    WebhookSubscription.objects.filter(organisation=world.studio_a).update(is_active=False)
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)

    assert receivers("project.transitioned") == []


# Deadlines


def test_an_overdue_deadline_is_announced_once(world, make_project, everyone):
    now = timezone.now()
    project = make_project("submitted")
    overdue = Deadline.objects.create(
        project=project,
        kind=DeadlineKind.EVALUATION,
        due_at=now - timedelta(hours=2),
        responsible_organisation=world.platform,
        responsible_role=Membership.Role.CONTENT_MANAGER,
    )
    Deadline.objects.create(  # not yet due
        project=project,
        kind=DeadlineKind.PLANNING_FILING,
        due_at=now + timedelta(days=2),
        responsible_organisation=world.shanghai,
        responsible_role=Membership.Role.REGULATOR_REVIEWER,
    )

    reminders_sweep(now=now)
    reminders_sweep(now=now + timedelta(minutes=5))
    reminders_sweep(now=now + timedelta(days=1))

    assert receivers("deadline.overdue") == ["Platform P", "Shanghai bureau", "Studio A"]
    payload = WebhookDelivery.objects.filter(event_type="deadline.overdue").first().payload
    assert payload["data"]["deadline"]["id"] == overdue.pk
    assert payload["data"]["deadline"]["kind"] == "evaluation"
    assert len({d.event_id for d in WebhookDelivery.objects.all()}) == 1


# Failures, retries, giving up


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    subscribe(world.admin_a, world.studio_a, receiver.url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.FAILED,
        1,
        500,
    )
    assert delivery.last_error == "HTTP 500 Internal Server Error"

    waits = []
    while delivery.status == Status.FAILED:
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        # Not due yet: nothing is sent, nothing changes.
        too_early = delivery.next_attempt_at - timedelta(seconds=1)
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, now=too_early) is None
        webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)
        delivery.refresh_from_db()

    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.GIVEN_UP,
        6,
        None,
    )
    assert len(receiver.requests) == 6
    assert {r["headers"]["Mdprod-Webhook-Id"] for r in receiver.requests} == {
        str(delivery.event_id)
    }
    assert WebhookSubscription.objects.get().consecutive_failures == 6


def test_the_retry_sweep_sends_what_is_due(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 503
    subscribe(world.admin_a, world.studio_a, receiver.url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    receiver.status = 204

    assert webhooks.webhooks_retry_due(now=delivery.next_attempt_at - timedelta(seconds=1)) == 0
    assert len(receiver.requests) == 1
    # Due: the sweep enqueues it; the (eager) task finds it due by the clock once it is.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.webhooks_retry_due() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.SUCCEEDED,
        2,
        204,
    )
    assert delivery.last_error == ""


def test_a_connection_refused_is_a_failed_attempt(
    world, make_project, closed_port_url, django_capture_on_commit_callbacks
):
    subscribe(world.admin_a, world.studio_a, closed_port_url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert delivery.last_error == "no HTTP response"


def test_a_redirect_is_not_followed(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 302
    subscribe(world.admin_a, world.studio_a, receiver.url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.FAILED, 302)
    assert len(receiver.requests) == 1


def test_a_succeeded_delivery_is_never_sent_again_by_the_task(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    from workflow.tasks import deliver_webhook

    subscribe(world.admin_a, world.studio_a, receiver.url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    assert deliver_webhook(delivery.pk) is None  # a redelivered message
    assert deliver_webhook(delivery.pk + 1000) is None  # a row that is gone
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().attempts == 1


def test_a_broker_outage_leaves_the_event_in_the_outbox(
    world, make_project, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    from workflow.tasks import deliver_webhook

    subscribe(world.admin_a, world.studio_a, receiver.url)

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(deliver_webhook, "delay", broker_down)
    project = withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    assert project.state == "withdrawn"  # the request still succeeded
    assert WebhookDelivery.objects.get().status == Status.PENDING
    monkeypatch.undo()

    assert webhooks.webhooks_retry_due() == 1
    assert WebhookDelivery.objects.get().status == Status.SUCCEEDED
    assert len(receiver.requests) == 1


# Disabling


def test_repeated_failures_disable_the_subscription_and_tell_its_admins(
    world, make_project, receiver, settings, django_capture_on_commit_callbacks
):
    settings.MDPROD_WEBHOOK_DISABLE_AFTER = 3
    second_admin = org_admin("admin_a2", world.studio_a)
    receiver.status = 500
    subscription = subscribe(world.admin_a, world.studio_a, receiver.url)

    for _ in range(3):
        withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.consecutive_failures == 3
    assert subscription.disabled_reason.startswith(
        "Disabled after 3 failed delivery attempts in a row"
    )
    told = Notification.objects.filter(subject__contains="Webhook disabled")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["admin_a", "admin_a2"]
    assert second_admin.notifications.count() == 1

    # Disabled: new events are not recorded, and what is due is not sent.
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 3
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhooks.webhooks_retry_due() == 0
    assert len(receiver.requests) == 3

    # Re-enabled: the count starts again and the deliveries still due resume.
    receiver.status = 200
    webhooks.webhook_subscription_update(
        subscription=subscription, actor=world.admin_a, is_active=True
    )
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (True, 0)
    assert subscription.disabled_reason == ""
    assert webhooks.webhooks_retry_due() == 3
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}


def test_a_success_resets_the_failure_count(
    world, make_project, receiver, settings, django_capture_on_commit_callbacks
):
    settings.MDPROD_WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 500
    subscription = subscribe(world.admin_a, world.studio_a, receiver.url)
    for _ in range(2):
        withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    receiver.status = 200
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    receiver.status = 500
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)

    subscription.refresh_from_db()
    assert subscription.is_active
    assert subscription.consecutive_failures == 1
    assert not Notification.objects.filter(subject__contains="Webhook disabled").exists()


# Redelivery


def test_a_given_up_delivery_can_be_redelivered(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    subscribe(world.admin_a, world.studio_a, receiver.url)
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    WebhookDelivery.objects.update(status=Status.GIVEN_UP, attempts=6, next_attempt_at=None)
    receiver.status = 200

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_delivery_redeliver(
            delivery=WebhookDelivery.objects.get(), actor=world.admin_a
        )

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.SUCCEEDED, 7)
    assert [r["headers"]["Mdprod-Webhook-Id"] for r in receiver.requests] == [
        str(delivery.event_id)
    ] * 2


def test_only_the_organisations_admins_redeliver(world, make_project, receiver):
    subscribe(world.admin_a, world.studio_a, receiver.url)
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    delivery = WebhookDelivery.objects.get()

    with pytest.raises(PermissionDenied):
        webhooks.webhook_delivery_redeliver(delivery=delivery, actor=world.producer_a)
    with pytest.raises(PermissionDenied):
        webhooks.webhook_delivery_redeliver(
            delivery=delivery, actor=org_admin("admin_b", world.studio_b)
        )


def test_a_redelivery_that_fails_again_is_given_up_again(
    world, make_project, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    subscribe(world.admin_a, world.studio_a, receiver.url)
    project_transition(project=make_project("draft"), name="withdraw", actor=world.producer_a)
    WebhookDelivery.objects.update(status=Status.GIVEN_UP, attempts=6, next_attempt_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_delivery_redeliver(
            delivery=WebhookDelivery.objects.get(), actor=world.admin_a
        )

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Status.GIVEN_UP,
        7,
        None,
    )
    assert len(receiver.requests) == 1


def test_a_recorded_clearance_is_announced(world, make_project, everyone):
    from reviews.services.clearances import clearance_record

    project = make_project("final_review", tier="ORDINARY")
    clearance = clearance_record(
        project=project,
        kind="planning_filing",
        number="SH-2024-77",
        issued_by=world.shanghai,
        actor=world.shanghai_reviewer,
    )

    assert receivers("clearance.issued") == ["Platform P", "Shanghai bureau", "Studio A"]
    payload = WebhookDelivery.objects.filter(event_type="clearance.issued").first().payload
    assert payload["type"] == "clearance.issued"
    assert payload["data"]["clearance"] == {
        "id": clearance.pk,
        "kind": "planning_filing",
        "number": "SH-2024-77",
        "issued_by": world.shanghai.pk,
        "expires_on": None,
    }


def test_a_planning_filing_sent_back_is_announced_with_the_new_state(world, make_project, everyone):
    from reviews.models import RegulatoryReview
    from reviews.services.filings import regulatory_review_decide

    project = make_project("draft", planned_budget="450000.00")  # ORDINARY: Shanghai files
    project = project_transition(project=project, name="submit", actor=world.producer_a)
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)
    WebhookDelivery.objects.all().delete()

    regulatory_review_decide(
        review=review,
        actor=world.shanghai_reviewer,
        outcome="request_changes",
        comment="Episode 3",
        items=[{"text": "Tone it down.", "category": "content", "severity": "must_fix"}],
    )

    assert set(WebhookDelivery.objects.values_list("event_type", flat=True)) == {
        "feedback_item.added",
        "project.transitioned",
        "review.decided",
    }
    assert receivers("review.decided") == ["Platform P", "Shanghai bureau", "Studio A"]
    payload = WebhookDelivery.objects.filter(event_type="review.decided").first().payload
    assert payload["data"]["project"]["state"] == "revising"
    assert payload["data"]["review"]["status"] == "changes_requested"
    assert payload["data"]["review"]["authority"] == world.shanghai.pk


def events_in_order(organisation) -> list[str]:
    return list(
        WebhookDelivery.objects.filter(subscription__organisation=organisation)
        .order_by("pk")
        .values_list("event_type", flat=True)
    )


def test_a_finished_cut_approval_is_announced_cause_first(world, make_project, everyone):
    from reviews.models import RegulatoryReview
    from tests.reviews.finals_helpers import decide, registration, to_final_review

    project = to_final_review(world, make_project)
    review = RegulatoryReview.objects.get(project=project, kind="final_review", status="pending")
    WebhookDelivery.objects.all().delete()

    decide(review, world.shanghai_reviewer, clearance_number=registration())

    # The decision, the clearance it issued, then the move it made.
    assert events_in_order(world.studio_a) == [
        "review.decided",
        "clearance.issued",
        "project.transitioned",
    ]
    decided = WebhookDelivery.objects.filter(event_type="review.decided").first().payload
    assert decided["data"]["project"]["state"] == "cleared"
    moved = WebhookDelivery.objects.filter(event_type="project.transitioned").first().payload
    assert moved["data"]["transition"]["name"] == "clear"


def test_a_planning_filing_sent_back_is_announced_before_its_items_and_the_move(
    world, make_project, everyone
):
    from reviews.models import RegulatoryReview
    from reviews.services.filings import regulatory_review_decide

    project = make_project("draft", planned_budget="450000.00")
    project = project_transition(project=project, name="submit", actor=world.producer_a)
    review = RegulatoryReview.objects.get(project=project, authority=world.shanghai)
    WebhookDelivery.objects.all().delete()

    regulatory_review_decide(
        review=review,
        actor=world.shanghai_reviewer,
        outcome="request_changes",
        items=[{"text": "Tone it down.", "category": "content", "severity": "must_fix"}],
    )

    assert events_in_order(world.shanghai) == [
        "review.decided",
        "feedback_item.added",
        "project.transitioned",
    ]
