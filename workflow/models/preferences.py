"""A person's display settings: the time zone every time is shown in (and labelled with)."""

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .organisations import TimeStampedModel

DEFAULT_TIME_ZONE = "Asia/Shanghai"


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("Unknown time zone “%(value)s”: use an IANA name such as Asia/Shanghai."),
            code="invalid_time_zone",
            params={"value": value},
        )


class UserPreference(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mdprod_preference",
        verbose_name=_("user"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("Every time is shown in this zone, labelled with it."),
    )

    class Meta:
        verbose_name = _("personal setting")
        verbose_name_plural = _("personal settings")

    def __str__(self) -> str:
        return f"{self.user} · {self.time_zone}"
