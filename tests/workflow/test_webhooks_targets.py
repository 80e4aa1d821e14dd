"""Webhooks cannot probe the inside: internal addresses are refused when subscribing and at
delivery (after resolving, on the address then connected to), and the log does not tell one
kind of failure from another."""

import ipaddress
import logging
import socket
import ssl
import threading

import pytest
from django.urls import reverse

from tests.workflow.test_webhooks import (  # noqa: F401  (fixtures)
    closed_port_url,
    receiver,
    subscribe,
    withdraw,
)
from workflow.models import WebhookDelivery, WebhookSubscription
from workflow.webhooks import delivery as delivery_module
from workflow.webhooks import targets

URL = "/api/v1/webhooks/"
REFUSED = (
    "Give a public address: webhooks are not delivered to loopback, private, link-local or other "
    "internal addresses."
)
Status = WebhookDelivery.Status


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://localhost:6379/",
        "http://[::1]:6379/",
        "http://LocalHost:6379/x",
        "http://api.localhost/x",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.10:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0:8000/",
        "http://224.0.0.1/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "https://[64:ff9b::a00:1]/",
    ],
)
def test_subscribing_an_internal_address_is_a_400_on_url(world, api, url):
    response = api(world.admin_a).post(
        URL, {"url": url, "event_types": ["project.transitioned"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"url": [REFUSED]}
    assert not WebhookSubscription.objects.exists()


def test_changing_the_url_to_an_internal_address_is_a_400(world, api):
    subscription = subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/a")

    response = api(world.admin_a).patch(
        f"{URL}{subscription.pk}/", {"url": "http://127.0.0.1:5432/"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"url": [REFUSED]}
    assert WebhookSubscription.objects.get().url == "https://hooks.example.com/a"


def test_the_admin_form_refuses_an_internal_address(world, client):
    client.force_login(world.admin_a)

    response = client.post(
        reverse("admin:workflow_webhooksubscription_add"),
        {
            "organisation": world.studio_a.pk,
            "url": "http://localhost:6379/",
            "event_types": ["project.transitioned"],
        },
    )

    assert response.status_code == 200
    assert "Give a public address" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_public_addresses_and_names_are_accepted(world, api):
    client = api(world.admin_a)
    for url in ("https://hooks.example.com/a", "http://93.184.216.34/a", "https://[2606:4700::1]/"):
        response = client.post(
            URL, {"url": url, "event_types": ["project.transitioned"]}, format="json"
        )
        assert response.status_code == 201, (url, response.json())


def test_an_on_premises_install_may_allow_private_targets(world, api, settings):
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True

    response = api(world.admin_a).post(
        URL, {"url": "http://127.0.0.1:5432/", "event_types": ["project.transitioned"]}
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("address", "refused", "refused_when_private_allowed"),
    [
        ("8.8.8.8", False, False),
        ("2606:4700::1", False, False),
        ("::ffff:8.8.8.8", False, False),
        ("127.0.0.1", True, False),
        ("::1", True, False),
        ("10.0.0.1", True, False),
        ("192.168.0.1", True, False),
        ("172.31.255.255", True, False),
        ("169.254.169.254", True, False),
        ("100.64.0.1", True, False),
        ("192.0.2.1", True, False),  # documentation
        ("240.0.0.1", True, False),  # reserved
        ("fc00::1", True, False),
        ("fe80::1", True, False),
        ("::ffff:10.0.0.1", True, False),
        ("64:ff9b::7f00:1", True, False),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", True, False),  # 6to4 of 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True, False),  # Teredo
        ("0.0.0.0", True, True),  # noqa: S104 - an address to refuse, not to bind
        ("::", True, True),
        ("224.0.0.1", True, True),
        ("ff02::1", True, True),
    ],
)
def test_which_addresses_are_refused(address, refused, refused_when_private_allowed):
    ip = ipaddress.ip_address(address)
    assert targets.address_refused(ip, private_allowed=False) is refused
    assert targets.address_refused(ip, private_allowed=True) is refused_when_private_allowed


# At delivery


def fake_dns(monkeypatch, answers: dict[str, list[str]]):
    """``socket.getaddrinfo`` answering the given names (and counting the lookups)."""
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        out = []
        for address in answers[host]:
            if ":" in address:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return out

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def no_connections(monkeypatch):
    """Record (and refuse) every outgoing connection attempt."""
    attempts = []

    def connect(self, address):
        attempts.append(address)
        raise ConnectionRefusedError("not in tests")

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def deliver(world, make_project, django_capture_on_commit_callbacks) -> WebhookDelivery:
    withdraw(make_project("draft"), world.producer_a, django_capture_on_commit_callbacks)
    return WebhookDelivery.objects.get()


def test_a_subscription_to_an_internal_address_made_earlier_is_refused_at_delivery(
    world,
    make_project,
    receiver,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    WebhookSubscription.objects.create(
        organisation=world.studio_a,
        url=receiver.url,  # http://127.0.0.1:<port>/, as before the check existed
        secret="whsec_x",
        event_types=["project.transitioned"],
    )

    delivery = deliver(world, make_project, django_capture_on_commit_callbacks)

    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.FAILED,
        1,
        None,
    )
    assert delivery.last_error == "no HTTP response"


def test_a_public_name_that_resolves_inside_is_refused_and_nothing_connects(
    world,
    make_project,
    receiver,  # noqa: F811
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    port = receiver.server.server_address[1]
    subscribe(world.admin_a, world.studio_a, f"http://hooks.example.com:{port}/x")
    fake_dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})

    delivery = deliver(world, make_project, django_capture_on_commit_callbacks)

    assert receiver.requests == []  # the receiver on 127.0.0.1:<port> heard nothing
    assert (delivery.status, delivery.last_error) == (Status.FAILED, "no HTTP response")


def test_every_resolved_address_is_checked(
    world, make_project, settings, monkeypatch, django_capture_on_commit_callbacks
):
    subscribe(world.admin_a, world.studio_a, "https://hooks.example.com/x")
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.216.34", "10.0.0.7"]})
    connections = no_connections(monkeypatch)

    delivery = deliver(world, make_project, django_capture_on_commit_callbacks)

    assert connections == []  # not even to the public one
    assert delivery.last_error == "no HTTP response"


def test_the_checked_address_is_the_one_connected_to_after_a_single_lookup(
    world,
    make_project,
    receiver,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    # Private targets allowed (the receiver fixture): a name resolving to 127.0.0.1 is fine.
    port = receiver.server.server_address[1]
    subscribe(world.admin_a, world.studio_a, f"http://hooks.example.com:{port}/x?a=1")
    lookups = fake_dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})

    delivery = deliver(world, make_project, django_capture_on_commit_callbacks)

    assert delivery.status == Status.SUCCEEDED
    assert lookups == ["hooks.example.com"]  # one lookup: a second answer cannot swap it
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.example.com:{port}"


def test_https_checks_the_certificate_against_the_host_name(receiver):  # noqa: F811
    port = receiver.server.server_address[1]
    wrapped = {}

    class Context(ssl.SSLContext):
        def wrap_socket(self, sock, server_hostname):
            wrapped["server_hostname"] = server_hostname
            wrapped["peer"] = sock.getpeername()
            return sock

    connection = targets.PinnedHTTPSConnection(
        "hooks.example.com",
        port,
        addresses=[targets.Resolved(socket.AF_INET, ("127.0.0.1", port))],
        timeout=5,
        context=Context(ssl.PROTOCOL_TLS_CLIENT),
    )
    connection.connect()
    connection.close()

    assert wrapped == {"server_hostname": "hooks.example.com", "peer": ("127.0.0.1", port)}


# What the log says


@pytest.fixture
def silent_port(settings):
    """A port that accepts connections and never answers."""
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


@pytest.fixture
def garbage_port(settings):
    """A port whose service answers something that is not HTTP (as a database or cache would)."""
    settings.MDPROD_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve():
        while True:
            try:
                peer, _address = server.accept()
            except OSError:
                return
            peer.settimeout(0.2)
            try:
                while peer.recv(65536):  # the whole request, so that the client reads the answer
                    pass
            except TimeoutError:
                pass
            peer.sendall(b"-ERR unknown command 'POST'\r\n")
            peer.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    server.close()


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("closed port", "ConnectionRefusedError"),
        ("silent port", "timed out"),
        ("not HTTP", "BadStatusLine"),
        ("unknown host", "does not resolve"),
        ("internal address", "not a public address"),
    ],
)
def test_failures_read_the_same_in_the_log_and_in_detail_in_the_server_log(
    world,
    make_project,
    request,
    settings,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
    case,
    detail,
):
    monkeypatch.setattr(delivery_module, "TIMEOUT_SECONDS", 0.5)
    url = {
        "closed port": lambda: request.getfixturevalue("closed_port_url"),
        "silent port": lambda: request.getfixturevalue("silent_port"),
        "not HTTP": lambda: request.getfixturevalue("garbage_port"),
        "unknown host": lambda: "https://nowhere.example.com/x",
        "internal address": lambda: "https://inside.example.com/x",
    }[case]()
    if "example.com" in url:  # names: private targets not allowed, DNS faked
        fake_dns(monkeypatch, {"inside.example.com": ["10.0.0.7"]})
    subscribe(world.admin_a, world.studio_a, url)

    with caplog.at_level(logging.WARNING, logger="workflow.webhooks.delivery"):
        delivery = deliver(world, make_project, django_capture_on_commit_callbacks)

    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        Status.FAILED,
        None,
        "no HTTP response",
    )
    assert detail in caplog.text  # the operator still sees why


def test_an_http_answer_is_logged_with_its_standard_phrase_not_the_receivers(
    world,
    make_project,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    receiver.status = 503
    receiver.reason = "Backend 10.0.0.5:6379 unreachable"

    subscribe(world.admin_a, world.studio_a, receiver.url)
    delivery = deliver(world, make_project, django_capture_on_commit_callbacks)

    assert (delivery.last_status_code, delivery.last_error) == (503, "HTTP 503 Service Unavailable")
