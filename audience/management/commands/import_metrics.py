"""Import release metrics from a CSV file, streaming: memory stays flat whatever the file size."""

import csv
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audience.services import metrics as services
from audience.services.metrics_csv import episode_metrics_import_csv

EXIT_NOTHING_IMPORTED = 1
EXIT_BAD_ROWS_SKIPPED = 2

HELP = f"""Import release metrics (one row per project, episode and day) from a CSV file.

The first line names the columns, in any order: {", ".join(services.COLUMNS)}.
project is the project's id; episode 1 to the project's episode count; date YYYY-MM-DD (China
time, not in the future); plays, valid_plays (at most plays), likes, comments, shares and
paid_unlocks are whole numbers; retention_3s, retention_5s, retention_10s and completion_rate are
fractions 0..1 ("0.452") or percentages ("45.2%"), kept to 4 decimal places; paid_revenue and
ad_revenue are CNY amounts ("1234.50"). The project must be released, taken down or completed.

A day already recorded for an episode is replaced (also when the file repeats it: the last row
wins). By default a file with any bad row imports nothing; every bad row is reported as
"row N: field: message" (N = line in the file, the header is line 1; the first
{services.MAX_ERRORS:,} errors, with the total). Exit status: 0 imported, 1 nothing imported
(bad rows or a bad file), 2 imported with bad rows skipped (--skip-bad-rows).
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8, comma-separated, with a header).")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the good rows and report the bad ones (exit status 2 if any).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=services.DEFAULT_BATCH_SIZE,
            help=(
                "Rows per chunk sent to the database (PostgreSQL: to COPY; elsewhere: per "
                f"upsert statement; default {services.DEFAULT_BATCH_SIZE:,})."
            ),
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=50_000,
            help="Print a progress line every N rows (default 50,000; 0 for none).",
        )

    def handle(self, *args, file, skip_bad_rows, batch_size, progress_every, **options):
        started = time.monotonic()
        last = {"rows": 0}

        def progress(report: services.MetricsImportReport) -> None:
            if not progress_every or report.rows_read - last["rows"] < progress_every:
                return
            last["rows"] = report.rows_read
            rate = report.rows_read / max(time.monotonic() - started, 1e-9)
            self.stderr.write(
                f"{report.rows_read:>12,} rows read, {report.bad_rows:,} bad, {rate:,.0f} rows/s"
            )

        try:
            with open(file, encoding="utf-8-sig", newline="") as stream:
                report = episode_metrics_import_csv(
                    stream=stream,
                    skip_bad_rows=skip_bad_rows,
                    batch_size=batch_size,
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        except ValidationError as exc:
            lines = [
                f"row 1: {name}: {' '.join(messages)}"
                if name == "header"
                else f"{name}: {' '.join(messages)}"
                for name, messages in exc.message_dict.items()
            ]
            raise CommandError("\n".join(lines)) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason}).") from exc
        except csv.Error as exc:
            raise CommandError(f"{file}: not a readable CSV file ({exc}).") from exc

        seconds = time.monotonic() - started
        for error in report.errors:
            self.stderr.write(str(error))
        if report.error_count > len(report.errors):
            self.stderr.write(f"... and {report.error_count - len(report.errors):,} more errors")
        rate = report.rows_read / max(seconds, 1e-9)
        summary = (
            f"{report.rows_read:,} rows read in {seconds:.1f} s ({rate:,.0f} rows/s): "
            f"{report.created:,} new, {report.updated:,} replaced, {report.bad_rows:,} bad."
        )
        if not report.bad_rows:
            self.stdout.write(summary)
            return
        if not report.imported:
            raise CommandError(
                f"{summary} Nothing was imported; fix the rows above or use --skip-bad-rows.",
                returncode=EXIT_NOTHING_IMPORTED,
            )
        self.stdout.write(summary)
        raise CommandError(
            f"{report.bad_rows:,} bad rows were skipped.", returncode=EXIT_BAD_ROWS_SKIPPED
        )
