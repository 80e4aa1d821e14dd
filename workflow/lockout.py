"""Sign-in lockout on django-axes' records of failed sign-ins, for the admin sign-in form
(``mdprod.admin_site``) and the token endpoint (``ObtainAuthTokenWithLockout``).

Three limits, counted over the failures that each came within ``MDPROD_LOGIN_LOCKOUT_SECONDS`` of
the one before (axes' cool-off):

- one username from one address: after ``MDPROD_LOGIN_FAILURE_LIMIT`` failures that pair is
  locked for ``MDPROD_LOGIN_LOCKOUT_SECONDS`` after the last one, even for the right password;
- one address, whatever the usernames: after ``MDPROD_LOGIN_ADDRESS_FAILURE_LIMIT`` failures the
  address is locked the same way;
- one username, whatever the addresses: after ``MDPROD_LOGIN_ACCOUNT_DELAY_AFTER`` failures each
  further attempt must come 2, 4, 8... seconds (at most ``MDPROD_LOGIN_ACCOUNT_MAX_DELAY``) after
  the last failure. A delay and not a lock: guessers spread over many addresses are slowed to a
  trickle, and none of them can lock the owner out.

A refused attempt is answered 429 with ``Retry-After`` before any password is checked, and is not
counted. A successful sign-in clears its pair's failures.

The check and the count are one step: ``sign_in_attempt`` holds a PostgreSQL advisory lock on the
address and one on the username (in that order) from the check until the failure is recorded, so
parallel guesses are checked one at a time and no more than the limit get an answer. On SQLite the
transaction itself serialises (``BEGIN IMMEDIATE``).
"""

import hashlib
import ipaddress
import math
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

# How long an attempt waits for the others on its address or username before it is refused.
LOCK_WAIT = "30s"
BUSY_RETRY_AFTER = 5


def client_address(request) -> str:
    """The client's address as the API throttles see it (X-Forwarded-For only from our proxies,
    per ``REST_FRAMEWORK["NUM_PROXIES"]``); a forwarded value that is no address is ignored."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        # No usable peer address (a Unix socket): all such clients count as the unspecified one.
        return request.META.get("REMOTE_ADDR") or str(ipaddress.IPv4Address(0))


def normalise_username(username) -> str:
    # The same spelling in another case is the same account to a guesser.
    return str(username or "").strip().casefold()[:255]


def axes_username(request, credentials) -> str:
    """``AXES_USERNAME_CALLABLE``: the username as the failures are counted."""
    if credentials:
        return normalise_username(credentials.get("username"))
    data = getattr(request, "data", None) or request.POST
    return normalise_username(data.get("username") if hasattr(data, "get") else None)


def keep_response(request, original_response, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the attempt that reaches the limit keeps its own answer (400 or
    the form again); the refusals are ours (429 in the page's or the API's format)."""
    return original_response


def _cool_off() -> timedelta:
    return timedelta(seconds=settings.MDPROD_LOGIN_LOCKOUT_SECONDS)


