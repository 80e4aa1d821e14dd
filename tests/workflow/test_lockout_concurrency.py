"""The sign-in lockout under real concurrency (PostgreSQL): 30 wrong passwords sent at once for
one username get 5 answers and 25 refusals, on the token endpoint and on the admin sign-in
form; 30 at once over 30 usernames from one address get the address's 20; an attempt that waits
too long for its turn is refused (429), not failed."""

from collections import Counter

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.concurrency import race
from workflow import lockout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GUESSES = 30
TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
WRONG = "wrong"


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    # The per-address request throttle must not answer before the lockout does.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": None, "user": None, "anon": None},
    }


def token_guess(username="producer_a", password=WRONG):
    client = APIClient(REMOTE_ADDR="203.0.113.80")
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def admin_guess(username="producer_a", password=WRONG):
    client = Client(REMOTE_ADDR="203.0.113.80")
    return client.post(reverse("admin:login"), {"username": username, "password": password})


@pytest.mark.parametrize(("guess", "wrong"), [(token_guess, 400), (admin_guess, 200)])
def test_thirty_parallel_wrong_passwords_get_five_answers(world, guess, wrong):
    statuses = Counter(answer.status_code for answer in race(guess, threads=GUESSES))

    assert statuses == {wrong: 5, 429: GUESSES - 5}
    assert guess(password=PASSWORD).status_code == 429  # locked, even for the right one


def test_thirty_parallel_guesses_over_many_usernames_get_the_addresss_twenty(world):
    def guess(index):
        return token_guess(username=f"someone{index}")

    statuses = Counter(answer.status_code for answer in race(guess, threads=GUESSES, indexed=True))

    assert statuses == {400: 20, 429: GUESSES - 20}


def test_parallel_right_passwords_all_sign_in(world):
    statuses = Counter(
        answer.status_code for answer in race(lambda: token_guess(password=PASSWORD), threads=10)
    )

    assert statuses == {200: 10}


def test_an_attempt_that_waits_too_long_for_the_others_is_refused(world, monkeypatch):
    # Given another sign-in for the same username holding its turn (a transaction elsewhere).
    monkeypatch.setattr(lockout, "LOCK_WAIT", "200ms")
    other = connections.create_connection("default")
    other.set_autocommit(False)
    try:
        with other.cursor() as cursor:
            key = lockout._advisory_key("sign-in username producer_a")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

        response = token_guess(password=PASSWORD)
    finally:
        other.rollback()
        other.close()

    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert response["Retry-After"] == str(lockout.BUSY_RETRY_AFTER)
    assert token_guess(password=PASSWORD).status_code == 200  # its turn freed, it signs in
