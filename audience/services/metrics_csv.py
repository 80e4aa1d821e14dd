"""Importing a metrics CSV file: on PostgreSQL at database speed, elsewhere row by row.

On PostgreSQL, in one transaction:

1. **Stage.** The file is read once by the csv reader of the row-by-row path (rows numbered and
   cut the same way) and streamed by ``COPY`` into a temporary table of typed columns. A row is
   first matched against one compiled expression for a plain well-formed row (ASCII digits,
   bounded lengths, a date that exists, a rate that cannot exceed 1, money with at most two
   places) and a date not after today and valid plays within plays: every such row is one that
   ``metric_row_parse`` accepts as it stands, so its text is staged as it is. Any other row (a
   space, a leading zero too many, a 29 February, a bad value) goes through
   ``metric_row_parse`` itself: its good values are staged, and its messages with them.
2. **Check in SQL** what needs the database, for every staged row at once, as
   ``_Importer._check_project`` does row by row: the project exists (and is of a platform the
   user manages content for), is released, has the episode, and was live on the row's day.
   Only the rows that fail are written to (an ``UPDATE`` of the few, not of the file).
3. **Report** the errors in file order (the first ``max_errors``, with their count) and, unless
   bad rows make it write nothing, **merge** the good rows with one ``INSERT ... ON CONFLICT``:
   the last row of a repeated key wins, as row by row.

Both paths accept and refuse the same rows with the same messages and write the same figures
(tests/audience/test_metrics_csv_parity.py runs one set of rows through both). Python holds one
chunk of rows at a time, so memory stays flat with the file's size.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import IO

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audience.models.metrics import COUNT_FIELDS, MONEY_FIELDS, RATE_FIELDS, EpisodeMetric
from common.clock import business_date
from common.spreadsheets import RowError, csv_rows
from workflow.models import Project, ProjectTransition

from . import metrics
from .metrics import COLUMNS, DEFAULT_BATCH_SIZE, MAX_ERRORS, MetricsImportReport

STAGING = "metrics_import_staging"

# A plain well-formed row, joined with commas (a comma inside a cell adds a field: no match).
# Each part admits only values its parser accepts, within their bounds, and that PostgreSQL reads
# as the column's type; anything rarer is left to the parser.
_PLAIN = {
    "project": r"0*[1-9][0-9]{0,17}",
    "episode": r"0*[1-9][0-9]{0,3}",
    # No 29 February (leap years are the parser's); year 0000 does not exist.
    "date": r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)-"
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)",
    **dict.fromkeys(COUNT_FIELDS, r"[0-9]{1,12}"),
    **dict.fromkeys(
        RATE_FIELDS,
        r"(?:0(?:\.[0-9]+)?|1(?:\.0+)?|\.[0-9]+"
        r"|(?:[0-9]{1,2}(?:\.[0-9]+)?|100(?:\.0+)?|\.[0-9]+)%)",
    ),
    **dict.fromkeys(MONEY_FIELDS, r"(?:[0-9]{1,10}(?:\.[0-9]{1,2})?|\.[0-9]{1,2})"),
}
PLAIN_ROW = re.compile(",".join(_PLAIN[name] for name in COLUMNS))
_DATE, _PLAYS, _VALID_PLAYS = (COLUMNS.index(name) for name in ("date", "plays", "valid_plays"))
_TYPES = {
    "project": "bigint",
    "episode": "integer",
    "date": "date",
    **dict.fromkeys(COUNT_FIELDS, "bigint"),
    **dict.fromkeys(RATE_FIELDS, "text"),  # "45.2%" is read in the merge
    **dict.fromkeys(MONEY_FIELDS, "numeric"),
}


def episode_metrics_import_csv(
    *,
    stream: IO[str],
    actor=None,
    skip_bad_rows: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_errors: int = MAX_ERRORS,
    progress: Callable[[MetricsImportReport], None] | None = None,
) -> MetricsImportReport:
    """Import a metrics CSV file, as ``episode_metrics_import`` does with its rows.

    A bad header is refused (``ValidationError`` on ``header``) before any row is read;
    ``progress`` is called every ``batch_size`` rows read.
    """
    if connection.vendor != "postgresql":
        return metrics.episode_metrics_import(
            rows=metrics.metrics_csv_rows(stream),
            actor=actor,
            skip_bad_rows=skip_bad_rows,
            batch_size=batch_size,
            max_errors=max_errors,
            progress=progress,
        )
    metrics.check_batch_size(batch_size)
    header, rows = csv_rows(stream, columns=COLUMNS, required=COLUMNS)
    managed = metrics.managed_platforms(actor)
    report = MetricsImportReport()
    with transaction.atomic(), connection.cursor() as cursor:
        _stage(cursor, header, rows, report, batch_size=batch_size, progress=progress)
        _check(cursor, managed=managed)
        _read_errors(cursor, report, managed=managed, max_errors=max_errors)
        if report.bad_rows and not skip_bad_rows:
            transaction.set_rollback(True)
            return report
        report.created = _merge(cursor)
        report.updated = report.good_rows - report.created
        report.imported = True
        # Gone at commit anyway; dropped now so that an enclosing transaction may import again.
        cursor.execute(f"DROP TABLE {STAGING}")
    return report


# Staging ----------------------------------------------------------------------------------------


def _stage(cursor, header, rows, report, *, batch_size, progress) -> None:
    columns = ", ".join(f"{name} {_TYPES[name]}" for name in COLUMNS)
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGING} (line bigint NOT NULL, {columns}, "
        "parse_errors text, checks text[]) ON COMMIT DROP"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = ", ".join(("line", *COLUMNS, "parse_errors"))
    with cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN (FORMAT csv)") as copy:
        for number, plain, cells in _staged_rows(header, rows, today=business_date()):
            if plain is None:
                writer.writerow((number, *cells))
            else:  # digits, dots, dashes and % only: CSV as it stands (last: no parse errors)
                buffer.write(f"{number},{plain},\n")
            report.rows_read += 1
            if report.rows_read % batch_size == 0:
                copy.write(_chunk(buffer))
                if progress is not None:
                    progress(report)
        copy.write(_chunk(buffer))


def _staged_rows(header, rows, *, today: date) -> Iterator[tuple[int, str | None, list]]:
    """Each row as staged: a plain row's text, or the cells of a row the parser read, in
    ``COLUMNS`` order, with its parse errors (JSON, or None)."""
    width = len(header)
    order = [header.index(name) for name in COLUMNS]
    in_order = order == list(range(width))
    last_day = today.isoformat()
    for number, row in rows:
        if len(row) == width:
            cells = row if in_order else [row[i] for i in order]
            plain = ",".join(cells)
            if (
                PLAIN_ROW.fullmatch(plain)
                and cells[_DATE] <= last_day
                and int(cells[_VALID_PLAYS]) <= int(cells[_PLAYS])
            ):
                yield number, plain, cells
                continue
        values, errors = metrics.metric_row_parse(_mapping(header, row), today=today)
        parsed = [values.get(name) for name in COLUMNS]
        yield number, None, [*parsed, json.dumps(list(errors.items())) if errors else None]


def _mapping(header: list[str], row: list[str]) -> dict:
    """The row as ``csv.DictReader`` gives it (``common.spreadsheets.csv_dict_rows``)."""
    mapping: dict = dict(zip(header, row, strict=False))
    if len(row) > len(header):
        mapping[None] = row[len(header) :]
    else:
        mapping.update(dict.fromkeys(header[len(row) :]))
    return mapping


def _chunk(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# Checking ---------------------------------------------------------------------------------------


# The day project p went live, in the given zone: ``workflow.selectors.went_live_on``.
_LIVE_FROM = (
    f"((SELECT min(t.created_at) FROM {ProjectTransition._meta.db_table} t "  # noqa: S608  # nosec B608
    "WHERE t.project_id = p.id AND t.name = 'release') AT TIME ZONE %s)::date"
)


def _check(cursor, *, managed: set[int] | None) -> None:
    """Record on each staged row that fails them the project's checks, in the row-by-row order:
    the project (found, in scope, released), its episode count, and its release day."""
    cursor.execute(
        f"""
        WITH projects AS (
            SELECT p.id, p.state, p.episode_count, {_LIVE_FROM % "%(zone)s"} AS live_from
              FROM {Project._meta.db_table} p
             WHERE p.id IN (SELECT DISTINCT project FROM {STAGING})
               AND (%(managed)s::bigint[] IS NULL OR p.platform_id = ANY(%(managed)s::bigint[]))
        ),
        failed AS (
            SELECT s.line, array_remove(ARRAY[
                       CASE WHEN p.id IS NULL THEN 'no_project'
                            WHEN p.state <> ALL(%(states)s) THEN 'state' END,
                       CASE WHEN s.episode > p.episode_count THEN 'episode_count' END,
                       CASE WHEN s.date < p.live_from THEN 'before_live' END
                   ], NULL) AS checks
              FROM {STAGING} s LEFT JOIN projects p ON p.id = s.project
             WHERE s.project IS NOT NULL
               AND (p.id IS NULL OR p.state <> ALL(%(states)s)
                    OR s.episode > p.episode_count OR s.date < p.live_from)
        )
        UPDATE {STAGING} s SET checks = failed.checks FROM failed WHERE s.line = failed.line
        """,  # noqa: S608  # nosec B608
        {
            "managed": None if managed is None else sorted(managed),
            "states": sorted(metrics.METRICS_STATES),
            "zone": settings.TIME_ZONE,
        },
    )


def _read_errors(cursor, report: MetricsImportReport, *, managed, max_errors: int) -> None:
    bad = "s.parse_errors IS NOT NULL OR s.checks IS NOT NULL"
    cursor.execute(
        "SELECT count(*), coalesce(sum(coalesce(json_array_length(parse_errors::json), 0) "  # noqa: S608  # nosec B608
        f"+ coalesce(cardinality(checks), 0)), 0) FROM {STAGING} s WHERE {bad}"
    )
    report.bad_rows, report.error_count = cursor.fetchone()
    if not report.bad_rows or not max_errors:
        return
    cursor.execute(
        f"""
        SELECT s.line, s.parse_errors, s.checks, s.date, p.state, p.episode_count,
               {_LIVE_FROM % "%s"}
          FROM {STAGING} s LEFT JOIN {Project._meta.db_table} p ON p.id = s.project
         WHERE {bad}
         ORDER BY s.line
         LIMIT %s
        """,  # noqa: S608  # nosec B608
        [settings.TIME_ZONE, max_errors],
    )
    for line, parse_errors, checks, day, state, episode_count, live_from in cursor.fetchall():
        for field, message in json.loads(parse_errors or "[]"):
            report.errors.append(RowError(line, field, message))
        for check in checks or ():
            if check == "no_project":
                field, message = "project", metrics.no_project_message(managed)
            elif check == "state":
                field, message = "project", metrics.state_message(state)
            elif check == "episode_count":
                field, message = "episode", metrics.episode_count_message(episode_count)
            else:
                field, message = "date", metrics.before_live_message(live_from, day)
            report.errors.append(RowError(line, field, message))
    del report.errors[max_errors:]


# Merging ----------------------------------------------------------------------------------------
# parse_rate: a percentage divided by 100; rounded half up to 4 places.
_VALUES = ", ".join(
    f"round(CASE WHEN right({name}, 1) = '%%' THEN left({name}, -1)::numeric / 100 "
    f"ELSE {name}::numeric END, 4)"
    if name in RATE_FIELDS
    else name
    for name in COLUMNS
)
_GOOD = "parse_errors IS NULL AND checks IS NULL"
_INSERT = (
    f"INSERT INTO {EpisodeMetric._meta.db_table} "
    f"({', '.join(('project_id', *COLUMNS[1:]))}, created_at, updated_at) "
)


def _merge(cursor) -> int:
    """Write the good rows and return how many (project, episode, date) keys were new.

    Most files bring days not stored yet: then a plain ``INSERT`` of the rows as they are is
    enough (no sort, no conflict handling). When the file's days overlap stored ones, or it
    repeats a key (the ``INSERT`` is refused by the unique key and undone), the rows are upserted,
    the last row of a key winning.
    """
    if not _overlaps_stored(cursor):
        try:
            with transaction.atomic():
                cursor.execute(
                    f"{_INSERT} SELECT {_VALUES}, %(now)s, %(now)s FROM {STAGING} WHERE {_GOOD}",  # noqa: S608  # nosec B608
                    {"now": timezone.now()},
                )
                return cursor.rowcount
        except IntegrityError:
            pass  # a key repeated in the file, or stored meanwhile: upsert instead
    names = [name for name in COLUMNS if name not in ("project", "episode", "date")]
    key = "project, episode, date"
    cursor.execute(
        f"""
        WITH merged AS (
            {_INSERT}
            SELECT DISTINCT ON ({key}) {_VALUES}, %(now)s, %(now)s
              FROM {STAGING} WHERE {_GOOD} ORDER BY {key}, line DESC
            ON CONFLICT (project_id, episode, date) DO UPDATE SET
                {", ".join(f"{name} = excluded.{name}" for name in names)},
                updated_at = excluded.updated_at
            RETURNING xmax = 0 AS created
        )
        SELECT count(*) FILTER (WHERE created) FROM merged
        """,  # noqa: S608  # nosec B608
        {"now": timezone.now()},
    )
    return cursor.fetchone()[0]


def _overlaps_stored(cursor) -> bool:
    """Whether metrics are stored for a staged project within the file's dates (one index
    range per project)."""
    cursor.execute(
        f"""
        SELECT EXISTS (
            SELECT 1 FROM (SELECT project, min(date) AS first, max(date) AS last
                             FROM {STAGING} WHERE {_GOOD} GROUP BY project) staged
             WHERE EXISTS (SELECT 1 FROM {EpisodeMetric._meta.db_table} m
                            WHERE m.project_id = staged.project
                              AND m.date BETWEEN staged.first AND staged.last)
        )
        """  # noqa: S608  # nosec B608
    )
    return cursor.fetchone()[0]
