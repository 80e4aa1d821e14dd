"""CSV for spreadsheets.

Written: UTF-8 with a byte-order mark (so that spreadsheets read Chinese titles), and no cell a
spreadsheet would run as a formula (CSV injection: a producer's title such as
``=HYPERLINK(...)`` must stay text). Read: rows numbered by the line of the file they start on,
the header checked before any row, errors as ``row N: field: message``.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


# Reading ----------------------------------------------------------------------------------------


class NumberedLines:
    """The stream's lines, remembering the number of the first line of the current record."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines = iter(stream)
        self.number = 0
        self.record_start: int | None = None

    def __iter__(self) -> "NumberedLines":
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        if self.record_start is None and line.strip("\r\n"):
            self.record_start = self.number  # blank lines between records are skipped
        return line


def csv_dict_rows(
    stream: IO[str],
    *,
    columns: Sequence[str],
    required: Sequence[str | tuple[str, ...]],
    normalise: Callable[[str], str] = str.strip,
) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows of a CSV file, each with the line of the file it starts on (header: 1).

    The header (names passed through ``normalise``) is checked at once: a missing column (an
    item of ``required``; a tuple is "one of these", reported by its first name), a column not
    in ``columns`` or one named twice is refused (on ``header``) before any row is read. Blank
    lines are skipped and keep the numbering right. Shared by the metrics and signals imports.
    """
    lines = NumberedLines(stream)
    reader = csv.DictReader(lines)
    header = [normalise(name or "") for name in (reader.fieldnames or [])]
    problems = []
    if not header:
        problems.append(str(_("The file is empty; the first line must name the columns.")))
    else:
        missing = [
            names[0] if isinstance(names, tuple) else names
            for names in required
            if not set((names,) if isinstance(names, str) else names) & set(header)
        ]
        unknown = [name for name in header if name not in columns]
        if missing:
            problems.append(str(_("missing columns: %(names)s")) % {"names": ", ".join(missing)})
        if unknown:
            problems.append(str(_("unknown columns: %(names)s")) % {"names": ", ".join(unknown)})
        if len(set(header)) != len(header):
            problems.append(str(_("a column is named twice")))
    if problems:
        raise ValidationError({"header": "; ".join(problems)})
    reader.fieldnames = header

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        lines.record_start = None
        for row in reader:
            yield lines.record_start or lines.number, row
            lines.record_start = None

    return rows()


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return str(_("row %(row)d: %(field)s: %(message)s")) % {
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }
