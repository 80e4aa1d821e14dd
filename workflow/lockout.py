"""Sign-in lockout: repeated wrong passwords for one username from one address lock that pair out.

After ``MDPROD_LOGIN_FAILURE_LIMIT`` failed sign-ins within ``MDPROD_LOGIN_FAILURE_WINDOW``
seconds (counted from the first), signing in as that username from that address is refused with
429 and ``Retry-After`` for ``MDPROD_LOGIN_LOCKOUT_SECONDS``, even with the right password, so that
guessing cannot go on at the per-address throttle's pace. A successful sign-in clears the count.

The pair, not the username alone, is locked: a guesser elsewhere cannot lock a person out of every
address. Counts live in Django's cache (Redis when CACHE_URL is set, like the API throttles), so
every web process sees the same ones. Both ways in use it: the admin sign-in form
(``mdprod.admin_site``) and the token endpoint (``ObtainAuthTokenWithLockout``).
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext
from rest_framework import exceptions, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

_FAILURES = "mdprod:login-failures:{}"
_LOCKED_UNTIL = "mdprod:login-locked:{}"


def clock() -> float:
    """Seconds since the epoch; the lock's end is compared with this (tests move it)."""
    return time.time()


def _limit() -> int:
    return getattr(settings, "MDPROD_LOGIN_FAILURE_LIMIT", 5)


def _window() -> int:
    return getattr(settings, "MDPROD_LOGIN_FAILURE_WINDOW", 15 * 60)


def _lock_seconds() -> int:
    return getattr(settings, "MDPROD_LOGIN_LOCKOUT_SECONDS", 15 * 60)


def client_address(request) -> str:
    """The client's address as the API throttles see it (X-Forwarded-For only from our proxies,
    per ``REST_FRAMEWORK["NUM_PROXIES"]``)."""
    return BaseThrottle().get_ident(request)


def _ident(username: str, request) -> str:
    # Hashed: usernames may hold anything, and cache keys may not.
    source = f"{username.strip().casefold()}\0{client_address(request)}"
    return hashlib.sha256(source.encode()).hexdigest()


def locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-ins for this username from your address. "
        "Try again in %(minutes)d minute.",
        "Too many failed sign-ins for this username from your address. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def retry_after(username: str, request) -> int:
    """Seconds until ``username`` may try to sign in again from this address; 0 if not locked."""
    key = _LOCKED_UNTIL.format(_ident(username, request))
    until = cache.get(key)
    if until is None:
        return 0
    remaining = math.ceil(until - clock())
    if remaining <= 0:
        cache.delete(key)
        return 0
    return remaining


def record_failure(username: str, request) -> int:
    """Count a failed sign-in; returns the lock's length in seconds if this one locks, else 0."""
    ident = _ident(username, request)
    key = _FAILURES.format(ident)
    # add + incr: atomic in Redis and in the local-memory cache, so parallel guesses all count.
    cache.add(key, 0, timeout=_window())
    try:
        failures = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=_window())
        failures = 1
    if failures < _limit():
        return 0
    seconds = _lock_seconds()
    cache.set(_LOCKED_UNTIL.format(ident), clock() + seconds, timeout=seconds)
    cache.delete(key)  # after the lock, a fresh count
    logger.warning(
        "Sign-in locked for %d s after %d failures: username %r from %s",
        seconds,
        failures,
        username,
        client_address(request),
    )
    return seconds


def clear(username: str, request) -> None:
    """A successful sign-in: forget the failures of this username from this address."""
    ident = _ident(username, request)
    cache.delete_many([_FAILURES.format(ident), _LOCKED_UNTIL.format(ident)])


class LoginLocked(exceptions.APIException):
    """429 in the API's error format; the exception handler adds ``Retry-After`` from ``wait``."""

    status_code = 429
    default_code = "login_locked"

    def __init__(self, wait: int) -> None:
        self.wait = wait
        super().__init__(locked_message(wait))


class ObtainAuthTokenWithLockout(ObtainAuthToken):
    """Exchange a username and password for an API token.

    Repeated failures for one username from one address (by default 5 within 15 minutes) lock
    that username from that address for 15 minutes: 429 `login_locked` with Retry-After, even
    with the right password. A successful sign-in clears the count.
    """

    # DRF's token view names its own parsers; take the API's (nesting bounded).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def post(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        username, password = data.get("username"), data.get("password")
        attempted = isinstance(username, str) and username and isinstance(password, str)
        if attempted and (wait := retry_after(username, request)):
            raise LoginLocked(wait)
        try:
            response = super().post(request, *args, **kwargs)
        except serializers.ValidationError:
            if attempted and password:
                record_failure(username, request)
            raise
        if attempted:
            clear(username, request)
        return response
