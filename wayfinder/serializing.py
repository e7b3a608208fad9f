"""A faster ``to_representation`` for serializers of many plain rows.

DRF serializes each field of each row through ``get_attribute``, source
resolution and ``to_representation``: for a roadmap of 50 steps with three
resources each that machinery cost more than reading the rows. Most fields
there are plain: a model attribute of the same name whose value is already
JSON-ready (text, numbers, booleans, lists of text, JSON). :class:`PlainFieldsMixin`
reads those with one ``getattr`` and hands every other field (decimals, dates,
method fields, nested serializers) to DRF as before, so the output is the
same, key for key (tests/wayfinder/test_serializing.py compares the two).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

#: Fields whose representation of a non-null value is the value itself.
_AS_IS = (
    serializers.BooleanField,
    serializers.IntegerField,
    serializers.JSONField,
)
#: Fields that represent a value as ``str(value)``.
_AS_TEXT = (serializers.CharField,)

#: Fields whose own ``to_representation`` turns a non-null value into JSON.
_CONVERTED = (
    serializers.DecimalField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.FloatField,
)

Reader = Callable[[Any], Any]


class PlainFieldsMixin:
    """Mix into a ``serializers.Serializer`` subclass (before it)."""

    def _readers(self) -> list[tuple[str, Reader]]:
        readers = getattr(self, "_plain_readers", None)
        if readers is None:
            readers = [
                (field.field_name, _reader(self, field))
                for field in self._readable_fields
            ]
            self._plain_readers = readers
        return readers

    def to_representation(self, instance: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, read in self._readers():
            try:
                out[name] = read(instance)
            except SkipField:
                continue
        return out


def _reader(serializer: serializers.Serializer, field: serializers.Field) -> Reader:
    source = field.source
    plain = (
        not isinstance(field, serializers.BaseSerializer)
        and source != "*"
        and "." not in source
        and not field.source_attrs[:-1]
    )
    if plain and type(field) in _AS_IS or plain and _is_plain_json(field):
        return lambda row: getattr(row, source)
    if plain and isinstance(field, _AS_TEXT):
        return lambda row: _text(getattr(row, source))
    if plain and type(field) is serializers.ChoiceField:
        choices = field.choice_strings_to_values
        return lambda row: _choice(choices, getattr(row, source))
    if plain and isinstance(field, _CONVERTED):
        convert = field.to_representation
        return lambda row: _converted(convert, getattr(row, source))
    if isinstance(field, serializers.SerializerMethodField):
        return getattr(serializer, field.method_name)
    return lambda row: _drf(field, row)


def _is_plain_json(field: serializers.Field) -> bool:
    return isinstance(field, serializers.ListField) and isinstance(
        field.child, _AS_TEXT
    )


def _converted(convert: Reader, value: Any) -> Any:
    return None if value is None else convert(value)


def _choice(choices: dict[str, Any], value: Any) -> Any:
    return value if value in ("", None) else choices.get(str(value), value)


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _drf(field: serializers.Field, row: Any) -> Any:
    """DRF's own way for one field (Serializer.to_representation, per field)."""
    attribute = field.get_attribute(row)
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check_for_none is None else field.to_representation(attribute)
