"""Every answer carries an X-Request-ID, the caller's when it sent a usable one, and every log
line written for the request names it."""

import io
import json
import logging
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from common import request_id
from mdprod.celery import REQUEST_ID_HEADER, _send_request_id

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/projects/", 401),  # the API's own error
        ("/api/v1/no-such-endpoint/", 404),  # Django's, re-said as JSON
        ("/admin/login/", 200),  # the web UI
        ("/admin/", 302),  # a redirect to sign in
    ],
)
def test_every_answer_carries_a_generated_id(db, anonymous, path, status):
    response = anonymous.get(path)

    assert response.status_code == status
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_two_requests_get_two_ids(db, anonymous):
    first = anonymous.get("/api/v1/projects/")["X-Request-ID"]
    second = anonymous.get("/api/v1/projects/")["X-Request-ID"]

    assert first != second


def test_the_callers_id_is_kept(world, api):
    response = api(world.producer_a).get("/api/v1/me/", HTTP_X_REQUEST_ID="proxy-7f3a.2026:abc/1")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-7f3a.2026:abc/1"


@pytest.mark.parametrize(
    "sent",
    ["a" * 129, "two words", "id\twith-tab", "<script>", "caf\u00e9", ""],
    ids=["too-long", "space", "tab", "markup", "non-ascii", "empty"],
)
def test_an_unusable_id_is_replaced_not_echoed(db, anonymous, sent):
    response = anonymous.get("/api/v1/projects/", HTTP_X_REQUEST_ID=sent)

    assert response.status_code == 401
    assert GENERATED.fullmatch(response["X-Request-ID"])


def test_the_longest_accepted_id_is_kept(db, anonymous):
    sent = "b" * 128

    response = anonymous.get("/api/v1/projects/", HTTP_X_REQUEST_ID=sent)

    assert response["X-Request-ID"] == sent


def test_a_refused_body_carries_the_id(db, anonymous):
    body = json.dumps({"username": "a" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    too_large = anonymous.post(
        "/api/v1/auth/token/", body, content_type="application/json", HTTP_X_REQUEST_ID="big-1"
    )
    nested = anonymous.post(
        "/api/v1/auth/token/",
        '{"username": ' + "[" * 100 + "]" * 100 + "}",
        content_type="application/json",
        HTTP_X_REQUEST_ID="deep-1",
    )

    assert (too_large.status_code, too_large["X-Request-ID"]) == (413, "big-1")
    assert (nested.status_code, nested["X-Request-ID"]) == (400, "deep-1")


@pytest.fixture
def log_lines():
    """The lines the deployed console handler would print (its filter and format)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(request_id.RequestIdFilter())
    handler.setFormatter(
        logging.Formatter(django_settings.LOGGING["formatters"]["default"]["format"])
    )
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)


def test_djangos_log_line_for_a_request_names_its_id(db, anonymous, log_lines):
    response = anonymous.get("/api/v1/no-such-endpoint/", HTTP_X_REQUEST_ID="trace-404")

    assert response.status_code == 404
    lines = [line for line in log_lines() if "no-such-endpoint" in line]
    assert lines
    assert all("[trace-404]" in line for line in lines)


def test_a_line_outside_any_request_says_so(log_lines):
    logging.getLogger("mdprod.test").warning("between requests")

    assert "[-] mdprod.test: between requests" in log_lines()[-1]


def test_a_task_queued_in_a_request_carries_its_id():
    headers = {}
    token = request_id.activate("req-42")
    try:
        _send_request_id(headers=headers)
    finally:
        request_id.deactivate(token)

    assert headers == {REQUEST_ID_HEADER: "req-42"}
