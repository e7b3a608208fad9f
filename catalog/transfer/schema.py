"""JSON Schema validation of a catalog document, errors turned into issues.

jsonschema explains every error but takes seconds on a large catalog (tens of
microseconds per value). Most imports are valid, so fastjsonschema, which
compiles the schema into Python code, answers "valid?" first; only when it
says no does jsonschema run to say why, and then only over the envelope and
the records fastjsonschema refuses, so a few bad records in a large file cost
little. jsonschema has the last word: fastjsonschema is as strict or stricter
(its ``$`` is ``\\Z``), so a document it accepts is one jsonschema accepts,
and one it refuses for nothing jsonschema sees has no issues. A property test
holds them to that.

Both accept NaN where a number has bounds (every comparison with NaN is
false); ``checks._check_values`` refuses numbers that are not finite.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from .issues import ImportIssue, PathPart, describe, issue

SCHEMA_PATH = Path(settings.BASE_DIR) / "schemas" / "catalog.v1.schema.json"

_SLUG_PATTERN = "^[-a-z0-9_]+$"
_PATTERN_MESSAGES = {
    _SLUG_PATTERN: "is not a slug: use lowercase letters, digits, hyphens and "
    "underscores",
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

Check = Callable[[object], bool]


@functools.cache
def catalog_schema() -> dict[str, Any]:
    """The JSON Schema of the catalog format (schemas/catalog.v1.schema.json)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_check_compile(schema: dict[str, Any]) -> Check:
    """A function telling whether an instance is valid against ``schema``.

    Compiled by fastjsonschema once; the function only answers yes or no.
    """
    # fastjsonschema rewrites the $refs of the schema it is given (so it gets
    # a copy), and fills defaults into the data unless told not to.
    validate = fastjsonschema.compile(_refs_beside(schema), use_default=False)

    def check(instance: object) -> bool:
        try:
            validate(instance)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    return check


def _refs_beside(node: Any) -> Any:
    """A copy of ``node`` where a ``$ref`` with other keywords beside it is
    wrapped in ``allOf``.

    Since draft 2019-09 the keywords beside a ``$ref`` apply too
    (``{"$ref": "#/$defs/slug", "maxLength": 80}``); fastjsonschema follows
    draft 7, where the ``$ref`` alone counts.
    """
    if isinstance(node, list):
        return [_refs_beside(item) for item in node]
    if not isinstance(node, dict):
        return copy.deepcopy(node)
    out = {key: _refs_beside(value) for key, value in node.items()}
    if "$ref" in out and len(out) > 1:
        ref = {"$ref": out.pop("$ref")}
        out["allOf"] = [ref, *out.get("allOf", [])]
    return out


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(catalog_schema())


@functools.cache
def _document_check() -> Check:
    return schema_check_compile(catalog_schema())


def schema_issues(data: object) -> list[ImportIssue]:
    """Every place where ``data`` breaks the schema, with its JSON path.

    fastjsonschema answers first; when it says no, jsonschema explains, over
    the envelope and the records fastjsonschema refuses.
    """
    if _document_check()(data):
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
            if not check(record):
                found += _explain(validator, record, (section, index))
    return found


@functools.cache
def _record_checks() -> dict[str, tuple[Check, Draft202012Validator]]:
    """Per section that is a plain array of records: a quick check and a
    validator for one record."""
    schema = catalog_schema()
    out = {}
    for section, spec in schema["properties"].items():
        if spec.get("type") != "array" or set(spec) != {"type", "items"}:
            continue
        record = {"$defs": schema.get("$defs", {}), **spec["items"]}
        out[section] = (schema_check_compile(record), Draft202012Validator(record))
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
    if keyword == "pattern" and value == _SLUG_PATTERN and _is_slug(instance.lower()):
        return f"{describe(instance)} must be lowercase: {describe(instance.lower())}"
    if keyword == "pattern" and value in _PATTERN_MESSAGES:
        return f"{describe(instance)} {_PATTERN_MESSAGES[value]}"
    if keyword == "minLength" and value == 1:
        return "must not be empty"
    if keyword == "minItems":
        return f"must list at least {value} item{'s' if value != 1 else ''}"
    if keyword == "maxItems":
        return f"must list at most {value} items, not {len(instance)}"
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


def _is_slug(text: str) -> bool:
    return re.fullmatch(_SLUG_PATTERN.strip("^$"), text) is not None
