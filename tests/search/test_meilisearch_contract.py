"""The Meilisearch adapter against a loopback server speaking Meilisearch's API.

Asserts what the adapter sends (index creation, the settings payload, batch
sizes, the filter syntax, task polling) and that it understands the answers.
"""

from __future__ import annotations

import pytest

from search.backends import SearchUnavailable
from search.backends.meilisearch import MeilisearchBackend, index_settings
from search.documents import Document, resource_documents
from search.selectors import catalog_search
from search.services import search_index_objects, search_reindex_all
from tests.search.fake_meilisearch import fake_meilisearch

pytestmark = pytest.mark.contract

KEY = "master-key-for-tests"


@pytest.fixture
def meili():
    with fake_meilisearch(api_key=KEY) as (url, state):
        yield url, state


def _backend(url: str, **options) -> MeilisearchBackend:
    return MeilisearchBackend(
        url=url, api_key=KEY, index_prefix="wf", task_timeout_ms=2000, **options
    )


def _document(pk: int, **fields) -> Document:
    return Document(
        kind="resource", id=pk, slug=f"r-{pk}", title=f"Resource {pk}", **fields
    )


def test_setup_creates_one_index_per_kind_and_applies_the_settings(meili):
    url, state = meili
    _backend(url).setup()

    created = [call.body for call in state.calls("POST", "/indexes")]
    assert created == [
        {"uid": "wf-resource", "primaryKey": "id"},
        {"uid": "wf-topic", "primaryKey": "id"},
        {"uid": "wf-track", "primaryKey": "id"},
    ]
    sent = state.calls("PATCH", "/indexes/wf-resource/settings")[0].body
    assert sent == index_settings("resource")
    assert sent["searchableAttributes"][:3] == ["title", "topics", "tags"]
    assert {
        "id",
        "subjects",
        "topic_slugs",
        "provider_slug",
        "format",
        "language",
        "level",
        "cost",
        "link_health",
        "duration_minutes",
        "indexed_at",
    } <= set(sent["filterableAttributes"])
    assert "curator_rating" in sent["sortableAttributes"]
    assert sent["rankingRules"][-1] == "curator_rating:desc"
    assert sent["rankingRules"][:2] == ["words", "typo"]
    assert sent["synonyms"]["js"] == ["javascript"]
    assert sent["synonyms"]["javascript"] == ["js"]
    assert sent["synonyms"]["py"] == ["python"]
    assert sent["typoTolerance"] == {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    }
    topic = state.calls("PATCH", "/indexes/wf-topic/settings")[0].body
    assert "curator_rating:desc" not in topic["rankingRules"]
    # Every request carries the key; every task was polled until it finished.
    assert {r.headers["Authorization"] for r in state.requests} == {f"Bearer {KEY}"}
    assert {
        int(r.path.rsplit("/", 1)[1]) for r in state.calls("GET") if "/tasks/" in r.path
    } == set(state.tasks)
    assert all(state.polls[uid] >= 2 for uid in state.tasks)


def test_setup_twice_tolerates_existing_indexes(meili):
    url, state = meili
    _backend(url).setup()
    _backend(url).setup()
    failed = [t for t in state.tasks.values() if t["status"] == "failed"]
    assert {t["error"]["code"] for t in failed} == {"index_already_exists"}
    assert len(state.calls("PATCH")) == 6


def test_documents_are_sent_in_batches_then_every_task_is_awaited(meili):
    url, state = meili
    _backend(url, batch_size=3).index([_document(pk) for pk in range(1, 9)])

    sent = state.calls("POST", "/indexes/wf-resource/documents")
    assert [len(call.body) for call in sent] == [3, 3, 2]
    assert {call.query["primaryKey"][0] for call in sent} == {"id"}
    assert sent[0].body[0]["id"] == 1
    assert sent[0].body[0]["kind"] == "resource"
    assert isinstance(sent[0].body[0]["indexed_at"], int)
    # All batches go out before the first wait: the engine works meanwhile.
    methods = [r.method for r in state.requests]
    assert methods[:3] == ["POST", "POST", "POST"]
    assert len(state.indexes["wf-resource"]["documents"]) == 8


def test_documents_of_a_real_catalog_carry_every_searchable_field(meili, catalog):
    url, state = meili
    documents = resource_documents(r.pk for r in catalog.resources.values())
    _backend(url).index(documents)
    sent = state.calls("POST", "/indexes/wf-resource/documents")[0].body
    video = next(d for d in sent if d["slug"] == "functions-video")
    assert video["title"] == "Python Functions: Defining and Calling"
    assert video["provider"] == "Real Python"
    assert video["topics"] == ["Functions"]
    assert video["subjects"] == ["python"]
    assert video["topic_slugs"] == ["functions"]
    assert video["tags"] == ["python"]
    assert (video["format"], video["language"], video["cost"]) == (
        "video",
        "en",
        "free",
    )
    assert (video["level"], video["duration_minutes"]) == ("beginner", 25)
    assert (video["link_health"], video["curator_rating"]) == ("unchecked", 4)


def test_deletes_and_prunes_are_sent_as_filters(meili):
    url, state = meili
    backend = _backend(url, batch_size=2)
    backend.index([_document(pk) for pk in range(1, 6)])
    backend.delete(kind="resource", ids=[3, 1, 2])
    backend.prune(kind="resource", indexed_before=1)

    filters = [
        c.body for c in state.calls("POST", "/indexes/wf-resource/documents/delete")
    ]
    assert filters == [
        {"filter": "id IN [1, 2]"},
        {"filter": "id IN [3]"},
        {"filter": "indexed_at < 1"},
    ]
    assert sorted(state.indexes["wf-resource"]["documents"]) == [4, 5]


