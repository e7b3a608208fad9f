"""The ``translations`` section of the catalog format: import, refusals,
export, the round trip, and the planner's snapshot carrying the names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from catalog.transfer import (
    CatalogImportError,
    catalog_dumps,
    catalog_export,
    catalog_import,
    catalog_validate,
)
from planner.selectors import catalog_graph_build
from taxonomy.models import SubjectTranslation, TopicTranslation, TrackTranslation
from taxonomy.selectors import catalog_version_current
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

STARTER = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


def _catalog(*translations: dict[str, Any], **sections: Any) -> dict[str, Any]:
    doc = {
        "format": "wayfinder.catalog",
        "version": "1.2",
        "subjects": [{"slug": "python", "name": "Python programming"}],
        "topics": [
            {
                "slug": "python-scripts",
                "subject": "python",
                "name": "Scripts",
                "level": "beginner",
                "estimated_hours": 2,
                "objectives": ["Run a script"],
                "mastery_check": {"kind": "exercise", "description": "Run it."},
            }
        ],
        "tracks": [
            {
                "slug": "python-automation",
                "subject": "python",
                "name": "Automate everyday tasks with Python",
                "targets": ["python-scripts"],
            }
        ],
        "translations": list(translations),
    }
    return doc | sections


ES_TRACK = {
    "kind": "track",
    "slug": "python-automation",
    "language": "es",
    "name": "Automatiza tareas cotidianas con Python",
    "aliases": ["automatizar tareas", "scripts de Python"],
}
DE_SUBJECT = {
    "kind": "subject",
    "slug": "python",
    "language": "de",
    "name": "Python-Programmierung",
}
FR_TOPIC = {"kind": "topic", "slug": "python-scripts", "language": "fr", "aliases": ["scripts"]}  # fmt: skip


def test_translations_import_with_their_records_and_count_in_the_summary() -> None:
    before = catalog_version_current()

    summary = catalog_import(data=_catalog(ES_TRACK, DE_SUBJECT, FR_TOPIC))

    assert summary.counts["translations"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    assert summary.slugs["translations"]["created"] == [
        "track:python-automation:es",
        "subject:python:de",
        "topic:python-scripts:fr",
    ]
    assert catalog_version_current() == before + 1
    es = TrackTranslation.objects.get(track__slug="python-automation")
    assert (es.language, es.name, es.aliases) == (
        "es",
        "Automatiza tareas cotidianas con Python",
        ["automatizar tareas", "scripts de Python"],
    )
    assert SubjectTranslation.objects.get().name == "Python-Programmierung"
    fr = TopicTranslation.objects.get()
    assert (fr.name, fr.aliases) == ("", ["scripts"])


def test_importing_again_changes_nothing_and_an_edit_updates_in_place() -> None:
    catalog_import(data=_catalog(ES_TRACK))
    version = catalog_version_current()
    row = TrackTranslation.objects.get()

    again = catalog_import(data=_catalog(ES_TRACK))
    assert again.counts["translations"]["unchanged"] == 1
    assert not again.changed
    assert catalog_version_current() == version

    edited = catalog_import(data=_catalog(ES_TRACK | {"aliases": ["automatizar"]}))
    assert edited.counts["translations"]["updated"] == 1
    assert TrackTranslation.objects.get().pk == row.pk
    assert TrackTranslation.objects.get().aliases == ["automatizar"]


def test_translations_not_in_the_file_are_left_alone() -> None:
    catalog_import(data=_catalog(ES_TRACK))
    catalog_import(data=_catalog(DE_SUBJECT))
    assert TrackTranslation.objects.count() == 1
    assert SubjectTranslation.objects.count() == 1


def test_a_translation_may_name_a_record_already_in_the_database() -> None:
    TrackFactory(slug="sql-for-analysis")
    data = {
        "format": "wayfinder.catalog",
        "version": "1.2",
        "translations": [
            {
                "kind": "track",
                "slug": "sql-for-analysis",
                "language": "pt",
                "name": "SQL",
            }
        ],
    }
    assert catalog_import(data=data).counts["translations"]["created"] == 1


def test_refusals_name_the_path_and_the_problem() -> None:
    data = _catalog(
        ES_TRACK,
        ES_TRACK,
        {"kind": "track", "slug": "nope", "language": "fr", "name": "Non"},
        {"kind": "topic", "slug": "python-scripts", "language": "de"},
        {"kind": "track", "slug": "python-automation", "language": "xx", "name": "?"},
        {"kind": "lesson", "slug": "python-scripts", "language": "es", "name": "?"},
        {"kind": "subject", "slug": "python", "language": "pt", "aliases": ["a", "a"]},
    )

    found = [str(issue) for issue in catalog_validate(data=data)]

    assert found == [
        "$.translations[1]: the es translation of track 'python-automation' is "
        "listed twice (also at $.translations[0])",
        '$.translations[2].slug: unknown track "nope": not in this file\'s tracks '
        "nor in the database",
        "$.translations[3]: give a name, aliases, or both",
        '$.translations[4].language: "xx" is not one of: en, es, fr, de, pt, it, '
        "nl, pl, ru, uk, tr, ar, hi, zh, ja, ko",
        '$.translations[5].kind: "lesson" is not one of: subject, topic, track',
        "$.translations[6].aliases: an alias is listed twice",
    ]
    with pytest.raises(CatalogImportError):
        catalog_import(data=data)
    assert not TrackTranslation.objects.exists()


def test_a_name_over_the_limit_is_refused() -> None:
    data = _catalog(ES_TRACK | {"name": "n" * 161})
    (issue,) = catalog_validate(data=data)
    assert issue.path == "$.translations[0].name"


def test_the_export_writes_every_translation_in_a_stable_order() -> None:
    catalog_import(data=_catalog(ES_TRACK, FR_TOPIC, DE_SUBJECT))

    exported = catalog_export()["translations"]

    assert [(t["kind"], t["slug"], t["language"]) for t in exported] == [
        ("subject", "python", "de"),
        ("topic", "python-scripts", "fr"),
        ("track", "python-automation", "es"),
    ]
    assert exported[0] == {
        "kind": "subject",
        "slug": "python",
        "language": "de",
        "name": "Python-Programmierung",
        "aliases": [],
    }


def test_the_starter_catalog_round_trips_its_translations() -> None:
    starter = json.loads(STARTER.read_text(encoding="utf-8"))
    catalog_import(data=starter)
    first = catalog_dumps(catalog_export())

    exported = json.loads(first)
    assert exported["translations"] == starter["translations"]
    languages = {t["language"] for t in exported["translations"]}
    assert {"es", "fr", "pt", "de"} <= languages
    tracks = {t["slug"] for t in exported["translations"] if t["kind"] == "track"}
    assert tracks == {t["slug"] for t in starter["tracks"]}

    # Importing the export changes nothing, and exports the same bytes.
    assert not catalog_import(data=exported).changed
    assert catalog_dumps(catalog_export()) == first


def test_the_planner_snapshot_carries_the_names_in_one_more_query() -> None:
    catalog_import(data=_catalog(ES_TRACK, DE_SUBJECT, FR_TOPIC))

    with CaptureQueriesContext(connection) as queries:
        graph = catalog_graph_build(version=1)
    translation_queries = [
        q for q in queries.captured_queries if "translation" in q["sql"]
    ]

    assert len(translation_queries) == 1
    assert dict(graph.tracks["python-automation"].names)["es"] == (
        "Automatiza tareas cotidianas con Python",
        "automatizar tareas",
        "scripts de Python",
    )
    assert dict(graph.subjects["python"].names) == {"de": ("Python-Programmierung",)}
    assert dict(graph.topics["python-scripts"].names) == {"fr": ("", "scripts")}
