"""Importing release metrics: one validation for the CSV command, the admin upload and the API.

Rows come in as a stream of ``(row number, mapping)`` pairs and are upserted in batches on
(project, episode, date), so sending a day again replaces it. Memory stays bounded whatever the
size of the stream: one batch of rows, the projects seen so far, and at most ``max_errors``
error messages are held, never the file or the set of keys.

The projects are not locked: metrics are accepted only for released, taken-down and completed
titles, and no transition leads out of those three states, nor may their episode count change, so
what a row is checked against cannot change during the import. Locking them would instead refuse
a take-down for as long as a million-row file takes to import.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audience.models.metrics import COUNT_FIELDS, METRIC_FIELDS, MONEY_FIELDS, EpisodeMetric
from common.clock import business_date
from common.errors import DomainError, PermissionDenied
from common.spreadsheets import RowError, csv_dict_rows
from common.values import parse_date, parse_money, parse_rate, parse_whole
from workflow.models import Membership, Organisation, Project, ProjectState
from workflow.permissions import CONTENT_MANAGER
from workflow.selectors import went_live_on
from workflow.services import project_lock
from workflow.visibility import memberships_of

S = ProjectState

# A released title keeps earning (and reporting) after a take-down and once completed.
METRICS_STATES = frozenset({S.RELEASED, S.TAKEN_DOWN, S.COMPLETED})
COLUMNS = ("project", "episode", "date", *METRIC_FIELDS)
KEY_FIELDS = ("project", "episode", "date")
DEFAULT_BATCH_SIZE = 2000
MAX_BATCH_SIZE = 10_000
MAX_ERRORS = 1000
MAX_UNKNOWN_PROJECTS = 10_000
BULK_MAX_ROWS = 5000
# Per episode and day. Far above any real title, and low enough that the summary's sums over
# millions of rows stay within a 64-bit integer and the totals' 20 digits.
MAX_COUNT = 10**12
MAX_MONEY = Decimal("9999999999.99")


class MetricsNotAccepted(DomainError):
    status_code = 409
    code = "metrics_not_accepted"
    default_detail = _("Metrics are recorded for released titles only.")


EXTRA_VALUES = _("This line has more values than the header has columns.")


def valid_plays_message(plays: int) -> str:
    return str(_("Valid plays cannot be more than plays (%(plays)d).")) % {"plays": plays}


def no_project_message(managed_platforms: set[int] | None) -> str:
    return str(
        _("No project with this id.")
        if managed_platforms is None
        else _("No project with this id commissioned by a platform you manage content for.")
    )


def state_message(state: str) -> str:
    return str(_("Metrics are recorded for released titles only; this project is %(state)s.")) % {
        "state": str(S(state).label).lower()
    }


def episode_count_message(count: int) -> str:
    return str(_("This project has %(count)d episodes; enter 1 to %(count)d.")) % {"count": count}


def before_live_message(live: date, day: date) -> str:
    return str(_("The title went live on %(live)s; this row is dated %(date)s, before that.")) % {
        "live": live.isoformat(),
        "date": day.isoformat(),
    }


def managed_platforms(actor) -> set[int] | None:
    """The platforms whose titles ``actor`` may send metrics of; None: any (the operator at the
    command line, or a superuser)."""
    if actor is None or actor.is_superuser:
        return None
    return {
        m.organisation_id
        for m in memberships_of(actor)
        if m.role == Membership.Role.CONTENT_MANAGER
        and m.organisation.kind == Organisation.Kind.PLATFORM
    }


def check_batch_size(batch_size: int) -> None:
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValidationError(
            {"batch_size": _("Choose from 1 to %(max)d rows.") % {"max": MAX_BATCH_SIZE}}
        )


def metric_row_parse(raw: Mapping[str, Any], *, today: date) -> tuple[dict, dict[str, str]]:
    """The row's values, and a message per bad field (also for unknown and missing fields).

    Checks what a row says on its own, without the database: the project's state and episode
    count are checked by the import.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in sorted(set(raw) - set(COLUMNS) - {None}, key=str):
        errors[str(name)] = str(_("Unknown field."))
    if None in raw:  # csv.DictReader puts the values past the last column under None
        errors["row"] = str(EXTRA_VALUES)
    parsers: dict[str, Callable[[Any], Any]] = {
        "project": lambda v: parse_whole(v, minimum=1, maximum=2**63 - 1),
        "episode": lambda v: parse_whole(v, minimum=1, maximum=32767),
        "date": lambda v: parse_date(v, today=today),
        **{name: partial(parse_whole, maximum=MAX_COUNT) for name in COUNT_FIELDS},
        **{name: partial(parse_money, maximum=MAX_MONEY) for name in MONEY_FIELDS},
    }
    for name in COLUMNS:
        parser = parsers.get(name, parse_rate)
        try:
            values[name] = parser(raw.get(name))
        except ValidationError as exc:
            errors[name] = " ".join(str(m) for m in exc.messages)
    plays, valid = values.get("plays"), values.get("valid_plays")
    if plays is not None and valid is not None and valid > plays:
        errors["valid_plays"] = valid_plays_message(plays)
    return values, errors


