"""Writing the generated rows: COPY on PostgreSQL, executemany elsewhere, ids handed out here."""

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction

from audience.models import EpisodeMetric
from budgets.models import Budget, BudgetLine
from contracts.models import Contract
from releases.models import Release
from reviews.models import Clearance, Evaluation, RegulatoryReview, Score, Scorecard
from workflow.models import Deadline, Project, ProjectTransition

MODELS: tuple[type[models.Model], ...] = (
    Project,
    ProjectTransition,
    Budget,
    BudgetLine,
    Evaluation,
    Scorecard,
    Score,
    RegulatoryReview,
    Contract,
    Deadline,
    Clearance,
    Release,
    EpisodeMetric,
)


def _columns(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields]


class Writer:
    """Rows as tuples in the order of the model's concrete fields; ids handed out here."""

    def __init__(self) -> None:
        self.fields = {model: _columns(model) for model in MODELS}
        self.rows: dict[type[models.Model], list[tuple]] = {model: [] for model in MODELS}
        self.next_id = {}
        for model in MODELS:
            top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
            self.next_id[model] = top + 1
        self.postgres = connection.vendor == "postgresql"
        self._templates = {model: self._template(model) for model in MODELS}

    def new_id(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def row(self, model, **values) -> None:
        """A row from keyword values; fields not named take their default (or None)."""
        template, index, json_fields = self._templates[model]
        out = template.copy()
        for name, value in values.items():
            out[index[name]] = value
        for position in json_fields:
            out[position] = json.dumps(out[position], ensure_ascii=False)
        self.add(model, tuple(out))

    def _template(self, model) -> tuple[list, dict[str, int], list[int]]:
        """Per model: the defaults row, the position of each field, the JSON fields (PostgreSQL
        COPY takes them as text)."""
        template = []
        for f in self.fields[model]:
            if f.has_default():
                value = f.get_default()
            elif f.blank and not f.null and isinstance(f, models.CharField | models.TextField):
                value = ""
            else:
                value = None  # auto_now fields and required ones are always given
            template.append(value)
        index = {f.attname: position for position, f in enumerate(self.fields[model])}
        json_fields = [
            position
            for position, f in enumerate(self.fields[model])
            if isinstance(f, models.JSONField) and self.postgres
        ]
        return template, index, json_fields

    def add(self, model, row: tuple) -> None:
        self.rows[model].append(row)

    def take(self) -> dict[type[models.Model], list[tuple]]:
        """The rows collected since the last call, parents before children."""
        taken = {model: self.rows[model] for model in MODELS}
        self.rows = {model: [] for model in MODELS}
        return taken

    def _target(self, model) -> tuple[str, str]:
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in self.fields[model])
        return table, names

    def copy_payload(self, taken) -> list[tuple[str, bytes]]:
        """PostgreSQL: one ``COPY`` statement and its data (text format, built here: several
        times faster than psycopg's ``write_row``) per table."""
        payload = []
        for model, rows in taken.items():
            if rows:
                table, names = self._target(model)
                text = "".join("\t".join([_copy_text(v) for v in row]) + "\n" for row in rows)
                payload.append((f"COPY {table} ({names}) FROM STDIN", text.encode()))  # noqa: S608
        return payload

    def insert(self, taken) -> None:
        """Other databases: ``executemany`` of the values as the fields prepare them."""
        for model, rows in taken.items():
            if not rows:
                continue
            fields = self.fields[model]
            table, names = self._target(model)
            prepared = [
                tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
                for row in rows
            ]
            marks = ", ".join(["%s"] * len(fields))
            with connection.cursor() as cursor:
                # Table and column names come from model metadata, the values are parameters.
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608  # nosec B608

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_FORMAT: dict[type, Callable] = {
    int: str,
    Decimal: str,
    str: lambda v: v.translate(_COPY_ESCAPES),
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    datetime: datetime.isoformat,
    date: date.isoformat,
}


def _copy_text(value) -> str:
    try:
        return _COPY_FORMAT[type(value)](value)
    except KeyError:  # choices members (str subclasses) and the like
        return str(value).translate(_COPY_ESCAPES)


def copy_chunk(payload: list[tuple[str, bytes]]) -> None:
    """One chunk in one transaction (in the copier thread, on its own connection)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement, data in payload:
            with cursor.cursor.copy(statement) as copy:
                copy.write(data)
