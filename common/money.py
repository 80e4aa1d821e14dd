"""How an amount of money reads, everywhere: one exact form and one summary form.

- ``cny(amount)``: the exact amount, the same in every language, form, table and export:
  ``¥500,000.00`` (yuan sign, commas every three digits, two decimals). Django's Chinese locale
  would group by four digits with no separator, which nobody reads in a budget.
- ``cny_summary(amount)``: a rounded amount for cards and charts only, never where the amount is
  acted on: ``50万元`` / ``1.2亿元`` in Chinese, ``¥500k`` / ``¥1.2M`` in English.

Templates load them as ``{% load money %}`` (``{{ amount|cny }}``, ``{{ amount|cny_summary }}``).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation

EMPTY = "—"
WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def cny(value) -> str:
    """``¥1,234,567.89`` (``-¥…`` below zero); an em dash when there is no amount."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY if value is None or value == "" else str(value)
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def _short(number: Decimal) -> str:
    """At most one decimal, none when it is zero: 50 -> "50", 1.25 -> "1.3"."""
    rounded = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def cny_summary(value) -> str:
    """A rounded amount for a card or a chart: ``50万元`` in Chinese, ``¥500k`` in English."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY if value is None or value == "" else str(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if (translation.get_language() or "").lower().startswith("zh"):
        if amount >= YI:
            return f"{sign}{_short(amount / YI)}亿元"
        if amount >= WAN:
            return f"{sign}{_short(amount / WAN)}万元"
        return f"{sign}{amount.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}元"
    for size, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M")):
        if amount >= size:
            return f"{sign}¥{_short(amount / size)}{suffix}"
    if amount >= 1000:
        return f"{sign}¥{_short(amount / 1000)}k"
    return f"{sign}¥{amount.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
