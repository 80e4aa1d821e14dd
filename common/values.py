"""Money and rates, and reading one value from a CSV cell or a JSON body.

Money is CNY as ``Decimal`` with 2 places, never float; a rate is a fraction 0..1 with 4 places.
Each ``parse_*`` takes what a CSV cell or a JSON value holds (text, or an int / Decimal / date)
and returns the value or raises ``ValidationError`` with the message for that field.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# An amount of money, stored or entered: up to 999,999,999,999.99 CNY.
MONEY = {"max_digits": 14, "decimal_places": 2}
# A sum of many amounts (a budget's total, what is owed across installments): two more digits.
MONEY_SUM = {"max_digits": 16, "decimal_places": 2}
# A total over a title's life (revenue across every episode and day, residual bases): 20 digits.
MONEY_TOTAL = {"max_digits": 20, "decimal_places": 2}
RATE_PLACES = Decimal("0.0001")

# ASCII digits only: int() and Decimal() would also read other scripts' digits, and "1_000".
_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?|\.[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # JSON true/false is not a number
        raise ValidationError(_("Enter a number, not true or false."))
    return str(value).strip()


def _required(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValidationError(_("This field is required."))
    return text


def parse_whole(value: Any, *, minimum: int = 0, maximum: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _required(value)
        if not _WHOLE.fullmatch(text):
            raise ValidationError(_("Enter a whole number of zero or more, e.g. 1200."))
        number = int(text)
    if number < minimum:
        raise ValidationError(_("Enter a whole number of at least %(min)d.") % {"min": minimum})
    if number > maximum:
        raise ValidationError(_("Enter a whole number of at most %(max)d.") % {"max": maximum})
    return number


def _decimal(text: str, message) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise ValidationError(message)
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValidationError(message) from exc


def parse_rate(value: Any) -> Decimal:
    """A fraction 0..1 (``0.452``) or a percentage (``45.2%``), rounded to 4 decimal places."""
    message = _("Enter a fraction from 0 to 1 (e.g. 0.452) or a percentage (e.g. 45.2%).")
    text = _required(value)
    if text.endswith("%"):
        rate = _decimal(text[:-1].strip(), message) / 100
    else:
        rate = _decimal(text, message)
    if rate > 1:
        raise ValidationError(message)
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def parse_money(value: Any, *, maximum: Decimal) -> Decimal:
    message = _("Enter an amount in CNY of zero or more, e.g. 1234.50.")
    amount = _decimal(_required(value), message)
    if amount.as_tuple().exponent < -2:
        raise ValidationError(_("Use at most 2 decimal places."))
    if amount > maximum:
        raise ValidationError(_("Enter an amount of at most %(max)s.") % {"max": maximum})
    return amount


def parse_date(value: Any, *, today: date) -> date:
    if isinstance(value, date):
        day = value
    else:
        text = _required(value)
        message = _("Enter a date as YYYY-MM-DD, e.g. 2026-03-01.")
        if not _DATE.fullmatch(text):
            raise ValidationError(message)
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(message) from exc
    if day > today:
        raise ValidationError(_("The date is in the future."))
    return day
