"""API keys in the admin: scoped to the organisations one administers; the token shown once."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory
from workflow import keys
from workflow.models import ApiKey, Membership

CHANGELIST = reverse("admin:workflow_apikey_changelist")
ADD = reverse("admin:workflow_apikey_add")


@pytest.fixture
def admin_b(world):
    user = UserFactory(username="admin_b")
    MembershipFactory(user=user, organisation=world.studio_b, role=Membership.Role.ORG_ADMIN)
    return user


def issue(actor, organisation, name="Nightly report", scopes=("read",)):
    return keys.api_key_create(actor=actor, organisation=organisation, name=name, scopes=scopes)


def form(world, **overrides):
    expires = timezone.localtime() + timedelta(days=30)
    data = {
        "name": "Uploader",
        "organisation": world.studio_a.pk,
        "role": "",
        "scopes": ["read", "write"],
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
    }
    data.update(overrides)
    return data


def test_the_changelist_shows_the_organisations_keys_only(world, client, admin_b):
    mine = issue(world.admin_a, world.studio_a)
    issue(admin_b, world.studio_b, name="B's tool")
    client.force_login(world.admin_a)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert [key.pk for key in response.context["cl"].result_list] == [mine.pk]
    other = ApiKey.objects.get(organisation=world.studio_b)
    change = reverse("admin:workflow_apikey_change", args=[other.pk])
    assert client.get(change).status_code == 404


def test_the_changelist_runs_a_constant_number_of_queries(world, client):
    client.force_login(world.admin_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries)

    issue(world.admin_a, world.studio_a)
    one = count()
    for n in range(5):
        issue(world.admin_a, world.studio_a, name=f"Tool {n}")
    assert count() == one


@pytest.mark.parametrize("user", ["producer_a", "content_manager"])
def test_people_who_are_not_org_admins_cannot_manage_keys(world, client, user):
    client.force_login(getattr(world, user))

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, form(world)).status_code == 403
    assert not ApiKey.objects.exists()


def test_issuing_shows_the_token_once(world, client):
    client.force_login(world.admin_a)
    assert client.get(ADD).status_code == 200

    response = client.post(ADD, form(world))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # the admin's never_cache
    key = ApiKey.objects.get()
    token = response.context["issued"].token
    assert token.startswith(f"mdp_{key.prefix}_")
    assert token in response.content.decode()
    secret = token.split("_", 2)[2]
    assert key.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert (key.name, key.role, key.scopes) == ("Uploader", "producer", ["read", "write"])
    assert key.created_by == world.admin_a
    for page in (CHANGELIST, reverse("admin:workflow_apikey_change", args=[key.pk])):
        later = client.get(page)
        assert later.status_code == 200
        assert secret not in later.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"name": ""}, "name"),
        ({"role": "content_manager"}, "role"),
        ({"expires_at_0": (timezone.localdate() + timedelta(days=400)).isoformat()}, "expires_at"),
    ],
)
def test_a_bad_form_says_why_and_issues_nothing(world, client, overrides, field):
    client.force_login(world.admin_a)

    response = client.post(ADD, form(world, **overrides))

    assert response.status_code == 200
    assert response.context["issued"] is None
    assert field in response.context["form"].errors
    assert not ApiKey.objects.exists()


def test_another_organisation_is_not_a_choice(world, client):
    client.force_login(world.admin_a)

    response = client.post(ADD, form(world, organisation=world.studio_b.pk))

    assert "organisation" in response.context["form"].errors
    assert not ApiKey.objects.exists()


def test_the_revoke_action_revokes(world, client):
    key = issue(world.admin_a, world.studio_a)
    client.force_login(world.admin_a)

    response = client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [key.pk]}, follow=True
    )

    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.revoked_by == world.admin_a
    assert "1 API key revoked." in [str(m) for m in get_messages(response.wsgi_request)]


def test_a_keys_membership_is_not_managed_on_the_membership_pages(world, client):
    key = issue(world.admin_a, world.studio_a)
    client.force_login(world.admin_a)
    listed = client.get(reverse("admin:workflow_membership_changelist"))
    assert key.user.username not in listed.content.decode()
    response = client.post(
        reverse("admin:workflow_membership_add"),
        {"user": key.user.username, "organisation": world.studio_a.pk, "role": "content_manager"},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert list(Membership.objects.filter(user=key.user).values_list("role", flat=True)) == [
        "producer"
    ]
