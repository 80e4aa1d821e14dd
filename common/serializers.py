"""Serializer bases shared by every app's API."""

import copy

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from common.errors import NotInScope


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not accept, rather than dropping them silently.

    A client that sends ``state`` or ``producer`` expects them to matter; a 400 naming the field
    tells it they don't, instead of a 200 that quietly ignored them.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            refused = sorted(set(data) - writable)
            if refused:
                raise ValidationError(
                    {
                        name: [
                            _("This field is read-only.")
                            if name in self.fields
                            else _("Unknown field.")
                        ]
                        for name in refused
                    }
                )
        return super().to_internal_value(data)


class PlainFieldsMixin:
    """Faster reads for serializers shown many to a page (a page of 50 projects spent most of
    its time in DRF's per-field indirection; bench/scale.py, "API project list")."""

    def get_fields(self):
        # ModelSerializer reads the model's fields anew for every serializer (every response);
        # they depend on the class alone, so each class builds them once and hands out copies,
        # as DRF does with the declared ones.
        template = type(self).__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()
            type(self)._fields_template = template
        return copy.deepcopy(template)

    @cached_property
    def _readable_fields(self):
        # DRF walks its field mapping again for every row; a list serializer reuses one child
        # for the whole page, so the list is made once.
        return [field for field in self.fields.values() if not field.write_only]

    @cached_property
    def _representation_plan(self) -> list[tuple[str, str | None, serializers.Field]]:
        """(name, attribute, field) per field shown; ``attribute`` where the field would return
        the model attribute unchanged (text, whole numbers, booleans, choices), read directly."""
        plain = (
            serializers.CharField,
            serializers.IntegerField,
            serializers.BooleanField,
            serializers.ChoiceField,
        )
        return [
            (
                field.field_name,
                field.source
                if type(field) in plain and field.source_attrs == [field.source]
                else None,
                field,
            )
            for field in self._readable_fields
        ]

    def to_representation(self, instance):
        # DRF's loop, reading the plain attributes directly.
        data = {}
        for name, attribute, field in self._representation_plan:
            if attribute is not None:
                data[name] = getattr(instance, attribute)
            else:
                value = field.get_attribute(instance)
                data[name] = None if value is None else field.to_representation(value)
        return data


def whole_id(data):
    """``data`` if it is written as an id: a JSON whole number, or a string of ASCII digits (form
    bodies). DRF and the database read ``3.5`` as 3, ``true`` as 1 and a full-width "３" as 3, so
    a body naming one object found another; each is refused here, with DRF's own message."""
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    if isinstance(data, str) and data.isascii() and data.isdigit():
        return data
    raise ValidationError(_("A valid integer is required."), code="invalid")


class IdField(serializers.IntegerField):
    """An id in a body, from 1 to the largest database integer, written as a whole number."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(whole_id(data))


class ScopedIdField(IdField):
    """An id in a body that the view looks up in the caller's scope (``common.api.in_scope``):
    404 when it names nothing there. Declaring it so puts that 404 in the schema."""


# The ids ``whole_id`` takes, as the schema states them.
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


@extend_schema_field(ID_SCHEMA)
class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """An object named by its id in a body (a 400 when there is no such object), the id written
    as a whole number (``whole_id``). Every writable related field of the API is one of these
    (``tests/common/test_ids.py`` checks)."""

    def to_internal_value(self, data):
        return super().to_internal_value(whole_id(data))


class ScopedRelatedField(IdRelatedField):
    """An id in a body, looked up in the caller's scope (``queryset``): an id outside it answers
    404, as it would in the path (``NotInScope``), never a 400 that would confirm it exists."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except ValidationError as exc:
            if exc.get_codes() == ["does_not_exist"]:
                raise NotInScope(self.field_name) from None
            raise


def scoped_id_fields(serializer) -> list[str]:
    """The names of the fields of ``serializer`` that name objects in the caller's scope."""
    fields = getattr(serializer, "fields", {})
    return [
        name
        for name, field in fields.items()
        if isinstance(field, ScopedIdField | ScopedRelatedField) and not field.read_only
    ]
