"""What an import reports: issues located by JSON path, and the error carrying them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from wayfinder.errors import InvalidInput

FORMAT = "wayfinder.catalog"
#: The version the exporter writes: minor version 1.1 added topic positions,
#: 1.2 choice groups, 1.3 made a track's ``targets`` list its curated order
#: (docs/catalog-format.md).
VERSION = "1.3"
#: The versions the importer reads: 1 is version 1.0 (written as a number);
#: a minor version only adds optional fields or meaning, so every 1.x file
#: reads here.
VERSIONS = (1, "1.1", "1.2", "1.3")
#: Versions whose track ``targets`` lists carry no order.
UNORDERED_TARGETS = (1, "1.1", "1.2")
SECTIONS = ("providers", "subjects", "topics", "choice_groups", "tracks", "resources")
_TOP_LEVEL = ("format", "version", *SECTIONS, "translations")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TOKEN = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')

PathPart = str | int


@dataclass(frozen=True)
class ImportIssue:
    """One problem in a catalog document.

    ``path`` is a JSON path into the document, such as
    ``$.topics[3].prerequisites[0].topic``; ``message`` says what is wrong there.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CatalogImportError(InvalidInput):
    """The document was refused; ``errors`` lists every problem found.

    An ``InvalidInput`` whose ``fields`` are keyed by JSON path, so every
    interface renders it the one way (the API's error shape, a command's
    exit 1); the admin page also lists ``errors`` in a table.
    """

    code = "catalog_invalid"

    def __init__(self, errors: list[ImportIssue]) -> None:
        self.errors = errors
        noun = "problem" if len(errors) == 1 else "problems"
        fields: dict[str, list[str]] = {}
        for issue in errors:
            fields.setdefault(issue.path, []).append(issue.message)
        super().__init__(
            f"{len(errors)} {noun} in the catalog; nothing was imported",
            fields=fields,
        )


def json_path(parts: Iterable[PathPart]) -> str:
    """``("topics", 3, "name")`` -> ``$.topics[3].name``."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def issue(parts: Iterable[PathPart], message: str) -> ImportIssue:
    return ImportIssue(json_path(parts), message)


def _sort_key(found: ImportIssue) -> tuple[tuple[int, int | str], ...]:
    key: list[tuple[int, int | str]] = []
    for name, index, quoted in _TOKEN.findall(found.path):
        if index:
            key.append((0, int(index)))
        else:
            text = name or json.loads(quoted)
            rank = _TOP_LEVEL.index(text) if not key and text in _TOP_LEVEL else 99
            key.append((1, f"{rank:02d}{text}"))
    return tuple(key)


def issues_sorted(found: Iterable[ImportIssue]) -> list[ImportIssue]:
    """Distinct issues in document order (the sections in format order)."""
    unique = dict.fromkeys(found)
    return sorted(unique, key=lambda item: (_sort_key(item), item.message))


def describe(value: object) -> str:
    """A short JSON rendering of ``value`` for messages."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else f"{text[:57]}..."
