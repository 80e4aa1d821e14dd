"""API keys: organisation admins issue and revoke them; a key acts for its organisation only,
within its scopes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, UserFactory
from workflow import keys
from workflow.models import ApiKey, Membership, Project, ProjectTransition

KEYS = "/api/v1/api-keys/"
PROJECTS = "/api/v1/projects/"


def key_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def issue(world, scopes=("read",), *, organisation=None, actor=None, name="Nightly report"):
    return keys.api_key_create(
        actor=actor or world.admin_a,
        organisation=organisation or world.studio_a,
        name=name,
        scopes=scopes,
    )


@pytest.fixture
def admin_b(world):
    user = UserFactory(username="admin_b")
    MembershipFactory(user=user, organisation=world.studio_b, role=Membership.Role.ORG_ADMIN)
    return user


def transition_url(project, name):
    return f"{PROJECTS}{project.pk}/transitions/{name}/"


# Managing keys


def test_an_org_admin_creates_a_key_and_sees_its_token_once(world, api):
    response = api(world.admin_a).post(
        KEYS, {"name": "Nightly report", "scopes": ["read", "write"]}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert response["Cache-Control"] == "no-store"
    prefix = body["prefix"]
    assert body["token"].startswith(f"mdp_{prefix}_")
    assert body["organisation"]["id"] == world.studio_a.pk
    assert body["role"] == "producer"  # a producer company's only acting role
    assert sorted(body["scopes"]) == ["read", "write"]
    assert body["status"] == "active"
    assert body["username"] == f"key-{prefix}"
    # 90 days by default
    expires = ApiKey.objects.get(pk=body["id"]).expires_at
    assert timedelta(days=89) < expires - timezone.now() <= timedelta(days=90)

    key = ApiKey.objects.select_related("user").get(pk=body["id"])
    secret = body["token"].split("_", 2)[2]
    assert secret not in key.secret_sha256
    assert len(key.secret_sha256) == 64
    assert not key.user.has_usable_password()
    assert not key.user.is_staff
    assert key.user.first_name == "Nightly report"
    assert list(
        Membership.objects.filter(user=key.user).values_list("organisation_id", "role")
    ) == [(world.studio_a.pk, "producer")]

    listed = api(world.admin_a).get(KEYS)
    detail = api(world.admin_a).get(f"{KEYS}{body['id']}/")
    for later in (listed, detail):
        assert later.status_code == 200
        assert secret not in later.content.decode()
        assert "token" not in later.content.decode()
    assert [row["prefix"] for row in listed.json()["results"]] == [prefix]


def test_a_platform_key_takes_the_content_manager_role(world, api):
    platform_admin = UserFactory(username="admin_p")
    MembershipFactory(
        user=platform_admin, organisation=world.platform, role=Membership.Role.ORG_ADMIN
    )

    response = api(platform_admin).post(
        KEYS, {"name": "Scheduler", "scopes": ["read"]}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["role"] == "content_manager"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "Tool", "scopes": []}, "scopes"),
        ({"name": "Tool", "scopes": ["admin"]}, "scopes"),
        ({"name": "Tool", "scopes": ["read"], "role": "org_admin"}, "role"),
        ({"name": "Tool", "scopes": ["read"], "role": "rater"}, "role"),
        ({"name": "Tool", "scopes": ["read"], "role": "content_manager"}, "role"),
        (
            {"name": "Tool", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00+08:00"},
            "expires_at",
        ),
        ({"name": "Tool", "scopes": ["read"], "prefix": "aaaaaaaa"}, "prefix"),
    ],
)
def test_bad_key_requests_get_field_errors_and_create_nothing(world, api, body, field):
    response = api(world.admin_a).post(KEYS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ApiKey.objects.exists()


def test_a_key_lives_at_most_a_year(world, api):
    too_late = (timezone.now() + timedelta(days=400)).isoformat()

    response = api(world.admin_a).post(
        KEYS, {"name": "Tool", "scopes": ["read"], "expires_at": too_late}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"]["expires_at"] == ["A key can be valid for at most one year."]
    assert not ApiKey.objects.exists()


def test_an_admin_cannot_issue_keys_for_another_organisation(world, api):
    response = api(world.admin_a).post(
        KEYS,
        {"name": "Tool", "scopes": ["read"], "organisation": world.studio_b.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "organisation" in response.json()["fields"]
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("user", ["producer_a", "content_manager", "outsider"])
def test_only_org_admins_manage_keys(world, api, user):
    existing = issue(world)
    client = api(getattr(world, user))

    assert client.get(KEYS).status_code == 403
    created = client.post(KEYS, {"name": "Tool", "scopes": ["read"]}, format="json")
    assert created.status_code == 403
    assert created.json()["code"] == "permission_denied"
    assert client.post(f"{KEYS}{existing.pk}/revoke/").status_code == 403
    assert ApiKey.objects.get().revoked_at is None


def test_another_organisations_keys_are_not_found(world, api, admin_b):
    key_a = issue(world)
    key_b = issue(world, organisation=world.studio_b, actor=admin_b, name="B's tool")

    listed = api(admin_b).get(KEYS).json()["results"]
    assert [row["id"] for row in listed] == [key_b.pk]
    assert api(admin_b).get(f"{KEYS}{key_a.pk}/").status_code == 404
    revoked = api(admin_b).post(f"{KEYS}{key_a.pk}/revoke/")
    assert revoked.status_code == 404
    key_a.refresh_from_db()
    assert key_a.revoked_at is None
    assert key_client(key_a.token).get(PROJECTS).status_code == 200


def test_an_admin_revokes_a_key_and_it_stops_working(world, api):
    key = issue(world)
    client = key_client(key.token)
    assert client.get(PROJECTS).status_code == 200

    response = api(world.admin_a).post(f"{KEYS}{key.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_by"] == "admin_a"
    refused = client.get(PROJECTS)
    assert refused.status_code == 401
    assert refused.json() == {
        "code": "authentication_failed",
        "detail": "This API key has been revoked.",
    }
    key.user.refresh_from_db()
    assert not key.user.is_active
    # Revoking again changes nothing.
    again = api(world.admin_a).post(f"{KEYS}{key.pk}/revoke/")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == response.json()["revoked_at"]


def test_a_key_cannot_manage_keys(world):
    key = issue(world, scopes=("read", "write", "transition"))
    client = key_client(key.token)

    listed = client.get(KEYS)
    created = client.post(KEYS, {"name": "Another", "scopes": ["read"]}, format="json")
    revoked = client.post(f"{KEYS}{key.pk}/revoke/")

    assert [listed.status_code, created.status_code, revoked.status_code] == [403, 403, 403]
    assert created.json()["code"] == "permission_denied"
    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().revoked_at is None


def test_the_key_list_runs_a_constant_number_of_queries(world, api):
    client = api(world.admin_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(KEYS)
        assert response.status_code == 200
        return len(queries)

    issue(world)
    one = count()
    for n in range(5):
        key = issue(world, name=f"Tool {n}")
        if n % 2:
            keys.api_key_revoke(key=key, actor=world.admin_a)
    assert count() == one


# Authenticating with a key


def test_a_key_acts_for_its_organisation_only(world, make_project, api):
    own = make_project("draft", title="A's drama")
    other = make_project("draft", producer=world.studio_b, title="B's drama")
    key = issue(world, scopes=("read", "write", "transition"))
    client = key_client(key.token)

    listed = client.get(PROJECTS)
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {own.pk}
    assert client.get(f"{PROJECTS}{other.pk}/").status_code == 404
    changed = client.patch(f"{PROJECTS}{other.pk}/", {"title": "Hijacked"}, format="json")
    assert changed.status_code == 404
    assert Project.objects.get(pk=other.pk).title == "B's drama"
    fired = client.post(transition_url(other, "withdraw"), {}, format="json")
    assert fired.status_code == 404
    assert Project.objects.get(pk=other.pk).state == "draft"

    me = client.get("/api/v1/me/").json()
    assert me["username"] == f"key-{key.prefix}"
    assert [m["organisation"]["id"] for m in me["memberships"]] == [world.studio_a.pk]


def test_a_read_only_key_cannot_write(world, make_project):
    project = make_project("draft", title="Before")
    client = key_client(issue(world, scopes=("read",)).token)

    response = client.patch(f"{PROJECTS}{project.pk}/", {"title": "After"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "scope_missing",
        "detail": "This key lacks the 'write' scope.",
    }
    assert Project.objects.get(pk=project.pk).title == "Before"
    created = client.post(PROJECTS, {"title": "New"}, format="json")
    assert created.status_code == 403
    assert Project.objects.count() == 1


def test_a_write_key_edits_but_cannot_fire_transitions(world, make_project):
    project = make_project("draft", title="Before")
    client = key_client(issue(world, scopes=("write",)).token)

    # A key must send If-Match; a write-only key cannot read the ETag, so it sends "*".
    edited = client.patch(
        f"{PROJECTS}{project.pk}/", {"title": "After"}, format="json", HTTP_IF_MATCH="*"
    )
    fired = client.post(transition_url(project, "submit"), {}, format="json")
    read = client.get(f"{PROJECTS}{project.pk}/")

    assert edited.status_code == 200
    assert fired.status_code == 403
    assert fired.json()["detail"] == "This key lacks the 'transition' scope."
    assert read.status_code == 403
    assert read.json()["detail"] == "This key lacks the 'read' scope."
    project.refresh_from_db()
    assert (project.title, project.state) == ("After", "draft")
    assert not ProjectTransition.objects.exists()


def test_a_transition_key_fires_a_transition_in_its_organisations_name(world, make_project):
    project = make_project("draft")
    key = issue(world, scopes=("read", "transition"), name="Submission bot")
    client = key_client(key.token)

    response = client.post(transition_url(project, "submit"), {"comment": "Auto"}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "submitted"
    entry = ProjectTransition.objects.get(project=project)
    assert entry.actor_id == key.user_id
    assert entry.organisation_id == world.studio_a.pk
    history = client.get(f"{PROJECTS}{project.pk}/history/").json()
    assert [(row["actor"], row["organisation"]["id"]) for row in history] == [
        (f"key-{key.prefix}", world.studio_a.pk)
    ]
    # Editing needs the write scope, which this key lacks.
    assert client.patch(f"{PROJECTS}{project.pk}/", {}, format="json").status_code == 403


def test_a_transition_through_an_unlisted_endpoint_still_needs_the_scope(
    world, make_project, monkeypatch
):
    # The scope check's endpoint list is backed by a check inside the transition itself.
    monkeypatch.setattr("workflow.authentication.TRANSITION_ENDPOINTS", frozenset())
    project = make_project("draft")
    client = key_client(issue(world, scopes=("read", "write")).token)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(transition_url(project, "submit"), {}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "scope_missing",
        "detail": "This key lacks the 'transition' scope.",
    }
    # Refused before anything is written (or locked), not rolled back after the move.
    assert writes(queries) == []
    project.refresh_from_db()
    assert project.state == "draft"
    assert not ProjectTransition.objects.exists()


def writes(queries) -> list[str]:
    """The statements that change a domain table (the key's last-used stamp aside)."""
    changing = ("INSERT", "UPDATE", "DELETE")
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(changing)
        and "workflow_apikey" not in q["sql"]
        or "FOR UPDATE" in q["sql"].upper()
    ]


