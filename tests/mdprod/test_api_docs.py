"""Swagger UI and ReDoc are served from our own static files: the docs work without a CDN."""

import re

import pytest


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_load_nothing_from_another_host(world, api, path):
    response = api(world.producer_a).get(path)

    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(s.startswith("/static/") for s in sources if not s.startswith("data:")), sources
    assert "cdn" not in page.lower()
    assert "/api/schema/" in page


def test_an_unknown_api_address_answers_in_the_error_format(world, api):
    response = api(world.producer_a).get("/api/v1/projects/not-a-number.json/x/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
