"""``search_catalog``, ``search_setup`` and ``reindex_catalog`` for operators."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from tests.search.fake_meilisearch import fake_meilisearch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_search_catalog_prints_ranked_results_with_scores(catalog):
    out = _run("search_catalog", "pyhton functions", "--filter", "language=en")
    lines = out.splitlines()
    assert lines[0] == "4 result(s) from database"
    assert lines[1] == "Showing results for: python functions"
    assert "functions-" in lines[2]
    assert lines[2].lstrip().startswith("1. ")
    scores = [float(line.split()[1]) for line in lines[2:]]
    assert scores == sorted(scores, reverse=True)


def test_search_catalog_json_with_filters_facets_and_kind(catalog):
    out = _run(
        "search_catalog",
        "python",
        "--filter",
        "format=video",
        "--filter",
        "format=article",
        "--filter",
        "cost=free",
        "--facet",
        "all",
        "--json",
    )
    data = json.loads(out)
    assert data["backend"] == "database"
    assert data["total"] == 4
    assert {hit["fields"]["format"] for hit in data["hits"]} == {"video", "article"}
    assert data["facets"]["cost"] == {"free": 4}
    assert set(data["facets"]) == {
        "subject",
        "topic",
        "provider",
        "format",
        "language",
        "level",
        "cost",
        "link_health",
    }
    topics = json.loads(_run("search_catalog", "loops", "--kind", "topic", "--json"))
    assert [hit["fields"]["slug"] for hit in topics["hits"]] == ["loops"]


def test_search_catalog_refuses_bad_filters(catalog):
    with pytest.raises(CommandError, match="key=value"):
        _run("search_catalog", "x", "--filter", "format")
    with pytest.raises(CommandError, match="unknown filter"):
        _run("search_catalog", "x", "--filter", "colour=red")


def test_search_setup_on_the_database_backend_has_nothing_to_do():
    assert _run("search_setup") == "Search set up: database.\n"


def test_search_setup_applies_meilisearch_settings(settings):
    with fake_meilisearch() as (url, state):
        settings.SEARCH_BACKEND = "meilisearch"
        settings.MEILISEARCH_URL = url
        assert _run("search_setup") == "Search set up: database, meilisearch.\n"
    assert len(state.calls("PATCH")) == 3


def test_reindex_catalog_fails_loudly_when_meilisearch_is_down(catalog, settings):
    settings.SEARCH_BACKEND = "meilisearch"
    settings.MEILISEARCH_URL = "http://127.0.0.1:1"
    with pytest.raises(CommandError, match="reindex incomplete"):
        _run("reindex_catalog")
    # The database backend was rebuilt all the same.
    assert "functions-video" in _run("search_catalog", "functions")
