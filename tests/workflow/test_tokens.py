"""People's tokens expire after MDPROD_TOKEN_TTL_HOURS and can be revoked by their holder."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workflow import keys

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": None, "user": None, "anon": None},
    }


def sign_in(username="producer_a"):
    return APIClient().post(TOKEN, {"username": username, "password": PASSWORD}, format="json")


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def age(key: str, hours: float) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=hours))


def test_signing_in_answers_a_token_and_when_it_expires(world):
    before = timezone.now()

    response = sign_in()

    assert response.status_code == 200
    body = response.json()
    assert response["Cache-Control"] == "no-store"
    expires_at = parse_datetime(body["expires_at"])
    assert before + timedelta(hours=24) <= expires_at <= timezone.now() + timedelta(hours=24)
    assert with_token(body["token"]).get(ME).json()["username"] == "producer_a"


def test_signing_in_again_answers_the_same_valid_token(world):
    first = sign_in().json()

    second = sign_in().json()

    assert second == first


def test_an_expired_token_is_refused_with_its_own_code(world):
    key = sign_in().json()["token"]
    age(key, 24)

    response = with_token(key).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_within_its_lifetime_still_works(world):
    key = sign_in().json()["token"]
    age(key, 23.9)

    assert with_token(key).get(ME).status_code == 200


def test_the_lifetime_is_a_setting(world, settings):
    settings.MDPROD_TOKEN_TTL_HOURS = 1
    key = sign_in().json()["token"]
    age(key, 1.5)

    assert with_token(key).get(ME).status_code == 401


def test_signing_in_after_expiry_issues_a_new_token(world):
    old = sign_in().json()["token"]
    age(old, 25)

    new = sign_in().json()["token"]

    assert new != old
    assert with_token(new).get(ME).status_code == 200
    assert with_token(old).get(ME).status_code == 401


def test_revoking_the_token_stops_it_at_once(world):
    key = sign_in().json()["token"]
    client = with_token(key)

    response = client.delete(TOKEN)

    assert response.status_code == 204
    refused = client.get(ME)
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_failed"
    assert not Token.objects.filter(user=world.producer_a).exists()


def test_revoking_touches_only_the_callers_token(world):
    mine = sign_in("producer_a").json()["token"]
    theirs = sign_in("producer_b").json()["token"]

    assert with_token(mine).delete(TOKEN).status_code == 204

    assert with_token(theirs).get(ME).status_code == 200


def test_after_revoking_signing_in_issues_a_new_token(world):
    old = sign_in().json()["token"]
    with_token(old).delete(TOKEN)

    new = sign_in().json()["token"]

    assert new != old
    assert with_token(new).get(ME).status_code == 200


def test_revoking_needs_a_token(world):
    anonymous = APIClient().delete(TOKEN)
    session = APIClient()
    session.force_login(world.producer_a)
    key = keys.api_key_create(
        actor=world.admin_a, organisation=world.studio_a, name="Tool", scopes=("read", "write")
    )
    tool = APIClient()
    tool.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")

    assert anonymous.status_code == 401
    assert session.delete(TOKEN).status_code == 401
    assert tool.delete(TOKEN).status_code == 401


def test_revoking_an_expired_token_says_it_expired(world):
    key = sign_in().json()["token"]
    age(key, 30)

    response = with_token(key).delete(TOKEN)

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_a_wrong_password_still_counts_towards_the_lockout(world, settings):
    settings.MDPROD_LOGIN_FAILURE_LIMIT = 2
    bad = {"username": "producer_b", "password": "wrong"}
    client = APIClient(REMOTE_ADDR="203.0.113.9")

    statuses = [client.post(TOKEN, bad, format="json").status_code for _ in range(2)]
    locked = client.post(TOKEN, {"username": "producer_b", "password": PASSWORD}, format="json")

    assert statuses == [400, 400]
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked"
