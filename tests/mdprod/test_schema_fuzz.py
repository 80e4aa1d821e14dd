"""Schemathesis against the generated schema, in process, as each role."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from workflow import keys

# tests/settings.py turns off the https redirect, which the security middleware reads once.
application = WSGIHandler()
# Bounded: the explicit examples and a few generated cases per operation (settings below); the
# coverage phase's exhaustive boundary values would run thousands of requests per role.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    application,
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}}),
)


def invalid_input_rejected(ctx, response, case):
    """Schema-violating input gets a 4xx. An empty query parameter (``?date_to=``) is the same
    as leaving it out, as in an HTML form, so a case with one is not held to that."""
    if any(value in ("", [""]) for value in (case.query or {}).values()):
        return None
    return negative_data_rejection(ctx, response, case)


# The rules a schema-valid request can still break, because they depend on stored data, the
# day, or another field: (method, path) -> {field of the 400: the rule}. Each is stated in its
# operation's description or its 400 answer; any other 400 for schema-valid input is a finding.
EPISODE_IN_PROJECT = "an episode number at most the project's episode count"
CLIPS_ALONE = "clips=true takes no episode or batch"
MENTIONS_READERS = "text, not only spaces, and @mentions of people who read the thread only"
DOCUMENTED_REFUSALS = {
    ("POST", "/api/v1/auth/token/"): {
        "non_field_errors": "the username and password of an active user",
    },
    ("GET", "/api/v1/audience/terms/"): {"episode": EPISODE_IN_PROJECT, "clips": CLIPS_ALONE},
    ("GET", "/api/v1/audience/terms-over-time/"): {
        "episode": EPISODE_IN_PROJECT,
        "clips": CLIPS_ALONE,
    },
    ("GET", "/api/v1/audience/rising-terms/"): {
        "batch": "the batch and the one before it exist",
    },
    ("POST", "/api/v1/comments/"): {"body": MENTIONS_READERS},
    ("PATCH", "/api/v1/me/"): {"time_zone": "an IANA time zone name the server knows"},
    ("PATCH", "/api/v1/comments/{id}/"): {"body": MENTIONS_READERS},
    ("POST", "/api/v1/release-batches/"): {
        "first": "first and last come together",
        "last": "first and last come together",
    },
}


def documented_refusal(case, response) -> bool:
    """A 400 whose every field message is one of its operation's documented rules (a field of a
    row, ``rows.3.date``, counts as its list's)."""
    if response.status_code != 400:
        return False
    rules = DOCUMENTED_REFUSALS.get((case.operation.method.upper(), case.operation.path), {})
    fields = response.json().get("fields") or {}
    return bool(fields) and all(name.split(".")[0] in rules for name in fields)


def schema_valid_input_accepted(ctx, response, case):
    """Schema-valid input is accepted, unless it breaks a documented data-dependent rule."""
    if documented_refusal(case, response):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    invalid_input_rejected,
    schema_valid_input_accepted,
    ignored_auth,
    missing_required_header,
    unsupported_method,
    use_after_free,
    ensure_resource_availability,
    allow_header_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    # Django's request signals close the database connection after each request, which would
    # end the test's transaction; its own test client unhooks them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["producer", "content_manager", "regulator", "key"])
def auth_header(request, world, make_project):
    make_project("draft")
    make_project("submitted")
    if request.param == "key":
        key = keys.api_key_create(
            actor=world.admin_a,
            organisation=world.studio_a,
            name="Fuzz",
            scopes=("read", "write", "transition"),
        )
        return {"Authorization": f"Bearer {key.token}"}
    user = {
        "producer": world.producer_a,
        "content_manager": world.content_manager,
        "regulator": world.shanghai_reviewer,
    }[request.param]
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


@pytest.mark.fuzz
@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api(case, auth_header):
    # If-Match "*" lets edits through to their validation (a random one is 412, and a key
    # without one is 428, before the body is read); test_etag covers the precondition itself.
    case.call_and_validate(headers={**auth_header, "If-Match": "*"}, checks=CHECKS)