def metrics_csv_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The data rows of a metrics CSV, each with the line of the file it starts on (header: 1).

    The header is checked at once: a missing or unknown column is refused (on ``header``) before
    any row is read. Blank lines are skipped and keep the numbering right.
    """
    return csv_dict_rows(stream, columns=COLUMNS, required=COLUMNS)


# The import -------------------------------------------------------------------------------------


@dataclass
class MetricsImportReport:
    """What an import did. ``imported`` is False when bad rows made it write nothing."""

    rows_read: int = 0
    bad_rows: int = 0
    created: int = 0
    updated: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False

    @property
    def good_rows(self) -> int:
        return self.rows_read - self.bad_rows


@dataclass
class _ProjectInfo:
    project_id: int
    state: str
    episode_count: int
    rows_before: int
    live_from: date | None


class _Importer:
    def __init__(self, *, actor, skip_bad_rows: bool, batch_size: int, max_errors: int) -> None:
        self.actor = actor
        self.skip_bad_rows = skip_bad_rows
        self.batch_size = batch_size
        self.max_errors = max_errors
        self.today = business_date()
        self.report = MetricsImportReport()
        self.projects: dict[int, _ProjectInfo] = {}
        self.unknown_projects: set[int] = set()
        self.pending: dict[tuple[int, int, date], EpisodeMetric] = {}
        self.managed_platforms = managed_platforms(actor)

    def _error(self, row: int, name: str, message: str) -> None:
        self.report.error_count += 1
        if len(self.report.errors) < self.max_errors:
            self.report.errors.append(RowError(row, name, str(message)))

    def _project(self, project_id: int) -> _ProjectInfo | None:
        if project_id in self.projects:
            return self.projects[project_id]
        if project_id in self.unknown_projects:
            return None
        found = Project.objects.filter(pk=project_id)
        if self.managed_platforms is not None:
            found = found.filter(platform_id__in=self.managed_platforms)
        row = found.values("state", "episode_count").first()
        if row is None:
            # Remembered up to a limit: a file of made-up ids must not grow the memory.
            if len(self.unknown_projects) < MAX_UNKNOWN_PROJECTS:
                self.unknown_projects.add(project_id)
            return None
        info = self.projects[project_id] = _ProjectInfo(
            project_id=project_id,
            state=row["state"],
            episode_count=row["episode_count"],
            rows_before=EpisodeMetric.objects.filter(project_id=project_id).count(),
            live_from=went_live_on(project_id),
        )
        return info

    def _check_project(self, values: dict, errors: dict[str, str]) -> None:
        if "project" in errors:
            return
        info = self._project(values["project"])
        if info is None:
            errors["project"] = no_project_message(self.managed_platforms)
            return
        if info.state not in METRICS_STATES:
            errors["project"] = state_message(info.state)
        if "episode" not in errors and values["episode"] > info.episode_count:
            errors["episode"] = episode_count_message(info.episode_count)
        # A day before the title went live has no audience to count (and would be paid as
        # residuals): a mistyped year, or another title's file.
        if "date" not in errors and info.live_from and values["date"] < info.live_from:
            errors["date"] = before_live_message(info.live_from, values["date"])

    def add(self, number: int, raw: Mapping[str, Any]) -> None:
        self.report.rows_read += 1
        values, errors = metric_row_parse(raw, today=self.today)
        self._check_project(values, errors)
        if errors:
            self.report.bad_rows += 1
            for name, message in errors.items():
                self._error(number, name, message)
            return
        if self.report.bad_rows and not self.skip_bad_rows:
            return  # nothing will be written: only look for further errors
        key = (values["project"], values["episode"], values["date"])
        # Within a batch a repeated key keeps the last row (one statement cannot upsert a key twice).
        self.pending.pop(key, None)
        self.pending[key] = EpisodeMetric(
            project_id=values.pop("project"),
            **values,
        )
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        EpisodeMetric.objects.bulk_create(
            list(self.pending.values()),
            update_conflicts=True,
            unique_fields=["project", "episode", "date"],
            update_fields=[*METRIC_FIELDS, "updated_at"],
        )
        self.pending.clear()

    def finish(self) -> MetricsImportReport:
        report = self.report
        if report.bad_rows and not self.skip_bad_rows:
            self.pending.clear()
            transaction.set_rollback(True)
            return report
        self.flush()
        seen = list(self.projects.values())
        if seen:
            after = EpisodeMetric.objects.filter(
                project_id__in=[i.project_id for i in seen]
            ).count()
            report.created = after - sum(info.rows_before for info in seen)
        report.updated = report.good_rows - report.created
        report.imported = True
        return report


def episode_metrics_import(
    *,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    actor=None,
    skip_bad_rows: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_errors: int = MAX_ERRORS,
    progress: Callable[[MetricsImportReport], None] | None = None,
) -> MetricsImportReport:
    """Upsert a stream of metric rows, numbered by the caller (CSV line, or list index).

    One transaction: by default a single bad row means nothing is written, and the report lists
    every bad field (the first ``max_errors`` of them, with the total count); with
    ``skip_bad_rows`` the good rows are written. ``actor`` None is the operator at the command
    line; a user may only send metrics of projects their platform commissioned (they are content
    managers there). ``progress`` is called with the report every ``batch_size`` rows.
    """
    check_batch_size(batch_size)
    importer = _Importer(
        actor=actor, skip_bad_rows=skip_bad_rows, batch_size=batch_size, max_errors=max_errors
    )
    with transaction.atomic():
        for number, raw in rows:
            importer.add(number, raw)
            if progress is not None and importer.report.rows_read % batch_size == 0:
                progress(importer.report)
        return importer.finish()


@transaction.atomic
def episode_metrics_upsert(
    *, project: Project, actor, rows: list[Mapping[str, Any]]
) -> MetricsImportReport:
    """The platform reports one project's figures (the bulk API): all rows or none.

    Each row names episode and date (and may repeat the project); sending the same day again
    replaces it. Bad rows are refused on ``rows.<index>.<field>`` (index from 0).
    """
    locked = project_lock(project.pk)
    if not CONTENT_MANAGER(locked, actor):
        raise PermissionDenied(
            _("Only a content manager of the commissioning platform can send its metrics.")
        )
    if locked.state not in METRICS_STATES:
        raise MetricsNotAccepted(
            _("Metrics are recorded for released titles only; this project is %(state)s.")
            % {"state": str(locked.get_state_display()).lower()}
        )
    if not rows:
        raise ValidationError({"rows": _("Send at least one row.")})
    if len(rows) > BULK_MAX_ROWS:
        raise ValidationError(
            {"rows": _("Send at most %(max)d rows at a time.") % {"max": BULK_MAX_ROWS}}
        )
    errors: dict[str, list[str]] = {}

    def numbered() -> Iterator[tuple[int, Mapping[str, Any]]]:
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                errors[f"rows.{index}"] = [str(_("Each row is an object."))]
                continue
            if "project" in row and str(row["project"]).strip() != str(locked.pk):
                errors[f"rows.{index}.project"] = [
                    str(_("Every row must be of project %(id)d.")) % {"id": locked.pk}
                ]
                continue
            yield index, {**row, "project": locked.pk}

    report = episode_metrics_import(
        rows=numbered(), actor=actor, batch_size=DEFAULT_BATCH_SIZE, max_errors=BULK_MAX_ROWS * 20
    )
    for error in report.errors:
        errors.setdefault(f"rows.{error.row}.{error.field}", []).append(error.message)
    if errors:
        raise ValidationError(errors)  # leaving the transaction undoes what was written
    return report
