"""What an Idempotency-Key adds to a POST, in queries: pinned, so that it stays small."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.workflow.test_api_projects import proposal

PROJECTS = "/api/v1/projects/"


def queries(client, body, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(PROJECTS, body, format="json", **headers)
    assert response.status_code == 201
    return len(captured)


def test_a_key_costs_a_few_queries_and_a_replay_fewer_than_the_work(world):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.producer_a).key}"
    )
    plain = queries(client, proposal(world, title="Plain"))

    keyed = queries(client, proposal(world, title="Keyed"), HTTP_IDEMPOTENCY_KEY="k")
    replayed = queries(client, proposal(world, title="Keyed"), HTTP_IDEMPOTENCY_KEY="k")

    # Authenticating the caller (1), the claim in its savepoint (3), recording the answer (1);
    # a replay: the caller, the failed claim (3), reading the kept answer (1), the token (1).
    assert keyed - plain <= 5, (plain, keyed)
    assert replayed <= 6 < plain, (replayed, plain)
