"""Throttling: per key, per person, per client address for anonymous requests; 429 with
Retry-After in the one error format. Rates are set low here and requests counted."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from workflow import keys

PROJECTS = "/api/v1/projects/"


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api_key": None, "user": None, "anon": None, **rates},
        }

    return set_rates


def key_client(world, name="Tool"):
    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name=name, scopes=["read"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    return client


def assert_throttled(response):
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert response["RateLimit-Remaining"] == "0"
    assert int(response["RateLimit-Reset"]) == int(response["Retry-After"])


def test_each_key_has_its_own_limit(world, rates, api):
    rates(api_key="3/min", user="100/min")
    first, second = key_client(world, "First"), key_client(world, "Second")

    statuses = [first.get(PROJECTS).status_code for _ in range(3)]
    throttled = first.get(PROJECTS)

    assert statuses == [200, 200, 200]
    assert_throttled(throttled)
    # Another key of the same organisation, and the people, count separately.
    assert second.get(PROJECTS).status_code == 200
    assert api(world.admin_a).get(PROJECTS).status_code == 200


def test_each_person_has_their_own_limit(world, rates, api):
    rates(api_key="100/min", user="2/min")
    producer = api(world.producer_a)

    statuses = [producer.get(PROJECTS).status_code for _ in range(2)]
    throttled = producer.get(PROJECTS)

    assert statuses == [200, 200]
    assert_throttled(throttled)
    assert api(world.producer_b).get(PROJECTS).status_code == 200
    assert key_client(world).get(PROJECTS).status_code == 200


def test_a_throttled_write_changes_nothing(world, rates, api, make_project):
    rates(user="1/min")
    project = make_project("draft", title="Before")
    producer = api(world.producer_a)
    assert producer.get(PROJECTS).status_code == 200

    response = producer.patch(f"{PROJECTS}{project.pk}/", {"title": "After"}, format="json")

    assert_throttled(response)
    project.refresh_from_db()
    assert project.title == "Before"


def test_password_guessing_on_the_token_endpoint_is_throttled(world, rates):
    rates(anon="2/min")
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    guess = {"username": "producer_a", "password": "wrong"}

    statuses = [client.post("/api/v1/auth/token/", guess).status_code for _ in range(2)]
    throttled = client.post("/api/v1/auth/token/", guess)

    assert statuses == [400, 400]
    assert_throttled(throttled)
    other_address = APIClient(REMOTE_ADDR="203.0.113.8")
    assert other_address.post("/api/v1/auth/token/", guess).status_code == 400


def test_answers_say_how_many_requests_are_left(world, rates, api):
    rates(user="3/hour")
    producer = api(world.producer_a)

    first, second = producer.get(PROJECTS), producer.get(PROJECTS)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first["RateLimit-Limit"] == second["RateLimit-Limit"] == "3"
    assert (first["RateLimit-Remaining"], second["RateLimit-Remaining"]) == ("2", "1")
    assert 0 < int(second["RateLimit-Reset"]) <= 3600


def test_the_token_endpoint_says_how_many_attempts_are_left(world, rates):
    rates(anon="5/min")
    client = APIClient(REMOTE_ADDR="203.0.113.9")

    response = client.post("/api/v1/auth/token/", {"username": "producer_a", "password": "x"})

    assert response.status_code == 400
    assert response["RateLimit-Limit"] == "5"
    assert response["RateLimit-Remaining"] == "4"


def test_an_unlimited_scope_sends_no_rate_limit_headers(world, rates, api):
    rates()  # no rates at all

    response = api(world.producer_a).get(PROJECTS)

    assert response.status_code == 200
    assert "RateLimit-Limit" not in response


def test_an_unreachable_counter_store_lets_requests_through(world, rates, api, settings):
    rates(user="1/min")
    settings.MDPROD_RATELIMIT_STORAGE_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    producer = api(world.producer_a)

    statuses = [producer.get(PROJECTS).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


def test_the_schema_documents_the_rate_limit_headers():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    answer = schema["paths"]["/api/v1/projects/"]["get"]["responses"]["200"]
    throttled = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["429"]

    for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
        assert answer["headers"][name]["schema"]["type"] == "integer"
        assert name in throttled["headers"]
