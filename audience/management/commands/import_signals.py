"""Import audience signals of one project from a CSV file (all rows or none)."""

import csv

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from audience.services import signal_rows
from audience.services import signals as services
from common.errors import DomainError
from workflow.models import Project

HELP = f"""Import audience signals (comments, danmu, reposts, tags) of one project from a CSV file.

The first line names the columns: {",".join(signal_rows.COLUMNS)} (any order; likes and
offset_seconds may be left out, and one of episode and clip). platform as exported (douyin...);
kind comment, danmu, repost or tag (or 评论, 弹幕, 转发, 标签); episode the episode's number, or
clip a test clip's code; posted_at like 2026-03-01 20:15 (China time unless it has an offset);
author_id the platform's account id (stored only as a keyed hash); text (phone numbers, ID-card
numbers and e-mail addresses are redacted); likes and offset_seconds whole numbers. UTF-8, with
or without the byte-order mark spreadsheet tools write.

A file with any bad row imports nothing; every bad row is reported as "row N: field: message"
(N = line in the file, the header is line 1). Exact duplicates and suspected automated signals
are imported, flagged, and counted in the summary. --user names who imports (a producer or
org admin of the producer company, a content manager of the platform); without it, the first
superuser. Exit status 0 imported, 1 nothing imported.
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--project", type=int, required=True, help="The project's id.")
        parser.add_argument("--file", required=True, help="The CSV file.")
        parser.add_argument("--user", help="The importing user's username.")

    def _user(self, username):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("Name the importing user with --user (there is no superuser).")
        return user

    def handle(self, *args, project, file, user, **options):
        importer = self._user(user)
        target = Project.objects.filter(pk=project).first()
        if target is None:
            raise CommandError(f"No project with id {project}.")
        try:
            with open(file, encoding="utf-8-sig", newline="") as stream:
                signal_import = services.signals_import(
                    project=target,
                    rows=signal_rows.signals_csv_rows(stream),
                    source="csv",
                    filename=str(file).rsplit("/", 1)[-1],
                    user=importer,
                )
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        except services.SignalRowsInvalid as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                f"Nothing was imported: {exc.error_count} errors (see above)."
            ) from exc
        except ValidationError as exc:
            lines = [
                f"row 1: {name}: {' '.join(messages)}"
                if name == "header"
                else f"{name}: {' '.join(messages)}"
                for name, messages in exc.message_dict.items()
            ]
            raise CommandError("\n".join(lines)) from exc
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason}).") from exc
        except csv.Error as exc:
            raise CommandError(f"{file}: not a readable CSV file ({exc}).") from exc
        self.stdout.write(
            f"Import {signal_import.pk}: {signal_import.rows} signals, "
            f"{signal_import.duplicates} exact duplicates, {signal_import.automated} suspected "
            f"automated, {signal_import.redactions} redactions."
        )
