"""At most ``MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET`` deliveries to one ``host:port`` at once.

Many subscriptions (of one organisation or several) may name the same receiver; when it is slow,
every worker would end up waiting on it, and mdprod would be hammering one host. A delivery
takes one of the target's slots for the time of its request; one that finds them all taken is
not attempted (see ``delivery.webhook_delivery_attempt``).

The slots must be shared by every worker process on every host, and must come free when a
worker dies mid-request:

- On PostgreSQL (production) a slot is a session-level advisory lock,
  ``pg_try_advisory_lock(key(target, n))`` for n in 0..cap-1. The database is the one thing
  every worker shares whatever else is configured, taking a lock is atomic, and the server
  releases it when the holder's connection ends, so a killed worker cannot leak a slot, with no
  expiry to guess. (A session lock, released explicitly, not a transaction one: the delivery's
  transaction also runs inside test transactions and savepoints, which would keep it.)
- On other databases (the embedded SQLite mode) a slot is a key in Django's cache, taken with
  ``cache.add`` (atomic ``SET NX`` on Redis) with a time-to-live longer than a task may run
  (``CELERY_TASK_TIME_LIMIT``), so a killed worker's slot expires by itself. It is shared only
  as far as the cache is (``CACHE_URL``); the embedded in-memory cache counts per process.
"""

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection

DEFAULT_MAX_CONCURRENT = 4
CACHE_PREFIX = "mdprod:webhook-slot:"


class TargetBusy(Exception):
    """Every slot of the target is taken: try later, without counting an attempt."""


def max_concurrent() -> int:
    return max(
        1,
        int(getattr(settings, "MDPROD_WEBHOOK_MAX_CONCURRENT_PER_TARGET", DEFAULT_MAX_CONCURRENT)),
    )


def advisory_key(target: str, slot: int) -> int:
    """The signed 64-bit advisory lock key of one slot of ``target``."""
    digest = hashlib.blake2b(f"mdprod-webhook:{target}#{slot}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def cache_key(target: str, slot: int) -> str:
    digest = hashlib.blake2b(target.encode(), digest_size=16).hexdigest()
    return f"{CACHE_PREFIX}{digest}:{slot}"


def _slot_ttl() -> int:
    return int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 300)) + 60


@contextmanager
def target_slot(target: str) -> Iterator[int]:
    """Hold one of ``target``'s slots while the block runs (yields its number); raise
    ``TargetBusy`` if all are taken."""
    if connection.vendor == "postgresql":
        with _advisory_slot(target) as slot:
            yield slot
    else:
        with _cache_slot(target) as slot:
            yield slot


@contextmanager
def _advisory_slot(target: str) -> Iterator[int]:
    with connection.cursor() as cursor:
        for slot in range(max_concurrent()):
            key = advisory_key(target, slot)
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if cursor.fetchone()[0]:
                break
        else:
            raise TargetBusy(target)
    try:
        yield slot
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def _cache_slot(target: str) -> Iterator[int]:
    token = secrets.token_hex(8)
    for slot in range(max_concurrent()):
        key = cache_key(target, slot)
        if cache.add(key, token, timeout=_slot_ttl()):
            break
    else:
        raise TargetBusy(target)
    try:
        yield slot
    finally:
        if cache.get(key) == token:  # not expired and taken by another meanwhile
            cache.delete(key)
