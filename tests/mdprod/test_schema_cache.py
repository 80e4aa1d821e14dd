"""``GET /api/schema/`` is generated once per process, language and format (``mdprod.schema``),
and a warm-up at start-up fills that cache with exactly what a request would get."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from mdprod import schema


@pytest.fixture
def empty_cache():
    saved = dict(schema._rendered), dict(schema._generated)
    schema._rendered.clear()
    schema._generated.clear()
    yield
    schema._rendered.clear()
    schema._generated.clear()
    schema._rendered.update(saved[0])
    schema._generated.update(saved[1])


@pytest.fixture
def generations(monkeypatch):
    calls = []
    original = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    return calls


def test_the_schema_is_generated_once_and_answered_the_same(client, empty_cache, generations):
    first = client.get("/api/schema/")
    second = client.get("/api/schema/")

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first["Content-Type"] == second["Content-Type"]
    assert first["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert first["Content-Disposition"] == 'inline; filename="mdprod API.yaml"'
    assert len(generations) == 1


def test_each_language_and_format_has_its_own_answer(client, empty_cache, generations):
    yaml = client.get("/api/schema/")
    as_json = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    chinese = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert as_json["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert as_json.json()["info"]["title"] == "mdprod API"
    assert chinese.content != yaml.content  # the descriptions are translated
    assert len(generations) == 2  # one per language; the formats share it
    client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert len(generations) == 2


def test_the_warm_up_fills_the_cache_with_what_a_request_gets(client, empty_cache, generations):
    schema.warm_schema()

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    client.get("/api/schema/")

    assert len(generations) == 1  # the warm-up's, served from then on
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
