"""Idempotency-Key: a retried POST gets the first answer, not a second effect."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.models import Document
from tests.contracts.documents_helpers import pdf_bytes, upload
from tests.workflow.test_api_projects import proposal
from workflow import keys
from workflow.idempotency import idempotency_records_sweep
from workflow.models import ApiKey, IdempotencyRecord, Project, WebhookSubscription
from workflow.tasks import sweep_idempotency_records

PROJECTS = "/api/v1/projects/"


def post(client, path, body, key, **extra):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def test_a_retry_replays_the_first_answer_and_creates_nothing_more(world, api):
    client = api(world.producer_a)
    first = post(client, PROJECTS, proposal(world), "create-1")

    again = post(client, PROJECTS, proposal(world), "create-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == first["Content-Type"]
    assert "Idempotent-Replayed" not in first
    assert Project.objects.filter(producer=world.studio_a).count() == 1


def test_without_a_key_each_post_runs(world, api):
    client = api(world.producer_a)

    client.post(PROJECTS, proposal(world), format="json")
    client.post(PROJECTS, proposal(world), format="json")

    assert Project.objects.filter(producer=world.studio_a).count() == 2


def test_the_same_key_with_another_body_is_a_422(world, api):
    client = api(world.producer_a)
    post(client, PROJECTS, proposal(world), "k")

    response = post(client, PROJECTS, proposal(world, title="Another"), "k")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Project.objects.filter(producer=world.studio_a).count() == 1


def test_the_same_key_on_another_path_is_a_422(world, api, make_project):
    client = api(world.producer_a)
    post(client, PROJECTS, proposal(world), "k")
    project = make_project()

    response = post(client, f"{PROJECTS}{project.pk}/transitions/submit/", {}, "k")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Project.objects.get(pk=project.pk).state == "draft"


def test_an_error_is_not_kept_so_the_fixed_request_runs(world, api):
    client = api(world.producer_a)
    refused = post(client, PROJECTS, proposal(world, episode_count=-1), "k")

    fixed = post(client, PROJECTS, proposal(world), "k")
    replayed = post(client, PROJECTS, proposal(world), "k")

    assert refused.status_code == 400
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed
    assert replayed["Idempotent-Replayed"] == "true"


def test_an_error_is_not_replayed_either(world, api, make_project):
    client = api(world.producer_a)
    project = make_project("submitted")  # submit is not allowed from here
    path = f"{PROJECTS}{project.pk}/transitions/submit/"

    first, second = (post(client, path, {}, "k") for _ in range(2))

    assert first.status_code == second.status_code == 409
    assert "Idempotent-Replayed" not in second


def test_keys_are_per_caller(world, api):
    post(api(world.producer_a), PROJECTS, proposal(world), "shared-key")

    other = post(api(world.producer_b), PROJECTS, proposal(world), "shared-key")

    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert Project.objects.count() == 2


@pytest.mark.parametrize(
    "key",
    ["x" * 256, "tab\tinside", "new\x7fline", "ключ"],
    ids=["too-long", "control", "delete", "non-ascii"],
)
def test_an_unusable_key_is_a_400_and_nothing_runs(world, api, key):
    response = post(api(world.producer_a), PROJECTS, proposal(world), key)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert not Project.objects.exists()


def test_the_longest_printable_key_is_accepted(world, api):
    response = post(api(world.producer_a), PROJECTS, proposal(world), "~ !" + "k" * 252)

    assert response.status_code == 201


def test_after_24_hours_the_key_runs_afresh(world, api):
    client = api(world.producer_a)
    post(client, PROJECTS, proposal(world), "k")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = post(client, PROJECTS, proposal(world), "k")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Project.objects.count() == 2


def test_a_claim_left_by_a_request_that_died_frees_the_key_after_its_time(world, api):
    client = api(world.producer_a)
    post(client, PROJECTS, proposal(world), "k")
    # As a request whose process died after claiming the key: no answer recorded.
    IdempotencyRecord.objects.update(
        status_code=None, expires_at=timezone.now() + timedelta(minutes=5)
    )
    busy = post(client, PROJECTS, proposal(world), "k")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    runs = post(client, PROJECTS, proposal(world), "k")

    assert busy.status_code == 409
    assert busy.json()["code"] == "idempotency_in_progress"
    assert runs.status_code == 201
    assert "Idempotent-Replayed" not in runs


def test_an_answer_is_kept_24_hours(world, api):
    before = timezone.now()
    post(api(world.producer_a), PROJECTS, proposal(world), "k")

    record = IdempotencyRecord.objects.get()

    assert before + timedelta(hours=24) <= record.expires_at <= timezone.now() + timedelta(hours=24)


def test_the_sweep_forgets_expired_answers_only(world, api):
    client = api(world.producer_a)
    post(client, PROJECTS, proposal(world), "old")
    post(client, PROJECTS, proposal(world, title="New"), "new")
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now())

    assert sweep_idempotency_records.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert idempotency_records_sweep() == 0


def test_an_api_key_gets_its_replay(world):
    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name="Tool", scopes=("read", "write")
    )
    tool = APIClient(enforce_csrf_checks=True)  # as a real client: no session, no CSRF token
    tool.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")

    first = post(tool, PROJECTS, proposal(world), "tool-1")
    again = post(tool, PROJECTS, proposal(world), "tool-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Project.objects.count() == 1


# Answers that carry a secret


def test_a_new_api_keys_token_is_never_kept_and_a_retry_names_the_key(world, api):
    client = api(world.admin_a)
    first = post(client, "/api/v1/api-keys/", {"name": "Nightly", "scopes": ["read"]}, "key-1")

    again = post(client, "/api/v1/api-keys/", {"name": "Nightly", "scopes": ["read"]}, "key-1")

    assert first.status_code == 201
    created = first.json()["id"]
    assert first["Location"] == f"/api/v1/api-keys/{created}/"
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "idempotency_key_used"
    assert body["object"] == {"id": created, "url": f"/api/v1/api-keys/{created}/"}
    assert first.json()["token"] not in again.content.decode()
    assert ApiKey.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_body is None


def test_a_webhook_secret_is_never_kept_and_a_retry_names_the_subscription(world, api):
    client = api(world.admin_a)
    body = {"url": "https://hooks.example.com/x", "event_types": ["project.transitioned"]}
    first = post(client, "/api/v1/webhooks/", body, "hook-1")

    again = post(client, "/api/v1/webhooks/", body, "hook-1")

    created = first.json()["id"]
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["object"] == {"id": created, "url": f"/api/v1/webhooks/{created}/"}
    assert first.json()["secret"] not in again.content.decode()
    assert WebhookSubscription.objects.count() == 1


def test_a_rotated_secret_is_never_kept(world, api):
    client = api(world.admin_a)
    body = {"url": "https://hooks.example.com/x", "event_types": ["project.transitioned"]}
    created = client.post("/api/v1/webhooks/", body, format="json").json()["id"]
    path = f"/api/v1/webhooks/{created}/rotate-secret/"
    first = post(client, path, {}, "rotate-1")
    secret = WebhookSubscription.objects.get(pk=created).issued_secret

    again = post(client, path, {}, "rotate-1")

    assert first.status_code == 200
    assert again.status_code == 409
    assert again.json()["object"] == {"id": created, "url": f"/api/v1/webhooks/{created}/"}
    assert WebhookSubscription.objects.get(pk=created).issued_secret == secret  # not rotated again


def test_signing_in_takes_no_key(world):
    body = {"username": "producer_a", "password": "correct horse battery staple"}
    client = APIClient()

    first = post(client, "/api/v1/auth/token/", body, "sign-in")
    again = post(client, "/api/v1/auth/token/", body, "sign-in")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in again
    assert not IdempotencyRecord.objects.exists()


def test_an_upload_past_the_memory_limit_is_hashed_and_replayed(
    world, api, make_project, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    project = make_project("greenlit")
    content = pdf_bytes("x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10))
    client = api(world.producer_a)

    def send():
        return client.post(
            "/api/v1/documents/",
            {"kind": "script", "project": project.pk, "file": upload("s.pdf", content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first, again = send(), send()

    assert first.status_code == 201, first.content[:300]
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Document.objects.count() == 1


def test_every_post_in_the_schema_documents_the_key_and_its_answers(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = {
        path: operations["post"]
        for path, operations in schema["paths"].items()
        if "post" in operations
    }

    assert "/api/v1/projects/" in posts
    for path, operation in posts.items():
        names = [parameter["name"] for parameter in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert {"409", "422"} <= set(operation["responses"]), path
