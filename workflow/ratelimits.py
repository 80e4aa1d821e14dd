"""API rate limits on an atomic counter shared by every web process.

Each limit is a fixed window (it starts with the first request counted) on a counter of the
``limits`` library. With Redis (``MDPROD_RATELIMIT_STORAGE_URL``, by default the
``CACHE_URL``/``REDIS_URL`` Redis) one Lua script increments the counter and sets its expiry, so
parallel requests from any number of processes never let more than the limit through; without
Redis the counter lives in the process's memory behind a lock (exact within one process, each
process counting alone).

The counted request carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``
(seconds until the window ends) on its answer, 429 included (``RateLimitHeadersMiddleware``).
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage, storage_from_string
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

HEADER_LIMIT = "RateLimit-Limit"
HEADER_REMAINING = "RateLimit-Remaining"
HEADER_RESET = "RateLimit-Reset"
_REQUEST_ATTRIBUTE = "mdprod_rate_limit"

_storages: dict[str, Storage] = {}
_storages_lock = threading.Lock()


def storage_url() -> str:
    return getattr(settings, "MDPROD_RATELIMIT_STORAGE_URL", "") or "memory://"


def storage() -> Storage:
    """One storage (and so one Redis connection pool) per URL and process."""
    url = storage_url()
    with _storages_lock:
        if url not in _storages:
            _storages[url] = MemoryStorage() if url == "memory://" else storage_from_string(url)
        return _storages[url]


def parse_rate(rate: str) -> RateLimitItemPerSecond:
    """``<n>/<second|minute|hour|day>`` (only the first letter of the period counts)."""
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]
    return RateLimitItemPerSecond(int(count), seconds)


@dataclass(frozen=True)
class Usage:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends


# The library's increment (incrby, expire on the first) and the window's remaining seconds in one
# round trip: every API request is counted, and a second call to Redis cost as much as a query.
_INCR_WITH_TTL = """
local current = redis.call("incrby", KEYS[1], 1)
if tonumber(current) == 1 then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""
_scripts: dict[int, object] = {}


def _redis_incr_with_ttl(counters, key: str, expiry: int) -> tuple[int, int]:
    script = _scripts.get(id(counters))
    if script is None:
        script = _scripts[id(counters)] = counters.get_connection().register_script(_INCR_WITH_TTL)
    count, ttl = script([counters.prefixed_key(key)], [expiry])
    return int(count), max(1, int(ttl))


def hit(rate: str, *identifiers: str) -> Usage | None:
    """Count one request against ``rate`` for ``identifiers``; None when the counter cannot be
    reached (the request goes through: an unreachable Redis must not take the API down)."""
    item = parse_rate(rate)
    key = item.key_for(*identifiers)
    try:
        counters = storage()
        # The count this request made, from the increment itself: exact under concurrency.
        if hasattr(counters, "prefixed_key") and hasattr(counters, "get_connection"):
            count, reset = _redis_incr_with_ttl(counters, key, item.get_expiry())
        else:
            count = counters.incr(key, item.get_expiry())
            reset = max(1, math.ceil(counters.get_expiry(key) - time.time()))
    except Exception:  # noqa: BLE001 - any storage failure: count nothing, serve the request
        logger.warning("Rate limit storage unreachable; request not counted", exc_info=True)
        return None
    return Usage(count <= item.amount, item.amount, max(0, item.amount - count), reset)


class AtomicRateThrottle(BaseThrottle):
    """A DRF throttle on ``hit``: ``scope`` names the rate in ``DEFAULT_THROTTLE_RATES`` (read
    per request, so an override takes effect at once), ``ident`` says whom a request counts for
    (None: this throttle does not apply)."""

    scope = ""

    def rate(self) -> str | None:
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def ident(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self.usage = None
        rate, ident = self.rate(), self.ident(request)
        if rate is None or ident is None:
            return True
        self.usage = hit(rate, self.scope, ident)
        if self.usage is None:
            return True
        record(request, self.usage)
        return self.usage.allowed

    def wait(self) -> float | None:
        return self.usage.reset if self.usage else None


def record(request, usage: Usage) -> None:
    """Keep the tightest limit the request was counted against, for its answer's headers."""
    django_request = getattr(request, "_request", request)
    current = getattr(django_request, _REQUEST_ATTRIBUTE, None)
    if current is None or usage.remaining < current.remaining:
        setattr(django_request, _REQUEST_ATTRIBUTE, usage)


class RateLimitHeadersMiddleware:
    """``RateLimit-Limit``, ``-Remaining`` and ``-Reset`` on the answer of a counted request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if usage := getattr(request, _REQUEST_ATTRIBUTE, None):
            response[HEADER_LIMIT] = str(usage.limit)
            response[HEADER_REMAINING] = str(usage.remaining)
            response[HEADER_RESET] = str(usage.reset)
        return response
