"""A person's time zone: read once per request (from the cache), activated by the middleware,
changed on the "My settings" page and with ``PATCH /api/v1/me/``.

Pages show every time in the person's zone with the zone's label (``common/formats``); the API
answers ISO 8601 times with their offset, whatever the zone.
"""

import zoneinfo

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from workflow.models import UserPreference
from workflow.models.preferences import DEFAULT_TIME_ZONE

CACHE_SECONDS = 24 * 3600


def _key(user) -> str:
    # With the join time, a reused id (a deleted user, a rolled-back test) starts afresh.
    joined = int(user.date_joined.timestamp() * 1_000_000) if user.date_joined else 0
    return f"mdprod:time-zone:{user.pk}.{joined}"


def time_zone_of(user) -> str:
    """The person's zone name (the default for anyone without a setting or not signed in)."""
    if not getattr(user, "is_authenticated", False):
        return DEFAULT_TIME_ZONE
    name = cache.get(_key(user))
    if name is None:
        name = (
            UserPreference.objects.filter(user_id=user.pk)
            .values_list("time_zone", flat=True)
            .first()
        ) or DEFAULT_TIME_ZONE
        cache.set(_key(user), name, CACHE_SECONDS)
    return name


def user_preference_update(*, user, time_zone: str) -> UserPreference:
    """Set the person's time zone (an IANA name, checked); the next request shows it."""
    with transaction.atomic(durable=True):
        preference, _created = UserPreference.objects.select_for_update().get_or_create(user=user)
        preference.time_zone = time_zone
        preference.full_clean()
        preference.save()
        # Forgotten now and again once committed, so that no request keeps the old zone.
        cache.delete(_key(user))
        transaction.on_commit(lambda: cache.delete(_key(user)))
    return preference


@receiver(user_logged_in, dispatch_uid="mdprod-time-zone-on-sign-in")
def _remember_on_sign_in(sender, request, user, **kwargs):
    # Read at sign-in, so that a page costs no query for it.
    cache.delete(_key(user))
    time_zone_of(user)


class TimeZoneMiddleware:
    """Activates the signed-in person's time zone for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = time_zone_of(getattr(request, "user", None))
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
