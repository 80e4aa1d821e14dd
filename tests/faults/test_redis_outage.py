"""Redis (the broker) is stopped for ten seconds while people move projects through the web
process: the transitions commit and answer normally; their in-app notifications and e-mails are
delivered there and then (the web process runs the tasks itself when it cannot queue them), and
their webhooks wait in the outbox until Redis is back and the minute's sweep sends them, each
once."""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.authtoken.models import Token

from tests.faults import mailbox
from tests.faults.support import FAULT, http, send_task, wait_for
from workflow import webhooks
from workflow.models import (
    Notification,
    ProjectTransition,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from workflow.tasks import retry_webhooks

pytestmark = FAULT

OUTAGE_SECONDS = 10
SECRET = "whsec_fault-test"  # noqa: S105 - a test subscription's signing secret


@pytest.fixture
def receiver():
    """A webhook receiver: records each delivery whose signature checks out, answers 204."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            timestamp = int(self.headers[webhooks.HEADER_TIMESTAMP])
            if self.headers[webhooks.HEADER_SIGNATURE] == webhooks.sign(SECRET, timestamp, body):
                received.append(json.loads(body))
                self.send_response(204)
            else:
                self.send_response(401)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_transitions_during_a_redis_outage_commit_and_nothing_is_lost(
    world, make_project, receiver, redis_server, processes, mailbox_path
):
    url, received = receiver
    WebhookSubscription.objects.create(
        organisation=world.studio_a,
        url=url,
        secret=SECRET,
        event_types=[WebhookEventType.PROJECT_TRANSITIONED],
    )
    before = make_project("draft", title="Before")
    projects = [make_project("draft", title=f"Outage {n}") for n in range(3)]
    token = Token.objects.create(user=world.producer_a).key
    _web, base = processes.web("web", redis_server.url)
    worker = processes.worker("worker", redis_server.url)

    def withdraw(project):
        return http(
            "POST", f"{base}/api/v1/projects/{project.pk}/transitions/withdraw/", token=token
        )

    # Before the outage, the web process queues through its broker connection as usual.
    assert withdraw(before)[0] == 200
    wait_for(
        lambda: (
            len(mailbox.read(mailbox_path)) == 1
            and WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SUCCEEDED).exists()
        ),
        "the worker to notify of the first transition",
    )

    redis_server.stop()
    try:
        stopped_at = time.monotonic()
        answers = [withdraw(project) for project in projects]
        # The transitions committed and answered as usual,
        assert [status for status, _headers, _body in answers] == [200] * 3, answers
        assert [body["state"] for _status, _headers, body in answers] == ["withdrawn"] * 3
        entries = list(ProjectTransition.objects.filter(name="withdraw").order_by("pk"))
        assert [e.project_id for e in entries] == [before.pk] + [p.pk for p in projects]
        # the platform's content manager was notified of each, in the app and by e-mail,
        assert sorted(Notification.objects.values_list("recipient_id", "source")) == [
            (world.content_manager.pk, f"transition:{e.pk}") for e in entries
        ]
        assert len(mailbox.read(mailbox_path)) == 4
        # and the webhooks wait in the outbox.
        assert WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count() == 3
        assert len(received) == 1
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
    finally:
        redis_server.start()

    # Redis is back: the minute's sweep (sent here as beat would) has the worker send them.
    send_task(retry_webhooks, redis_server.url)
    wait_for(
        lambda: (
            not WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.SUCCEEDED).exists()
        ),
        "the webhooks after the outage",
    )
    send_task(retry_webhooks, redis_server.url)  # a second sweep finds nothing due
    wait_for(
        lambda: worker.log().count("Task workflow.retry_webhooks[") >= 4,  # received, succeeded
        "the worker to run both sweeps",
    )
    worker.stop()
    assert redis_server.queue_length() == 0

    events = Counter(
        (event["data"]["transition"]["id"], event["type"], event["id"]) for event in received
    )
    assert set(events.values()) == {1}
    assert sorted(transition for transition, *_rest in events) == [e.pk for e in entries]
    assert WebhookDelivery.objects.filter(attempts=1).count() == 4
    emails = Counter((m["to"][0], m["subject"]) for m in mailbox.read(mailbox_path))
    assert set(emails.values()) == {1}
    assert {to for to, _subject in emails} == {world.content_manager.email}
    assert sorted(subject.split(": ")[0].removeprefix("[mdprod] ") for _to, subject in emails) == [
        p.title for p in [before, *projects]
    ]
