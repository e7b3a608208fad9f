"""The catalog over the API: resources (with ``q``), topics, subjects, tracks.

Public and read-only; 400 with field messages for bad filter values; query
counts that do not grow with the page; a schema that validates.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command

import pytest
from rest_framework.test import APIClient

from catalog.models import Resource
from search.selectors import catalog_search
from search.services import search_index_suspended, search_reindex_all
from tests.factories import PrerequisiteFactory, ResourceFactory
from tests.search.conftest import build_catalog

pytestmark = pytest.mark.django_db

RESOURCES = "/api/v1/resources/"
OFFERABLE = 7  # the crafted catalog's 8 resources but the broken one


@pytest.fixture(autouse=True)
def _database_search(settings):
    settings.SEARCH_BACKEND = "database"
    settings.MEILISEARCH_URL = ""


@pytest.fixture
def catalog(db):
    with search_index_suspended():
        catalog = build_catalog()
        PrerequisiteFactory(
            topic=catalog.topics["functions"], requires=catalog.topics["basics"]
        )
    search_reindex_all()
    return catalog


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def test_resources_list_is_public_paginated_and_hides_broken_ones(api, catalog):
    response = api.get(RESOURCES)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == OFFERABLE
    assert "functions-broken" not in _slugs(response)
    titles = [item["title"] for item in body["results"]]
    assert titles == sorted(titles)


def test_a_resource_has_its_shape(api, catalog):
    response = api.get(f"{RESOURCES}functions-es/")
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == "https://example.org/functions-es"
    assert body["provider"] == {
        "slug": "real-python",
        "name": "Real Python",
        "url": "https://real-python.example.org/",
    }
    assert (body["format"], body["language"], body["level"], body["cost"]) == (
        "video",
        "es",
        "beginner",
        "free",
    )
    assert body["duration_minutes"] == 20
    assert body["topics"] == [
        {
            "slug": "functions",
            "name": "Functions",
            "subject": "python",
            "coverage": "1.00",
        }
    ]
    assert body["links"][0]["kind"] == "primary"
    assert api.get(f"{RESOURCES}functions-broken/").status_code == 404
    assert api.get(f"{RESOURCES}no-such-thing/").status_code == 404


def test_q_runs_the_search_backend_and_keeps_its_order(api, catalog):
    response = api.get(RESOURCES, {"q": "python functions"})
    assert response.status_code == 200
    expected = [
        hit.fields["slug"] for hit in catalog_search(query="python functions").hits
    ]
    assert _slugs(response) == expected
    assert response.json()["count"] == len(expected)
    assert _slugs(response)[0] in {"functions-video", "functions-article"}
    assert "functions-broken" not in _slugs(response)


def test_q_forgives_typos_and_combines_with_filters(api, catalog):
    assert "functions-video" in _slugs(api.get(RESOURCES, {"q": "pyhton"}))
    response = api.get(
        RESOURCES, {"q": "functions", "format": "video", "language": "en"}
    )
    assert _slugs(response) == ["functions-video"]
    either = api.get(RESOURCES, {"q": "python", "format": ["video", "article"]})
    assert set(_slugs(either)) == {
        "functions-video",
        "functions-article",
        "functions-es",
        "loops-article",
    }


@pytest.mark.parametrize("q", ["", "functions"])
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"subject": "web"}, {"js-functions"}),
        ({"topic": ["loops", "basics"]}, {"loops-article", "basics-book"}),
        ({"provider": "mdn"}, {"js-functions"}),
        ({"level": "intermediate"}, {"functions-course"}),
        ({"cost": ["paid", "freemium"]}, {"functions-course", "basics-book"}),
        ({"language": "es"}, {"functions-es"}),
        (
            {"duration_max": "20"},
            {"functions-article", "functions-es", "loops-article"},
        ),
        ({"duration_min": "200"}, {"functions-course", "basics-book"}),
    ],
)
def test_filters_work_with_and_without_q(api, catalog, q, params, expected):
    response = api.get(RESOURCES, {**params, **({"q": q} if q else {})})
    assert response.status_code == 200
    found = set(_slugs(response))
    if q:  # the search narrows to what mentions the query
        assert found <= expected and found
    else:
        assert found == expected


@pytest.mark.parametrize("q", ["", "python"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "bogus"}, "format"),
        ({"level": "guru"}, "level"),
        ({"language": "xx"}, "language"),
        ({"cost": ["free", "cheap"]}, "cost"),
        ({"subject": "no-such-subject"}, "subject"),
        ({"topic": "no-such-topic"}, "topic"),
        ({"duration_max": "abc"}, "duration_max"),
        ({"duration_max": "1.5"}, "duration_max"),
        ({"duration_min": "-1"}, "duration_min"),
    ],
)
def test_invalid_filter_values_are_a_400_naming_the_field(
    api, catalog, q, params, field
):
    response = api.get(RESOURCES, {**params, **({"q": q} if q else {})})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert error["fields"][field][0]


def test_a_too_long_query_is_a_400(api, catalog):
    response = api.get(RESOURCES, {"q": "x" * 201})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["q"]


@pytest.mark.parametrize("q", ["", "python"])
def test_pages_link_and_bad_pages_are_404s(api, catalog, q):
    params = {"page_size": "2", **({"q": q} if q else {})}
    first = api.get(RESOURCES, params).json()
    assert len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    second = api.get(first["next"]).json()
    assert second["previous"] and not set(_slugs_of(first)) & set(_slugs_of(second))
    last = api.get(RESOURCES, {**params, "page": "last"}).json()
    assert last["next"] is None and last["results"]
    for page in ("abc", "0", "999", "9" * 30):
        assert api.get(RESOURCES, {**params, "page": page}).status_code == 404
    huge = api.get(RESOURCES, {**params, "page_size": "100000"})
    assert huge.status_code == 400 and "page_size" in huge.json()["error"]["fields"]
    whole = api.get(RESOURCES, {**params, "page_size": "100"}).json()
    assert len(whole["results"]) == whole["count"]


def _slugs_of(body: dict) -> list[str]:
    return [item["slug"] for item in body["results"]]


@pytest.fixture
def many(catalog):
    with search_index_suspended():
        for n in range(30):
            ResourceFactory(
                title=f"Python loops drill {n:02d}",
                topics=[catalog.topics["loops"], catalog.topics["basics"]],
            )
    search_reindex_all()
    return catalog


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # count, page, topics (with subjects), links
        ({}, 4),
        # + the subject lookup that validates the filter
        ({"subject": "python", "format": "article"}, 5),
        # search (vocabulary + matches), page rows, topics, links
        ({"q": "python loops"}, 5),
        ({"q": "python loops", "subject": "python", "cost": "free"}, 6),
    ],
)
def test_query_counts_do_not_grow_with_the_page(
    api, many, django_assert_max_num_queries, params, queries
):
    for size in ("2", "25"):
        with django_assert_max_num_queries(queries):
            response = api.get(RESOURCES, {**params, "page_size": size})
        assert len(response.json()["results"]) == int(size)


def test_only_curators_write_the_catalog(api, catalog):
    # Anonymous callers read; writes need a curator (tests/api/test_catalog_writes.py).
    assert api.post(RESOURCES, {"title": "x"}).status_code in {401, 403}
    assert api.delete(f"{RESOURCES}functions-es/").status_code in {401, 403}
    assert api.post("/api/v1/topics/", {}).status_code in {401, 403}
    assert Resource.objects.count() == 8


def test_subjects_topics_and_tracks(api, catalog, django_assert_max_num_queries):
    subjects = api.get("/api/v1/subjects/").json()
    assert [s["slug"] for s in subjects["results"]] == ["python", "web"]
    assert api.get("/api/v1/subjects/web/").json()["name"] == "Web Development"

    # count, page, prerequisites, group prerequisites, groups it belongs to
    with django_assert_max_num_queries(5):
        topics = api.get("/api/v1/topics/").json()
    assert topics["count"] == 4
    functions = api.get("/api/v1/topics/functions/").json()
    assert functions["subject"] == "python"
    assert functions["prerequisites"] == [{"topic": "basics", "kind": "required"}]
    web = api.get("/api/v1/topics/", {"subject": "web"}).json()
    assert [t["slug"] for t in web["results"]] == ["js-functions"]
    assert api.get("/api/v1/topics/", {"level": "guru"}).status_code == 400

    with django_assert_max_num_queries(4):  # count, page, targets, target groups
        tracks = api.get("/api/v1/tracks/").json()
    (track,) = tracks["results"]
    assert track["slug"] == "python-developer"
    assert sorted(track["targets"]) == ["functions", "loops"]
    assert api.get("/api/v1/tracks/", {"subject": "nope"}).status_code == 400


def test_the_api_root_lists_the_endpoints(api, db):
    body = api.get("/api/v1/").json()
    assert set(body) == {
        "subjects",
        "topics",
        "tracks",
        "choice-groups",
        "providers",
        "resources",
        "roadmaps",
        "me",
        "profiles",
    }


def test_the_schema_validates_without_warnings(tmp_path: Path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/resources/" in text and "/admin/" not in text
    assert "name: q" in text and "name: duration_max" in text


def test_the_schema_and_its_docs_are_served(api, db):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/resources/{slug}/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
