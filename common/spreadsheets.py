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


def csv_rows(
    stream: IO[str],
    *,
    columns: Sequence[str],
    required: Sequence[str | tuple[str, ...]],
    normalise: Callable[[str], str] = str.strip,
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the data rows (as lists) of a CSV file, each row with the line of the file
    it starts on (header: 1).

    The header (names passed through ``normalise``) is checked at once: a missing column (an
    item of ``required``; a tuple is "one of these", reported by its first name), a column not
    in ``columns`` or one named twice is refused (on ``header``) before any row is read. Blank
    lines are skipped and keep the numbering right.
    """
    reader = csv.reader(stream)
    header = [normalise(name) for name in next(reader, [])]
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

    def rows() -> Iterator[tuple[int, list[str]]]:
        # A record starts on the line after the previous one ended (the reader gives a blank
        # line as an empty record); line_num counts the lines a quoted value spans too.
        ended = reader.line_num
        for row in reader:
            if row:
                yield ended + 1, row
            ended = reader.line_num

    return header, rows()


def csv_dict_rows(
    stream: IO[str],
    *,
    columns: Sequence[str],
    required: Sequence[str | tuple[str, ...]],
    normalise: Callable[[str], str] = str.strip,
) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """``csv_rows`` as mappings, as ``csv.DictReader`` makes them: a missing value is None, the
    values past the last column are a list under None. Shared by the metrics and signals imports.
    """
    header, rows = csv_rows(stream, columns=columns, required=required, normalise=normalise)
    width = len(header)

    def mappings() -> Iterator[tuple[int, dict[str | None, Any]]]:
        for number, row in rows:
            mapping: dict[str | None, Any] = dict(zip(header, row, strict=False))
            if len(row) > width:
                mapping[None] = row[width:]
            else:
                mapping.update(dict.fromkeys(header[len(row) :]))
            yield number, mapping

    return mappings()


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
