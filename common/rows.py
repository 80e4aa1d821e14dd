"""Lists read as rows: a serializer's representation built from ``values_list`` tuples.

A page of 50 projects spent most of its time building a model instance per row (django-fsm's
``ConcurrentTransitionMixin.__init__`` walks every field of each) and then taking the instance
apart again field by field, after a ``deepcopy`` of the serializer's fields for every response
(bench/scale.py, "API project list"). A ``RowPlan`` is compiled once per serializer class from
the serializer's own fields: it names the columns to select and turns each row into exactly the
dictionary the serializer would have made of the instance (same keys, same order, same values;
the tests compare the two byte for byte). Fields whose representation is the column's value
(text, whole numbers, booleans, choices) are copied as they are; times are put in the current
time zone as DRF does; every other field keeps its own ``to_representation``.
"""

from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

# Fields whose representation of a database value is the value itself.
_AS_IS = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.ChoiceField,
    serializers.ReadOnlyField,
)


def _is_plain_datetime(field) -> bool:
    """A DateTimeField that writes ISO 8601 in the current time zone (DRF's defaults)."""
    return (
        type(field) is serializers.DateTimeField
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == "iso-8601"
        and not hasattr(field, "timezone")
        and settings.USE_TZ
    )


class RowPlan:
    """``columns`` to select with ``values_list``; ``render(rows)`` the serializer's dictionaries.

    ``sources`` maps a field whose source is not a column (a model property) to the column that
    holds its value: ``{"joint_review_required": "special_subject"}``; ``derived`` maps a field
    computed from a column (a ``SerializerMethodField``) to the column and the function, called
    with the column's value, None included: ``{"is_read": ("read_at", is_not_none)}``.
    """

    def __init__(
        self,
        serializer: serializers.Serializer,
        *,
        sources: Mapping[str, str] = (),
        derived: Mapping[str, tuple[str, Callable]] = (),
    ):
        self.columns: list[str] = []
        self._names: list[str] = []
        indices: list[int] = []
        # (name, column index, converter): converter(value) for a value that is not None.
        self._converted: list[tuple[str, int, Callable]] = []
        self._datetimes: list[tuple[str, int]] = []
        # (name, column index, field): field.rows_representation() gives the converter for one
        # render (what depends on the request, such as its language, is looked up once a page).
        self._per_render: list[tuple[str, int, serializers.Field]] = []
        # (name, index of the related row's id, the related plan, its column offset)
        self._nested: list[tuple[str, int, RowPlan, int]] = []
        sources = dict(sources)
        derived = dict(derived)
        # (name, column index, function): function(value) for every value, None included.
        self._derived: list[tuple[str, int, Callable]] = []
        nested_fields = []
        for field in serializer.fields.values():
            if field.write_only:
                continue
            name = field.field_name
            self._names.append(name)
            if isinstance(field, serializers.BaseSerializer):
                nested_fields.append((name, field))
                indices.append(0)  # replaced below
                continue
            if name in derived:
                column, function = derived[name]
                index = self._column(column)
                indices.append(index)
                self._derived.append((name, index, function))
                continue
            if isinstance(field, serializers.SerializerMethodField):
                raise ValueError(f"{type(serializer).__name__}.{name}: say how it is derived")
            column = sources.get(name) or "__".join(field.source_attrs)
            if not column or field.source == "*":
                raise ValueError(f"{type(serializer).__name__}.{name}: no column to read")
            index = self._column(column)
            indices.append(index)
            if type(field) in _AS_IS:
                continue
            if isinstance(field, serializers.PrimaryKeyRelatedField):
                continue  # values_list reads a foreign key as its id
            if _is_plain_datetime(field):
                self._datetimes.append((name, index))
            elif hasattr(field, "rows_representation"):
                self._per_render.append((name, index, field))
            else:
                self._converted.append((name, index, field.to_representation))
        for name, field in nested_fields:
            prefix = "__".join(field.source_attrs)
            nested = RowPlan(field, sources={})
            offset = len(self.columns)
            self.columns.extend(f"{prefix}__{column}" for column in nested.columns)
            id_index = offset + nested.columns.index("id")
            indices[self._names.index(name)] = id_index
            self._nested.append((name, id_index, nested, offset))
        self._get = itemgetter(*indices) if len(indices) > 1 else (lambda row: (row[indices[0]],))

    def _column(self, column: str) -> int:
        if column not in self.columns:
            self.columns.append(column)
        return self.columns.index(column)

    def _one(self, row, offset: int, zone, per_render) -> dict:
        if offset:
            row = row[offset:]
        data = dict(zip(self._names, self._get(row), strict=True))
        for name, index in self._datetimes:
            value = row[index]
            if value:
                text = value.astimezone(zone).isoformat()
                data[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
            else:
                data[name] = None
        for name, index, convert in self._converted:
            value = row[index]
            data[name] = None if value is None else convert(value)
        for name, index, function in self._derived:
            data[name] = function(row[index])
        for name, index, convert in per_render:
            value = row[index]
            data[name] = None if value is None else convert(value)
        for name, id_index, nested, nested_offset in self._nested:
            data[name] = (
                None
                if row[id_index] is None
                else nested._one(row, nested_offset, zone, nested._converters())
            )
        return data

    def _converters(self) -> list[tuple[str, int, Callable]]:
        return [
            (name, index, field.rows_representation()) for name, index, field in self._per_render
        ]

    def render(self, rows: Iterable[tuple]) -> list[dict]:
        zone = timezone.get_current_timezone()
        per_render = self._converters()
        return [self._one(row, 0, zone, per_render) for row in rows]
