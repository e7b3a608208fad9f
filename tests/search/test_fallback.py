"""With Meilisearch down, search answers from the database and /readyz says degraded."""

from __future__ import annotations

import socket
import time

import pytest
from structlog.testing import capture_logs

from search.backends import SearchUnavailable
from search.health import search_health
from search.models import SearchDocument
from search.selectors import catalog_search
from search.services import search_index_objects
from tests.search.fake_meilisearch import fake_meilisearch

pytestmark = pytest.mark.django_db


def _closed_port_url() -> str:
    """A loopback URL nothing listens on: a port just bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def meilisearch_down(settings) -> str:
    url = _closed_port_url()
    settings.SEARCH_BACKEND = "meilisearch"
    settings.MEILISEARCH_URL = url
    return url


def test_search_falls_back_to_the_database_and_logs_it(catalog, meilisearch_down):
    with capture_logs() as logs:
        results = catalog_search(
            query="python functions", filters={"language": "en"}, facets=["format"]
        )

    assert results.backend == "database"
    assert results.fallback_from == "meilisearch"
    assert results.hits[0].fields["slug"].startswith("functions-")
    assert results.facets["format"]
    fallback = [entry for entry in logs if entry["event"] == "search_fallback"]
    assert fallback
    assert fallback[0]["backend"] == "meilisearch"
    assert "MeilisearchCommunicationError" in fallback[0]["error"]


def test_after_a_failure_searches_skip_meilisearch_for_a_while(
    catalog, meilisearch_down
):
    catalog_search(query="python")
    started = time.perf_counter()
    with capture_logs() as logs:
        results = catalog_search(query="python")
    assert results.fallback_from == "meilisearch"
    assert "not retried yet" in logs[0]["error"]
    assert time.perf_counter() - started < 1


def test_readyz_reports_search_degraded_and_stays_ready(
    client, catalog, meilisearch_down
):
    response = client.get("/readyz")
    body = response.json()

    assert response.status_code == 200, body
    assert body["checks"]["search"]["status"] == "degraded"
    assert body["degraded"] == ["search"]
    assert "search" not in body["down"]
    assert body["backends"]["search"] == "meilisearch"


def test_readyz_reports_search_ok_when_meilisearch_answers(client, db, settings):
    with fake_meilisearch() as (url, _state):
        settings.SEARCH_BACKEND = "meilisearch"
        settings.MEILISEARCH_URL = url
        response = client.get("/readyz")
    assert response.json()["checks"]["search"]["status"] == "ok"


def test_search_health_is_down_when_the_backend_is_misconfigured(db, settings):
    settings.SEARCH_BACKEND = "meilisearch"
    settings.MEILISEARCH_URL = ""
    with pytest.raises(Exception, match="MEILISEARCH_URL"):
        search_health()
    settings.SEARCH_BACKEND = "elastic"
    with pytest.raises(Exception, match="SEARCH_BACKEND"):
        search_health()


def test_index_updates_still_reach_the_database_when_meilisearch_is_down(
    catalog, meilisearch_down
):
    video = catalog.resources["functions-video"]
    video.title = "Recursion, step by step"
    video.save()

    with pytest.raises(SearchUnavailable, match="meilisearch"):
        search_index_objects(kind="resource", ids=[video.pk])

    row = SearchDocument.objects.get(kind="resource", object_id=video.pk)
    assert row.title == "Recursion, step by step"
    assert catalog_search(query="recursion").hits[0].id == video.pk
