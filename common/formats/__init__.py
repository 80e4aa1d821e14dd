"""Date and time formats that override Django's per language (``settings.FORMAT_MODULE_PATH``),
and ``local_datetime`` for code that builds text itself."""

from django.utils import formats, timezone


def local_datetime(moment) -> str:
    """A moment in the active (the person's) zone, labelled: ``2026-12-08 18:00 CST``."""
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
