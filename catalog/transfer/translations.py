"""The ``translations`` section of a catalog document (since format 1.2).

Each entry is one record's name and aliases in one language::

    {"kind": "track", "slug": "python-automation", "language": "es",
     "name": "Automatiza tareas cotidianas con Python",
     "aliases": ["automatizar tareas", "scripts de Python"]}

An entry is matched by (kind, slug, language) and describes that translation
whole (a missing ``name`` is "", missing ``aliases`` are none); translations
the document does not list are left alone, like every other record. The
records named must be in the document or the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models

from taxonomy.models import (
    Subject,
    SubjectTranslation,
    Topic,
    TopicTranslation,
    Track,
    TrackTranslation,
)

from .issues import ImportIssue, issue
from .summary import ImportSummary

SECTION = "translations"
#: kind -> (owner model, translation model, the translation's owner field,
#: the document section holding such records).
KINDS: dict[str, tuple[type[models.Model], type[models.Model], str, str]] = {
    "subject": (Subject, SubjectTranslation, "subject", "subjects"),
    "topic": (Topic, TopicTranslation, "topic", "topics"),
    "track": (Track, TrackTranslation, "track", "tracks"),
}


@dataclass(frozen=True)
class TranslationRow:
    """A translation to write: its key, and the values the file gives."""

    kind: str
    slug: str
    language: str
    name: str
    aliases: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.slug}:{self.language}"


def _entries(doc: dict) -> Iterator[tuple[int, dict]]:
    items = doc.get(SECTION)
    if isinstance(items, list):
        for index, entry in enumerate(items):
            if isinstance(entry, dict) and entry.get("kind") in KINDS:
                yield index, entry


def translation_issues(doc: dict) -> list[ImportIssue]:
    """Problems of the section beyond its schema: a record named that is
    neither in the document nor in the database, a translation listed twice,
    an entry with neither a name nor aliases, an alias repeated."""
    found: list[ImportIssue] = []
    entries = list(_entries(doc))
    if not entries:
        return found
    known = _slugs_known(doc, {entry["kind"] for _, entry in entries})
    seen: dict[tuple, int] = {}
    for index, entry in entries:
        kind, slug, language = entry["kind"], entry.get("slug"), entry.get("language")
        path = (SECTION, index)
        if isinstance(slug, str) and slug not in known[kind]:
            found.append(
                issue(
                    (*path, "slug"),
                    f'unknown {kind} "{slug}": not in this file\'s '
                    f"{KINDS[kind][3]} nor in the database",
                )
            )
        key = (kind, slug, language)
        if key in seen:
            found.append(
                issue(
                    path,
                    f"the {language} translation of {kind} {slug!r} is listed twice "
                    f"(also at $.{SECTION}[{seen[key]}])",
                )
            )
        seen.setdefault(key, index)
        aliases = entry.get("aliases") or []
        if not str(entry.get("name") or "").strip() and not aliases:
            found.append(issue(path, "give a name, aliases, or both"))
        if isinstance(aliases, list) and len(set(map(str, aliases))) < len(aliases):
            found.append(issue((*path, "aliases"), "an alias is listed twice"))
    return found


def _slugs_known(doc: dict, kinds: set[str]) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for kind in kinds:
        owner, _, _, section = KINDS[kind]
        records = doc.get(section)
        if isinstance(records, list):
            known[kind].update(
                r["slug"] for r in records if isinstance(r, dict) and "slug" in r
            )
        known[kind].update(owner.objects.order_by().values_list("slug", flat=True))
    return known


def translations_plan(*, doc: dict, summary: ImportSummary) -> list[TranslationRow]:
    """The translations that differ from the database (created or updated),
    each counted on ``summary``; unchanged ones are counted, not written."""
    rows = [
        TranslationRow(
            kind=entry["kind"],
            slug=entry["slug"],
            language=entry["language"],
            name=str(entry.get("name") or "").strip(),
            aliases=tuple(a.strip() for a in entry.get("aliases") or ()),
        )
        for _, entry in _entries(doc)
    ]
    stored = _stored({row.kind for row in rows})
    changes = []
    for row in rows:
        before = stored.get((row.kind, row.slug, row.language))
        if before == (row.name, row.aliases):
            outcome = "unchanged"
        else:
            outcome = "created" if before is None else "updated"
            changes.append(row)
        summary.record(kind=SECTION, outcome=outcome, slug=row.label)
    return changes


def _stored(kinds: set[str]) -> dict[tuple[str, str, str], tuple[str, tuple]]:
    out = {}
    for kind in sorted(kinds):
        _, model, owner, _ = KINDS[kind]
        rows = model.objects.order_by().values_list(
            f"{owner}__slug", "language", "name", "aliases"
        )
        for slug, language, name, aliases in rows:
            out[kind, slug, language] = (name, tuple(aliases or ()))
    return out


def translations_apply(rows: list[TranslationRow]) -> None:
    """Write the planned translations, after their records exist: a few
    queries per kind, none per row."""
    for kind in KINDS:
        mine = [row for row in rows if row.kind == kind]
        if not mine:
            continue
        owner_model, model, owner, _ = KINDS[kind]
        ids = dict(
            owner_model.objects.filter(slug__in={row.slug for row in mine}).values_list(
                "slug", "pk"
            )
        )
        existing = {
            (owner_id, language): pk
            for pk, owner_id, language in model.objects.filter(
                **{f"{owner}_id__in": ids.values()}
            ).values_list("pk", f"{owner}_id", "language")
        }
        new, changed = [], []
        for row in mine:
            instance = model(
                **{f"{owner}_id": ids[row.slug]},
                language=row.language,
                name=row.name,
                aliases=list(row.aliases),
            )
            instance.pk = existing.get((ids[row.slug], row.language))
            # The file check refused repeats; the database holds (owner, language).
            instance.full_clean(
                exclude=[owner], validate_unique=False, validate_constraints=False
            )
            (changed if instance.pk else new).append(instance)
        model.objects.bulk_create(new)
        model.objects.bulk_update(changed, ["name", "aliases"])


def translations_export() -> list[dict]:
    """Every translation, ordered by kind (subject, topic, track), record
    slug and language; every field written."""
    out = []
    for kind, (_, model, owner, _) in KINDS.items():
        rows = model.objects.order_by().values_list(
            f"{owner}__slug", "language", "name", "aliases"
        )
        for slug, language, name, aliases in sorted(rows):
            out.append(
                {
                    "kind": kind,
                    "slug": slug,
                    "language": language,
                    "name": name,
                    "aliases": list(aliases or ()),
                }
            )
    return out
