"""Rate limits under real concurrency: 16 threads at once against one key's limit of 60 let 60
through, counted in Redis (shared by every web process) and in the embedded mode's memory."""

import os
from collections import Counter

import pytest
import redis
from rest_framework.test import APIClient

from tests.concurrency import race
from workflow import keys

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The suite's Redis database for rate-limit counters (CI runs a Redis server on 127.0.0.1).
REDIS_URL = os.environ.get("MDPROD_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
CLIENTS = 16
REQUESTS_EACH = 5
LIMIT = 60


def redis_or_skip() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL} (MDPROD_TEST_REDIS_URL)")
    return REDIS_URL


@pytest.fixture(params=["redis", "memory"])
def counter_store(request, settings):
    url = redis_or_skip() if request.param == "redis" else "memory://"
    settings.MDPROD_RATELIMIT_STORAGE_URL = url
    return url


def test_sixteen_parallel_clients_get_no_more_than_the_keys_limit(world, settings, counter_store):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": f"{LIMIT}/hour", "user": None, "anon": None},
    }
    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name="Burst", scopes=["read"]
    )

    def client_burst():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
        return [client.get("/api/v1/projects/") for _ in range(REQUESTS_EACH)]

    answers = [answer for burst in race(client_burst, threads=CLIENTS) for answer in burst]

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: LIMIT, 429: CLIENTS * REQUESTS_EACH - LIMIT}
    remaining = sorted(int(answer["RateLimit-Remaining"]) for answer in answers)
    assert remaining[-LIMIT:] == list(range(LIMIT))  # each counted once, none twice
