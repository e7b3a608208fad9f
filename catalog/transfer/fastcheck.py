"""A quick yes-or-no check of a document against the catalog schema.

jsonschema explains every error but takes seconds on a large catalog (tens of
microseconds per value). Most imports are valid, so the schema is compiled
once into plain closures that only answer "valid?"; only when they say no does
jsonschema run to say why. The closures cover exactly the keywords the
catalog schema uses and refuse to compile on any other, and where they differ
from jsonschema they are stricter (NaN fails a minimum), so a document they
accept is one jsonschema accepts. A property test holds them to that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_IGNORED = {"$schema", "$id", "$defs", "title", "description"}


class UnsupportedSchema(Exception):
    """The schema uses a keyword the quick check does not implement."""


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "number": _is_number,
    "integer": lambda x: _is_number(x) and (isinstance(x, int) or x.is_integer()),
    "null": lambda x: x is None,
    "boolean": lambda x: isinstance(x, bool),
}


def compile_check(schema: dict[str, Any]) -> Check:
    """A function telling whether a document is valid against ``schema``.

    Raises UnsupportedSchema if the schema uses a keyword not covered here.
    """
    defs = schema.get("$defs", {})
    compiled: dict[str, Check] = {}

    def ref(pointer: str) -> Check:
        name = pointer.removeprefix("#/$defs/")
        if name not in defs or "/" in name:
            raise UnsupportedSchema(f"$ref {pointer}")
        if name not in compiled:
            compiled[name] = _always_false  # a recursive $ref is not supported
            compiled[name] = build(defs[name])
        elif compiled[name] is _always_false:
            raise UnsupportedSchema(f"recursive $ref {pointer}")
        return compiled[name]

    def build(node: dict[str, Any]) -> Check:
        checks = [
            _keyword(key, value, node, build, ref)
            for key, value in node.items()
            if key not in _IGNORED
        ]
        if len(checks) == 1:
            return checks[0]

        def check_all(x: Any) -> bool:
            return all(check(x) for check in checks)

        return check_all

    return build(schema)


def _always_false(x: Any) -> bool:
    return False


def _keyword(
    key: str,
    value: Any,
    node: dict[str, Any],
    build: Callable[[dict[str, Any]], Check],
    ref: Callable[[str], Check],
) -> Check:
    if key == "$ref":
        return ref(value)
    if key == "type":
        names = [value] if isinstance(value, str) else value
        tests = [_TYPES[name] for name in names]
        return lambda x: any(test(x) for test in tests)
    if key == "properties":
        checks = [(name, build(sub)) for name, sub in value.items()]
        return lambda x: (
            not isinstance(x, dict)
            or all(check(x[name]) for name, check in checks if name in x)
        )
    if key == "additionalProperties" and value is False:
        allowed = frozenset(node.get("properties", {}))
        return lambda x: not isinstance(x, dict) or x.keys() <= allowed
    if key == "required":
        return lambda x: not isinstance(x, dict) or all(name in x for name in value)
    if key == "items" and isinstance(value, dict):
        item = build(value)
        return lambda x: not isinstance(x, list) or all(item(i) for i in x)
    if key == "minItems":
        return lambda x: not isinstance(x, list) or len(x) >= value
    if key == "enum" and all(isinstance(v, str) for v in value):
        choices = frozenset(value)
        return lambda x: isinstance(x, str) and x in choices
    if key == "const" and isinstance(value, str):
        return lambda x: isinstance(x, str) and x == value
    if key == "const" and _is_number(value):
        return lambda x: _is_number(x) and x == value
    if key == "pattern":
        search = re.compile(value).search
        return lambda x: not isinstance(x, str) or search(x) is not None
    if key == "minLength":
        return lambda x: not isinstance(x, str) or len(x) >= value
    if key == "maxLength":
        return lambda x: not isinstance(x, str) or len(x) <= value
    if key in _BOUNDS:
        within = _BOUNDS[key]
        return lambda x: not _is_number(x) or within(x, value)
    raise UnsupportedSchema(f"{key}: {value!r}")


_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": lambda x, v: x >= v,
    "maximum": lambda x, v: x <= v,
    "exclusiveMinimum": lambda x, v: x > v,
    "exclusiveMaximum": lambda x, v: x < v,
}