def test_search_translates_filters_and_facets_and_parses_the_answer(meili):
    url, state = meili
    backend = _backend(url)
    backend.setup()
    backend.index(
        [
            _document(
                1,
                format="video",
                language="en",
                subjects=("python",),
                duration_minutes=20,
                link_health="healthy",
                curator_rating=4,
            ),
            _document(
                2,
                format="article",
                language="en",
                subjects=("python",),
                duration_minutes=10,
                link_health="healthy",
                curator_rating=5,
            ),
            _document(
                3,
                format="video",
                language="es",
                subjects=("python",),
                duration_minutes=15,
                link_health="healthy",
                curator_rating=3,
            ),
            _document(
                4,
                format="video",
                language="en",
                subjects=("python",),
                duration_minutes=5,
                link_health="broken",
                curator_rating=5,
            ),
        ]
    )
    results = backend.search(
        "resource",
        filters={
            "subject": "python",
            "format": ["video", "article"],
            "language": "en",
            "duration_max": 30,
        },
        facets=["format", "language", "subject"],
        per_page=1,
    )

    sent = state.calls("POST", "/indexes/wf-resource/search")[-1].body
    assert sent == {
        "q": "resource",
        "page": 1,
        "hitsPerPage": 1,
        "showRankingScore": True,
        "matchingStrategy": "all",
        "filter": 'subjects = "python" AND format IN ["video", "article"]'
        ' AND language = "en" AND duration_minutes <= 30'
        ' AND link_health != "broken"',
        "facets": ["format", "language", "subjects"],
    }
    assert results.backend == "meilisearch"
    assert results.total == 2
    assert [hit.id for hit in results.hits] == [2]
    assert results.hits[0].score == 1.0
    assert results.hits[0].kind == "resource"
    assert results.hits[0].fields["format"] == "article"
    assert "indexed_at" not in results.hits[0].fields
    assert results.facets == {
        "format": {"article": 1, "video": 1},
        "language": {"en": 2},
        "subject": {"python": 2},
    }


def test_widened_facets_take_one_more_search_per_facet_in_use(meili):
    url, state = meili
    backend = _backend(url)
    backend.setup()
    backend.index(
        [
            _document(1, format="video", language="en", link_health="healthy"),
            _document(2, format="article", language="en", link_health="healthy"),
            _document(3, format="video", language="es", link_health="healthy"),
        ]
    )
    results = backend.search(
        "resource",
        filters={"format": "video", "language": "en"},
        facets=["format", "language"],
        widen_facets=True,
    )

    sent = [call.body for call in state.calls("POST", "/indexes/wf-resource/search")]
    assert [body.get("filter") for body in sent[-3:]] == [
        'format = "video" AND language = "en" AND link_health != "broken"',
        'language = "en" AND link_health != "broken"',
        'format = "video" AND link_health != "broken"',
    ]
    assert [hit.id for hit in results.hits] == [1]
    assert results.facets == {
        "format": {"article": 1, "video": 1},
        "language": {"en": 1, "es": 1},
    }


def test_filter_values_are_quoted_and_escaped(meili):
    url, state = meili
    backend = _backend(url)
    backend.setup()
    backend.search("", filters={"provider": 'say "hi" \\ AND x'}, include_broken=True)
    sent = state.calls("POST", "/search")[-1].body
    assert sent["filter"] == 'provider_slug = "say \\"hi\\" \\\\ AND x"'


def test_a_failed_task_raises(meili):
    url, state = meili
    state.fail_next_task = {"code": "invalid_document_id", "message": "bad id"}
    with pytest.raises(SearchUnavailable, match="invalid_document_id"):
        _backend(url).index([_document(1)])


def test_a_task_that_never_finishes_times_out(meili):
    url, state = meili
    state.tasks_never_finish = True
    backend = MeilisearchBackend(url=url, api_key=KEY, task_timeout_ms=200)
    with pytest.raises(SearchUnavailable, match="timeout"):
        backend.index([_document(1)])


def test_a_wrong_api_key_is_reported(meili):
    url, _state = meili
    with pytest.raises(SearchUnavailable, match="invalid"):
        MeilisearchBackend(url=url, api_key="wrong").setup()


def test_health_reads_the_health_endpoint(meili):
    url, state = meili
    assert _backend(url).health() == "ok"
    assert state.calls("GET", "/health")


def test_services_write_both_backends_and_search_reads_meilisearch(
    meili, catalog, settings
):
    url, state = meili
    settings.SEARCH_BACKEND = "meilisearch"
    settings.MEILISEARCH_URL = url
    settings.MEILISEARCH_API_KEY = KEY
    settings.MEILISEARCH_INDEX_PREFIX = "wf"

    summary = search_reindex_all()
    assert summary.backends == ["database", "meilisearch"]
    assert len(state.indexes["wf-resource"]["documents"]) == 8
    assert len(state.indexes["wf-topic"]["documents"]) == 4
    # Nothing was stale: the prune filters name the run's start.
    prunes = [c.body["filter"] for c in state.calls("POST", "/documents/delete")]
    assert len(prunes) == 3
    assert all(p.startswith("indexed_at < ") for p in prunes)

    results = catalog_search(
        query="functions", filters={"format": "video", "language": "en"}
    )
    assert results.backend == "meilisearch"
    assert not results.fallback_from
    assert [hit.fields["slug"] for hit in results.hits] == ["functions-video"]

    video = catalog.resources["functions-video"]
    pk = video.pk
    video.delete()
    search_index_objects(kind="resource", ids=[pk])
    deletes = [c.body["filter"] for c in state.calls("POST", "/documents/delete")]
    assert deletes[-1] == f"id IN [{pk}]"
    assert pk not in state.indexes["wf-resource"]["documents"]
