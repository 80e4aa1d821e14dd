"""Security gates: the sign-in lockout on the admin and the token endpoint, and the production
settings' headers and cookies on real responses."""

import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

LOGIN = reverse("admin:login")
TOKEN = "/api/v1/auth/token/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    # The token endpoint's own per-address throttle must not answer 429 before the lockout does.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": None, "user": None, "anon": None},
    }


@pytest.fixture
def later():
    """As if some seconds had passed since the test began: the failures recorded so far move
    that far into the past (no sleeping)."""
    moved = [0.0]

    def move(seconds: float) -> None:
        step = timedelta(seconds=seconds - moved[0])
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - step)
        moved[0] = seconds

    return move


def admin_sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def token_for(client, username, password=PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def fail_five_times(sign_in, client, username="producer_a"):
    return [sign_in(client, username, "wrong").status_code for _ in range(5)]


# Admin sign-in -----------------------------------------------------------------------------------


def test_admin_sign_in_locks_after_five_failures_even_for_the_right_password(client, world):
    statuses = fail_five_times(admin_sign_in, client)

    locked = admin_sign_in(client, "producer_a")

    assert statuses == [200] * 5
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_lockout_spares_another_user_and_another_address(client, world):
    fail_five_times(admin_sign_in, client)

    other_user = admin_sign_in(client, "cm_p")
    elsewhere = admin_sign_in(type(client)(REMOTE_ADDR="198.51.100.20"), "producer_a", PASSWORD)

    assert other_user.status_code == 302
    assert elsewhere.status_code == 302


def test_admin_lock_expires_after_fifteen_minutes(client, world, later):
    fail_five_times(admin_sign_in, client)

    later(14 * 60)
    still_locked = admin_sign_in(client, "producer_a")
    later(15 * 60 + 1)
    response = admin_sign_in(client, "producer_a")

    assert still_locked.status_code == 429
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_successful_admin_sign_in_clears_the_failures(client, world):
    [admin_sign_in(client, "producer_a", "wrong") for _ in range(4)]
    assert admin_sign_in(client, "producer_a").status_code == 302
    client.logout()

    statuses = [admin_sign_in(client, "producer_a", "wrong").status_code for _ in range(4)]

    assert statuses == [200] * 4  # a fresh count: four more failures do not lock
    assert admin_sign_in(client, "producer_a").status_code == 302


# Token endpoint ----------------------------------------------------------------------------------


def test_token_endpoint_locks_after_five_failures_even_for_the_right_password(world):
    client = APIClient(REMOTE_ADDR="203.0.113.50")
    statuses = fail_five_times(token_for, client)

    locked = token_for(client, "producer_a")

    assert statuses == [400] * 5
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked"
    assert "Try again in 15 minutes" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 15 * 60
    # Locked per username: the same spelling in other case is the same account to a guesser.
    assert token_for(client, "Producer_A").status_code == 429


def test_token_lockout_spares_another_user_and_another_address(world):
    client = APIClient(REMOTE_ADDR="203.0.113.51")
    fail_five_times(token_for, client)

    other_user = token_for(client, "cm_p")
    elsewhere = token_for(APIClient(REMOTE_ADDR="203.0.113.52"), "producer_a")

    assert other_user.status_code == 200
    assert elsewhere.status_code == 200
    assert "token" in elsewhere.json()


def test_token_lock_expires_and_the_count_starts_afresh(world, later):
    client = APIClient(REMOTE_ADDR="203.0.113.53")
    fail_five_times(token_for, client)

    later(15 * 60 + 1)
    after_expiry = token_for(client, "producer_a", "wrong")
    recovered = token_for(client, "producer_a")

    assert after_expiry.status_code == 400  # one failure, not a renewed lock
    assert recovered.status_code == 200


def test_admin_and_token_failures_count_together(client, world):
    # Both ways in are one account from one address (the test client is 127.0.0.1).
    [admin_sign_in(client, "producer_a", "wrong") for _ in range(3)]
    [token_for(APIClient(), "producer_a", "wrong") for _ in range(2)]

    assert token_for(APIClient(), "producer_a").status_code == 429
    assert admin_sign_in(client, "producer_a").status_code == 429


def test_malformed_token_requests_are_not_failures(world):
    client = APIClient(REMOTE_ADDR="203.0.113.54")
    bodies = [{"username": "producer_a"}, {"password": "x"}, ["producer_a", "wrong"]] * 3

    statuses = {client.post(TOKEN, body, format="json").status_code for body in bodies}

    assert statuses == {400}
    assert token_for(client, "producer_a").status_code == 200


# One address, many usernames; one username, many addresses ------------------------------------


def test_an_address_is_locked_after_twenty_failures_over_any_usernames(client, world):
    guesser = APIClient(REMOTE_ADDR="203.0.113.60")
    statuses = [token_for(guesser, f"someone{n}", "wrong").status_code for n in range(20)]

    token = token_for(guesser, "producer_a")
    admin = admin_sign_in(type(client)(REMOTE_ADDR="203.0.113.60"), "cm_p")
    elsewhere = token_for(APIClient(REMOTE_ADDR="203.0.113.61"), "producer_a")

    assert statuses == [400] * 20
    assert token.status_code == 429
    assert token.json()["detail"].startswith("Too many failed sign-ins from your address.")
    assert int(token["Retry-After"]) == 15 * 60
    assert admin.status_code == 429
    assert elsewhere.status_code == 200


def test_a_username_guessed_from_many_addresses_gets_a_growing_delay(world, later):
    for address, failures in (("198.51.100.1", 4), ("198.51.100.2", 4), ("198.51.100.3", 2)):
        client = APIClient(REMOTE_ADDR=address)
        assert [token_for(client, "producer_a", "x").status_code for _ in range(failures)] == [
            400
        ] * failures
    owner = APIClient(REMOTE_ADDR="192.0.2.10")

    delayed = token_for(owner, "producer_a")
    later(2)
    eleventh = token_for(APIClient(REMOTE_ADDR="198.51.100.4"), "producer_a", "x")
    delayed_longer = token_for(owner, "producer_a")

    assert delayed.status_code == 429
    assert delayed.json()["detail"] == (
        "Too many failed sign-ins for this username. Try again in 2 seconds."
    )
    assert delayed["Retry-After"] == "2"
    assert eleventh.status_code == 400  # checked: the delay had passed
    assert delayed_longer.status_code == 429
    assert delayed_longer["Retry-After"] == "4"


def test_no_amount_of_guessing_locks_the_owner_out_for_more_than_a_minute(world, later):
    # Given 300 recent failures for the username, from 60 addresses.
    AccessAttempt.objects.bulk_create(
        AccessAttempt(
            username="producer_a",
            ip_address=f"198.51.100.{n}",
            user_agent="guesser",
            failures_since_start=5,
            attempt_time=timezone.now(),
            http_accept="*/*",
            path_info=TOKEN,
        )
        for n in range(60)
    )
    owner = APIClient(REMOTE_ADDR="192.0.2.10")

    waiting = token_for(owner, "producer_a")
    later(60)
    signed_in = token_for(owner, "producer_a")

    assert waiting.status_code == 429
    assert int(waiting["Retry-After"]) == 60
    assert signed_in.status_code == 200
    assert "token" in signed_in.json()


def test_a_forwarded_address_that_is_no_address_counts_as_the_peer(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient(REMOTE_ADDR="203.0.113.70", HTTP_X_FORWARDED_FOR="not-an-address")

    statuses = [token_for(client, "producer_a", "wrong").status_code for _ in range(5)]

    assert statuses == [400] * 5
    assert token_for(APIClient(REMOTE_ADDR="203.0.113.70"), "producer_a").status_code == 429


# Production headers and cookies -----------------------------------------------------------------

PRODUCTION_PROBE = textwrap.dedent(
    """
    import json

    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    call_command("migrate", "auth", verbosity=0)
    call_command("migrate", "sessions", verbosity=0)
    call_command("migrate", "axes", verbosity=0)
    call_command("migrate", "workflow", verbosity=0)  # signing in reads the person's time zone
    get_user_model().objects.create_user("probe", password="probe pass 1234", is_staff=True)

    # No template pages: production serves static files from the collected manifest, which a
    # fresh checkout does not have. An API answer and the sign-in's redirect are real enough.
    client = Client(HTTP_HOST="mdprod.example.com")
    api = client.get("/api/v1/projects/", secure=True)
    signed_in = client.post(
        "/admin/login/",
        {"username": "probe", "password": "probe pass 1234", "next": "/admin/"},
        secure=True,
    )
    plain = Client(HTTP_HOST="mdprod.example.com").get("/api/v1/projects/")

    def headers(response):
        return {name: response.get(name) for name in (
            "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
            "Referrer-Policy", "Cross-Origin-Opener-Policy",
        )}

    def cookie(response, name):
        morsel = response.cookies[name]
        return {key: morsel[key] for key in ("secure", "httponly", "samesite")}

    print(json.dumps({
        "debug": settings.DEBUG,
        "api": [api.status_code, headers(api)],
        "sign_in": headers(signed_in),
        "signed_in": signed_in.status_code,
        "csrf": cookie(signed_in, "csrftoken"),
        "session": cookie(signed_in, "sessionid"),
        "plain_http": [plain.status_code, plain.get("Location")],
    }))
    """
)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Real responses from the settings built as production builds them (no test overrides)."""
    var = tmp_path_factory.mktemp("production")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MDPROD_", "DATABASE_", "CACHE_", "REDIS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="mdprod.settings",
        DJANGO_SECRET_KEY="production-probe-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="mdprod.example.com",
        DJANGO_DEBUG="0",
        MDPROD_INSECURE_HTTP="0",
        MDPROD_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("response", ["api", "sign_in"])
def test_production_responses_carry_the_security_headers(production, response):
    headers = production["sign_in"] if response == "sign_in" else production["api"][1]

    assert production["debug"] is False
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_cookies_are_secure(production):
    assert production["signed_in"] == 302
    assert production["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The CSRF cookie stays readable by the page's scripts (API docs send it back), but only
    # over https and not to other sites.
    assert production["csrf"]["secure"] is True
    assert production["csrf"]["samesite"] == "Lax"


def test_production_redirects_plain_http_to_https(production):
    status, location = production["plain_http"]

    assert status == 301
    assert location == "https://mdprod.example.com/api/v1/projects/"
