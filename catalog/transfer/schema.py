"""JSON Schema validation of a catalog document, errors turned into issues."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from .fastcheck import Check, UnsupportedSchema, compile_check
from .issues import ImportIssue, PathPart, describe, issue

SCHEMA_PATH = Path(settings.BASE_DIR) / "schemas" / "catalog.v1.schema.json"

_PATTERN_MESSAGES = {
    "^[-a-zA-Z0-9_]+$": "is not a slug: use letters, digits, hyphens and underscores",
    "\\S": "must not be blank",
    "^[hH][tT][tT][pP][sS]?://": "must be an http or https URL",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD",
}
_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
    "boolean": "true or false",
}


@functools.cache
def catalog_schema() -> dict[str, Any]:
    """The JSON Schema of the catalog format (schemas/catalog.v1.schema.json)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(catalog_schema())


@functools.cache
def _quick_check() -> Check | None:
    try:
        return compile_check(catalog_schema())
    except UnsupportedSchema:
        return None


def schema_issues(data: object) -> list[ImportIssue]:
    """Every place where ``data`` breaks the schema.

    The quick check answers first; when it says no, jsonschema explains, but
    only over the envelope and the records the quick check refuses, so a few
    bad records in a large file cost little.
    """
    quick = _quick_check()
    if quick is not None and quick(data):
        return []
    if not isinstance(data, dict):
        return list(_explain(_validator(), data, ()))
    sections = _record_checks()
    envelope = {
        key: [] if key in sections and isinstance(value, list) else value
        for key, value in data.items()
    }
    found = list(_explain(_validator(), envelope, ()))
    for section, (check, validator) in sections.items():
        records = data.get(section)
        for index, record in enumerate(records if isinstance(records, list) else ()):
            if check is None or not check(record):
                found += _explain(validator, record, (section, index))
    return found


@functools.cache
def _record_checks() -> dict[str, tuple[Check | None, Draft202012Validator]]:
    """Per section that is a plain array of records: a quick check and a
    validator for one record."""
    schema = catalog_schema()
    out = {}
    for section, spec in schema["properties"].items():
        if spec.get("type") != "array" or set(spec) != {"type", "items"}:
            continue
        record = {"$defs": schema.get("$defs", {}), **spec["items"]}
        try:
            check: Check | None = compile_check(record)
        except UnsupportedSchema:
            check = None
        out[section] = (check, Draft202012Validator(record))
    return out


def _explain(
    validator: Draft202012Validator, instance: object, prefix: tuple[PathPart, ...]
) -> Iterator[ImportIssue]:
    for error in validator.iter_errors(instance):
        yield from error_issues(error, prefix)


def error_issues(
    error: SchemaError, prefix: tuple[PathPart, ...] = ()
) -> Iterator[ImportIssue]:
    """The issues of one jsonschema error, at ``prefix`` + the error's path."""
    path = [*prefix, *error.absolute_path]
    keyword = error.validator
    if keyword == "required":
        # One error per missing property, each naming none: point at every
        # missing one (the repeats are merged when the issues are sorted).
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                yield issue([*path, name], "is required")
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        expected = ", ".join(sorted(allowed))
        for name in error.instance:
            if name not in allowed:
                yield issue(
                    [*path, name], f"unknown field (expected one of: {expected})"
                )
        return
    yield issue(path, _message(error))


def _message(error: SchemaError) -> str:
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword == "enum":
        choices = ", ".join(str(choice) for choice in value)
        return f"{describe(instance)} is not one of: {choices}"
    if keyword == "const":
        return f"must be {describe(value)}, not {describe(instance)}"
    if keyword == "type":
        wanted = [value] if isinstance(value, str) else value
        names = " or ".join(_TYPE_NAMES.get(name, name) for name in wanted)
        return f"must be {names}, not {describe(instance)}"
    if keyword == "pattern" and value in _PATTERN_MESSAGES:
        return f"{describe(instance)} {_PATTERN_MESSAGES[value]}"
    if keyword == "minLength" and value == 1:
        return "must not be empty"
    if keyword == "minItems":
        return f"must list at least {value} item{'s' if value != 1 else ''}"
    if keyword in {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}:
        relation = {
            "minimum": "at least",
            "exclusiveMinimum": "more than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }[keyword]
        return f"must be {relation} {value}, not {describe(instance)}"
    if keyword == "maxLength":
        return f"is too long: {len(instance)} characters, at most {value}"
    return error.message
