"""The business calendar: the day a rule counts in is China's (``settings.TIME_ZONE``), whatever
zone the person reading the page chose for display.

A page shows times in the reader's zone (``workflow.preferences``), so ``timezone.localdate()``
inside a request is the reader's day. Rules (a release day, a clearance's validity, the day a
milestone was reached, the newest day of metrics) must not move with the reader: they read the
day here.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def business_date(moment: datetime | None = None) -> date:
    """The day ``moment`` (default: now) falls on in the business calendar."""
    return timezone.localdate(moment, timezone=business_zone())
