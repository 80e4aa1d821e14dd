"""Money and counts for the UI: ``{{ amount|cny }}`` (exact), ``{{ amount|cny_summary }}`` (cards
and charts only) and ``{{ count|grouped }}``. The formatters are ``common.money``'s: one
convention for pages, forms, exports and messages.
"""

from django import template
from django.utils import formats, numberformat

from common import money

register = template.Library()
cny = money.cny  # for Python callers of the filter


def _grouped(value, decimal_pos: int | None) -> str:
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimal_pos,
        grouping=3,
        thousand_sep=",",
        force_grouping=True,
    )


register.filter("cny", money.cny)
register.filter("cny_summary", money.cny_summary)


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
