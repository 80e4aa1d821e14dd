"""Money and counts for the UI: ``{{ amount|cny }}`` and ``{{ count|grouped }}``.

One convention in both languages: the yuan sign before the amount, two decimals and commas every
three digits ("¥1,234,567.89"). Django's Chinese locale groups by four digits with no separator,
which nobody reads in a budget; the decimal separator still comes from the active locale.
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats, numberformat

register = template.Library()


def _grouped(value, decimal_pos: int | None) -> str:
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimal_pos,
        grouping=3,
        thousand_sep=",",
        force_grouping=True,
    )


@register.filter
def cny(value) -> str:
    """An amount in yuan: ``¥1,234,567.89``; blank (an em dash) when there is none."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{_grouped(abs(amount), 2)}"


@register.filter
def grouped(value) -> str:
    """A whole number with thousands separators: ``1,234,567``."""
    if value is None or value == "":
        return "—"
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    return _grouped(number, None)
