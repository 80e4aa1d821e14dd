"""Two requests with one Idempotency-Key at once: one runs, the other is told it is in progress
(real threads on PostgreSQL)."""

import threading

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.concurrency import race
from tests.workflow.test_api_projects import proposal
from workflow.models import IdempotencyRecord, Project

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PROJECTS = "/api/v1/projects/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_retry_while_the_first_runs_is_a_409_in_progress(world, make_project):
    project = make_project("draft")
    path = f"/api/v1/projects/{project.pk}/transitions/withdraw/"
    client = client_for(world.producer_a)
    answers = {}

    def first():
        try:
            answers["first"] = client.post(
                path, {"comment": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="withdraw-1"
            )
        finally:
            connection.close()

    # Hold the project's row so that the first request waits inside its view, key claimed.
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        runner = threading.Thread(target=first)
        runner.start()
        for _ in range(500):
            if IdempotencyRecord.objects.filter(key="withdraw-1").exists():
                break
            runner.join(timeout=0.01)
        retry = client.post(
            path, {"comment": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="withdraw-1"
        )
    runner.join(timeout=60)
    replay = client.post(path, {"comment": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="withdraw-1")

    assert retry.status_code == 409
    assert retry.json()["code"] == "idempotency_in_progress"
    assert answers["first"].status_code == 200
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert Project.objects.get(pk=project.pk).state == "withdrawn"


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
