"""Schemathesis against the generated schema, in process, as each role."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
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


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    invalid_input_rejected,
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
