"""Money and rates, and reading one value from a CSV cell or a JSON body.

Money is CNY as ``Decimal`` with 2 places, never float; a rate is a fraction 0..1 with 4 places.
Each ``parse_*`` takes what a CSV cell or a JSON value holds (text, or an int / Decimal / date)
and returns the value or raises ``ValidationError`` with the message for that field.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
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

# The messages, named so that a parser written in SQL (the metrics import on PostgreSQL) says
# exactly what these say.
REQUIRED = _("This field is required.")
NOT_BOOLEAN = _("Enter a number, not true or false.")
WHOLE = _("Enter a whole number of zero or more, e.g. 1200.")
WHOLE_MIN = _("Enter a whole number of at least %(min)d.")
WHOLE_MAX = _("Enter a whole number of at most %(max)d.")
RATE = _("Enter a fraction from 0 to 1 (e.g. 0.452) or a percentage (e.g. 45.2%).")
MONEY_AMOUNT = _("Enter an amount in CNY of zero or more, e.g. 1234.50.")
MONEY_PLACES = _("Use at most 2 decimal places.")
MONEY_MAX = _("Enter an amount of at most %(max)s.")
DATE = _("Enter a date as YYYY-MM-DD, e.g. 2026-03-01.")
DATE_FUTURE = _("The date is in the future.")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # JSON true/false is not a number
        raise ValidationError(NOT_BOOLEAN)
    return str(value).strip()


def _required(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValidationError(REQUIRED)
    return text


def parse_whole(value: Any, *, minimum: int = 0, maximum: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _required(value)
        if not _WHOLE.fullmatch(text):
            raise ValidationError(WHOLE)
        number = int(text)
    if number < minimum:
        raise ValidationError(WHOLE_MIN % {"min": minimum})
    if number > maximum:
        raise ValidationError(WHOLE_MAX % {"max": maximum})
    return number


def _decimal(text: str, message) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise ValidationError(message)
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ValidationError(message) from exc


def parse_rate(value: Any) -> Decimal:
    """A fraction 0..1 (``0.452``) or a percentage (``45.2%``), rounded to 4 decimal places.

    Exact: the percentage is divided with as many digits as it has (the default 28 would round
    ``100.00000000000000000000000000001%`` to 1 and accept it).
    """
    text = _required(value)
    with localcontext() as exact:
        exact.prec = max(exact.prec, len(text) + 2)
        if text.endswith("%"):
            rate = _decimal(text[:-1].strip(), RATE).scaleb(-2)
        else:
            rate = _decimal(text, RATE)
        if rate > 1:
            raise ValidationError(RATE)
        return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def parse_money(value: Any, *, maximum: Decimal) -> Decimal:
    amount = _decimal(_required(value), MONEY_AMOUNT)
    if amount.as_tuple().exponent < -2:
        raise ValidationError(MONEY_PLACES)
    if amount > maximum:
        raise ValidationError(MONEY_MAX % {"max": maximum})
    return amount


def parse_date(value: Any, *, today: date) -> date:
    if isinstance(value, date):
        day = value
    else:
        text = _required(value)
        if not _DATE.fullmatch(text):
            raise ValidationError(DATE)
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(DATE) from exc
    if day > today:
        raise ValidationError(DATE_FUTURE)
    return day
