"""Whatever a client sends, an answer under /api/ is JSON in the error format: never a 500, never
an HTML page (the documentation pages aside)."""

import json

import pytest
from django.test import Client

from workflow.api.projects import MeView
from workflow.models import Project

TOKEN = "/api/v1/auth/token/"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


def test_a_deeply_nested_body_is_a_400_without_signing_in(db, anonymous):
    body = '{"username": ' + nested(1000) + ', "password": "x"}'

    response = anonymous.post(TOKEN, body, content_type="application/json")

    detail = assert_error(response, 400, "parse_error")["detail"]
    assert "nested deeper than 32 levels" in detail


def test_nesting_within_the_bound_reaches_validation(db, anonymous):
    body = '{"username": ' + nested(31) + ', "password": "x"}'

    response = anonymous.post(TOKEN, body, content_type="application/json")

    assert_error(response, 400, "invalid")


def test_a_deeply_nested_edit_of_a_proposal_changes_nothing(world, make_project, api):
    project = make_project()
    tags = project.genre_tags
    body = '{"genre_tags": ' + nested(200) + "}"

    response = api(world.producer_a).patch(
        f"/api/v1/projects/{project.pk}/", body, content_type="application/json"
    )

    assert_error(response, 400, "parse_error")
    project.refresh_from_db()
    assert project.genre_tags == tags


def test_a_deeply_nested_transition_body_is_a_400_and_the_state_stays(world, make_project, api):
    project = make_project()
    body = '{"comment": ' + nested(999) + "}"

    response = api(world.producer_a).post(
        f"/api/v1/projects/{project.pk}/transitions/submit/", body, content_type="application/json"
    )

    assert_error(response, 400, "parse_error")
    assert Project.objects.get(pk=project.pk).state == "draft"


def test_a_body_over_the_limit_is_a_json_413(db, anonymous, settings):
    body = json.dumps({"username": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = anonymous.post(TOKEN, body, content_type="application/json")

    assert_error(response, 413, "request_too_large")


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "urlencoded"])
def test_too_many_fields_is_a_json_400(db, anonymous, multipart):
    fields = {f"field{i}": "x" for i in range(1_001)}

    if multipart:
        response = anonymous.post(TOKEN, fields)
    else:
        from urllib.parse import urlencode

        response = anonymous.post(
            TOKEN, urlencode(fields), content_type="application/x-www-form-urlencoded"
        )

    assert "1000" in assert_error(response, 400, "parse_error")["detail"]


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_unknown_address_is_a_json_404_also_with_debug_on(db, anonymous, settings, debug):
    settings.DEBUG = debug

    response = anonymous.get("/api/v1/no-such-endpoint/")

    assert_error(response, 404, "not_found")


def test_the_browsable_api_is_not_served(world, client):
    client.force_login(world.producer_a)

    response = client.get("/api/v1/platforms/?format=api", HTTP_ACCEPT="text/html")

    assert_error(response, 404, "not_found")
    assert client.get("/api/v1/platforms/", HTTP_ACCEPT="text/html")["Content-Type"] == (
        "application/json"
    )


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_unexpected_error_is_a_json_500(world, settings, monkeypatch, debug):
    settings.DEBUG = debug

    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(MeView, "get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.producer_a)

    response = client.get("/api/v1/me/")

    assert_error(response, 500, "server_error")
    assert response["X-Content-Type-Options"] == "nosniff"  # security headers are kept


def test_a_host_not_allowed_is_a_json_400(db, anonymous):
    response = anonymous.get("/api/v1/me/", HTTP_HOST="evil.example")

    assert_error(response, 400, "bad_request")


def test_the_documentation_pages_stay_html(world, client):
    client.force_login(world.producer_a)

    assert client.get("/api/docs/")["Content-Type"].startswith("text/html")
    assert client.get("/admin/no-such-page/")["Content-Type"].startswith("text/html")
