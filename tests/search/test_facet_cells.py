"""Browsing without words counts facet cells (PostgreSQL): the same answers as
counting the documents, however the documents were written."""

from __future__ import annotations

from django.db import connection

import pytest

from catalog.models import Resource
from search.backends.dialects import CELLS, PostgresDialect
from search.selectors import catalog_search
from search.services import search_index_objects

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("database_search"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="facet cells are PostgreSQL's"
    ),
]

FACETS = ("subject", "format", "language", "level", "cost")
KEY = "kind, subjects, format, language, level, cost, link_health"
BROWSES = [
    ({}, False, False),
    ({}, False, True),
    ({"subject": "python"}, True, False),
    ({"subject": "python", "format": ["video", "article"]}, True, False),
    ({"subject": "python", "format": ["video", "article"]}, False, False),
    ({"language": "es", "cost": "free", "level": "beginner"}, True, False),
    ({"link_health": "broken"}, True, True),
    ({"link_health": "broken"}, True, False),
    ({"format": "podcast"}, True, False),
]


def _cells_and_documents() -> tuple[list[tuple], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {KEY}, n FROM {CELLS} WHERE n <> 0 ORDER BY {KEY}"  # noqa: S608
        )
        cells = cursor.fetchall()
        cursor.execute(
            f"SELECT {KEY}, COUNT(*) FROM search_searchdocument"  # noqa: S608
            f" GROUP BY {KEY} ORDER BY {KEY}"
        )
        return cells, cursor.fetchall()


def _browse_both_ways(monkeypatch, **kwargs):
    """Browse by the cells, then again counting documents."""
    kwargs = {"query": "", "facets": FACETS, **kwargs}
    by_cells = catalog_search(**kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(PostgresDialect, "cells", "")
        by_documents = catalog_search(**kwargs)
    return by_cells, by_documents


@pytest.mark.parametrize(("filters", "widen", "include_broken"), BROWSES)
def test_browsing_by_cells_answers_as_counting_documents(
    catalog, monkeypatch, filters, widen, include_broken
):
    for page in (1, 2):
        by_cells, by_documents = _browse_both_ways(
            monkeypatch,
            filters=filters,
            widen_facets=widen,
            include_broken=include_broken,
            page=page,
            per_page=3,
        )
        assert by_cells == by_documents


def test_topics_and_tracks_are_browsed_by_cells_too(catalog, monkeypatch):
    for kind in ("topic", "track"):
        by_cells, by_documents = _browse_both_ways(
            monkeypatch, kind=kind, facets=["subject"]
        )
        assert by_cells == by_documents
        assert by_cells.total > 0


def test_cells_follow_reindexing_updates_and_deletes(catalog):
    cells, documents = _cells_and_documents()
    assert cells == documents

    video = catalog.resources["functions-video"]
    Resource.objects.filter(pk=video.pk).update(format="book", language="fr")
    search_index_objects(kind="resource", ids=[video.pk])
    cells, documents = _cells_and_documents()
    assert cells == documents
    assert catalog_search(query="", filters={"language": "fr"}).total == 1

    doomed = catalog.resources["loops-article"].pk
    Resource.objects.filter(pk=doomed).delete()
    search_index_objects(kind="resource", ids=[doomed])
    assert _cells_and_documents()[0] == _cells_and_documents()[1]


def test_truncating_the_documents_empties_the_cells(catalog):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE search_searchdocument")
    assert _cells_and_documents() == ([], [])
    results = catalog_search(query="", facets=FACETS)
    assert results.total == 0
    assert results.facets == {name: {} for name in FACETS}