def test_a_decision_through_an_unlisted_endpoint_needs_the_scope_before_it_writes(
    world, make_project, monkeypatch
):
    from reviews.models import RegulatoryReview
    from tests.reviews.finals_helpers import registration, to_final_review

    monkeypatch.setattr("workflow.authentication.TRANSITION_ENDPOINTS", frozenset())
    project = to_final_review(world, make_project)
    review = RegulatoryReview.objects.get(project=project, kind="final_review", status="pending")
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    key = issue(world, scopes=("read", "write"), organisation=world.shanghai, actor=root)
    client = key_client(key.token)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/final-reviews/{review.pk}/decide/",
            {"outcome": "approve", "clearance_number": registration()},
            format="json",
        )

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert writes(queries) == []
    review.refresh_from_db()
    assert review.status == "pending"
    assert Project.objects.get(pk=project.pk).state == "final_review"


def test_people_are_not_subject_to_scopes(world, make_project, api):
    project = make_project("draft")

    response = api(world.producer_a).post(transition_url(project, "submit"), {}, format="json")

    assert response.status_code == 200


def test_an_expired_key_is_refused(world):
    key = issue(world)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = key_client(key.token).get(PROJECTS)

    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "detail": "This API key has expired.",
    }


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # wrong secret
        lambda token: "mdp_00000000_" + token.split("_", 2)[2],  # unknown prefix
        lambda token: token.replace("mdp_", "xyz_"),  # malformed
        lambda token: token.split("_", 2)[0] + "_" + token.split("_", 2)[1],  # no secret
        lambda token: f"{token} extra",  # two words
    ],
)
def test_wrong_or_malformed_keys_are_refused(world, mangle):
    key = issue(world)

    response = key_client(mangle(key.token)).get(PROJECTS)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    # Whether the key exists, was revoked or expired is told only to the holder of its secret.
    assert "revoked" not in response.json()["detail"]


def test_a_revoked_or_expired_key_is_not_told_apart_without_its_secret(world):
    key = issue(world)
    keys.api_key_revoke(key=key, actor=world.admin_a)

    wrong = key_client(key.token[:-4] + "zzzz").get(PROJECTS)

    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "Invalid API key."


def test_last_used_is_recorded_at_most_once_a_minute(world):
    key = issue(world)
    client = key_client(key.token)
    assert key.last_used_at is None

    assert client.get(PROJECTS).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None

    recent = timezone.now() - timedelta(seconds=30)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=recent)
    client.get(PROJECTS)
    key.refresh_from_db()
    assert key.last_used_at == recent

    stale = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=stale)
    client.get(PROJECTS)
    key.refresh_from_db()
    assert key.last_used_at > stale


def test_token_authentication_for_people_still_works(world, make_project, api):
    make_project("draft")
    token = (
        api()
        .post(
            "/api/v1/auth/token/",
            {"username": "producer_a", "password": "correct horse battery staple"},
            format="json",
        )
        .json()["token"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get(PROJECTS).json()["count"] == 1
