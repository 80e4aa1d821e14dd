"""Two requests with one Idempotency-Key at once: one runs, the other is told it is in progress
(real threads on PostgreSQL)."""

import threading

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.concurrency import race
from tests.workflow.test_api_projects import proposal
from workflow import keys
from workflow.models import ApiKey, IdempotencyRecord, Project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PROJECTS = "/api/v1/projects/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_retry_while_the_first_runs_is_a_409_in_progress(world):
    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name="Tool", scopes=("read",)
    )
    path = f"/api/v1/api-keys/{key.pk}/revoke/"
    client = client_for(world.admin_a)
    answers = {}

    def revoke():
        try:
            answers["first"] = client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="revoke-1")
        finally:
            connection.close()

    # Hold the key's row: the first request waits for it inside its view, the key claimed.
    with transaction.atomic():
        ApiKey.objects.select_for_update().get(pk=key.pk)
        runner = threading.Thread(target=revoke)
        runner.start()
        claimed = False
        while not claimed and runner.is_alive():
            claimed = IdempotencyRecord.objects.filter(key="revoke-1").exists()
            runner.join(timeout=0.01)
        assert claimed, answers
        retry = client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="revoke-1")
    runner.join(timeout=60)
    replay = client.post(path, {}, format="json", HTTP_IDEMPOTENCY_KEY="revoke-1")

    assert retry.status_code == 409
    assert retry.json()["code"] == "idempotency_in_progress"
    assert answers["first"].status_code == 200
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == answers["first"].json()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_racing_requests_with_one_key_create_one_proposal(world):
    client = client_for(world.producer_a)
    body = proposal(world)

    def create():
        response = client.post(PROJECTS, body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
        return response.status_code

    codes = race(create, threads=8)

    assert Project.objects.count() == 1
    assert codes.count(201) >= 1
    assert set(codes) <= {201, 409}
