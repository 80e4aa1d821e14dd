"""CSV for spreadsheets: UTF-8 with a byte-order mark (so that spreadsheets read Chinese titles),
and no cell a spreadsheet would run as a formula (CSV injection: a producer's title such as
``=HYPERLINK(...)`` must stay text)."""

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise

# What a spreadsheet takes for the start of a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a cell: None blank, text that would start a formula quoted with ``'``."""
    if value is None:
        return ""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[Any] | None, rows: Iterable[Iterable[Any]]) -> str:
    """The header (if any) and rows as CSV text, byte-order mark first, each cell safe_cell'd."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    if header is not None:
        writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