@dataclass(frozen=True)
class Refusal:
    reason: str  # "pair", "address", "account" or "busy"
    wait: int  # seconds

    def message(self) -> str:
        minutes = max(1, math.ceil(self.wait / 60))
        if self.reason == "pair":
            return ngettext(
                "Too many failed sign-ins for this username from your address. "
                "Try again in %(minutes)d minute.",
                "Too many failed sign-ins for this username from your address. "
                "Try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        if self.reason == "address":
            return ngettext(
                "Too many failed sign-ins from your address. Try again in %(minutes)d minute.",
                "Too many failed sign-ins from your address. Try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        if self.reason == "account":
            return ngettext(
                "Too many failed sign-ins for this username. Try again in %(seconds)d second.",
                "Too many failed sign-ins for this username. Try again in %(seconds)d seconds.",
                self.wait,
            ) % {"seconds": self.wait}
        return gettext("Too many sign-ins at once. Try again in a few seconds.")


def refusal(username: str, address: str) -> Refusal | None:
    """Why ``username`` may not try to sign in from ``address`` now, and for how long; None if
    it may. One query over the recent failures of the username or the address."""
    username, now = normalise_username(username), timezone.now()
    pair, by_address, by_account = (
        Q(username=username, ip_address=address),
        Q(ip_address=address),
        Q(username=username),
    )
    counts = (
        AccessAttempt.objects.filter(attempt_time__gt=now - _cool_off())
        .filter(by_address | by_account)
        .aggregate(
            pair=Sum("failures_since_start", filter=pair),
            pair_last=Max("attempt_time", filter=pair),
            address=Sum("failures_since_start", filter=by_address),
            address_last=Max("attempt_time", filter=by_address),
            account=Sum("failures_since_start", filter=by_account),
            account_last=Max("attempt_time", filter=by_account),
        )
    )
    lock = _cool_off().total_seconds()
    waits = []
    if (counts["pair"] or 0) >= settings.MDPROD_LOGIN_FAILURE_LIMIT:
        waits.append(("pair", lock - (now - counts["pair_last"]).total_seconds()))
    if (counts["address"] or 0) >= settings.MDPROD_LOGIN_ADDRESS_FAILURE_LIMIT:
        waits.append(("address", lock - (now - counts["address_last"]).total_seconds()))
    beyond = (counts["account"] or 0) - settings.MDPROD_LOGIN_ACCOUNT_DELAY_AFTER
    if beyond >= 0:
        delay = min(2 ** min(beyond + 1, 30), settings.MDPROD_LOGIN_ACCOUNT_MAX_DELAY)
        waits.append(("account", delay - (now - counts["account_last"]).total_seconds()))
    reason, wait = max(waits, key=lambda item: item[1], default=(None, 0))
    return Refusal(reason, math.ceil(wait)) if wait > 0 else None


class SignInHandler(AxesDatabaseHandler):
    """axes' database records, locked by our three limits rather than axes' one."""

    def is_locked(self, request, credentials=None) -> bool:
        username = axes_username(request, credentials)
        return refusal(username, client_address(request)) is not None


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _serialise(address: str, username: str) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already holds the database's write lock
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        for name in (f"sign-in address {address}", f"sign-in username {username}"):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_key(name)])


class LoginLocked(exceptions.APIException):
    """429 in the API's error format; the exception handler adds ``Retry-After`` from ``wait``."""

    status_code = 429
    default_code = "login_locked"

    def __init__(self, refused: Refusal) -> None:
        self.refusal = refused
        self.wait = refused.wait
        super().__init__(refused.message())


@contextmanager
def sign_in_attempt(username: str, request):
    """Check ``username`` from this address and run the block that checks the password, one such
    attempt at a time per address and per username; raises ``LoginLocked`` instead when refused.

    The failure axes records (on ``user_login_failed``) is committed with the attempt, also when
    the block raises (a wrong password is an exception to the form and to the serializer)."""
    address = client_address(request)
    failure = None
    try:
        with transaction.atomic():
            _serialise(address, normalise_username(username))
            if refused := refusal(username, address):
                raise LoginLocked(refused)
            try:
                yield
            except LoginLocked:
                raise
            except Exception as exc:  # noqa: BLE001 - re-raised once the failure is committed
                failure = exc
    except OperationalError as exc:
        if failure is not None or "lock timeout" not in str(exc):
            raise
        raise LoginLocked(Refusal("busy", BUSY_RETRY_AFTER)) from exc
    if failure is not None:
        raise failure


def clear(username: str, request) -> None:
    """A successful sign-in: forget the failures of this username from this address."""
    AccessAttempt.objects.filter(
        username=normalise_username(username), ip_address=client_address(request)
    ).delete()


class ObtainAuthTokenWithLockout(ObtainAuthToken):
    """Exchange a username and password for an API token.

    Repeated failures for one username from one address (by default 5, each within 15 minutes
    of the one before) lock that username from that address for 15 minutes: 429 `login_locked`
    with Retry-After, even with the right password. 20 failures from one address lock the
    address; beyond 10 failures for one username from anywhere, each attempt waits a growing
    delay (at most a minute). A successful sign-in clears its count.
    """

    # DRF's token view names its own parsers; take the API's (nesting bounded).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def post(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        username, password = data.get("username"), data.get("password")
        attempted = isinstance(username, str) and username and isinstance(password, str)
        if not attempted:
            return super().post(request, *args, **kwargs)
        with sign_in_attempt(username, request):
            response = super().post(request, *args, **kwargs)
        clear(username, request)
        return response
