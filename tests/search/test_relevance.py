"""Ranking and matching of the database backend on a small crafted catalog.

Runs on PostgreSQL (full text + pg_trgm, as in CI) and on SQLite (FTS5).
"""

from __future__ import annotations

from django.db import connection

import pytest

from search.backends import DatabaseBackend
from search.selectors import catalog_search
from search.services import search_index_suspended, search_reindex_all
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]

FUNCTIONS = {
    "functions-video",
    "functions-article",
    "functions-course",
    "functions-es",
}


def _slugs(results) -> list[str]:
    return [hit.fields["slug"] for hit in results.hits]


def test_python_functions_ranks_the_functions_resources_first(catalog):
    results = catalog_search(query="python functions")

    slugs = _slugs(results)
    assert set(slugs[:4]) == FUNCTIONS
    # The beginners' book mentions functions only in its description.
    assert slugs[4:] == ["basics-book"]
    # Titles holding both words come before the Spanish title with one.
    assert slugs[3] == "functions-es"
    assert [hit.score for hit in results.hits] == sorted(
        (hit.score for hit in results.hits), reverse=True
    )
    assert results.backend == "database"
    assert results.corrected_query == ""


def test_a_misspelt_word_is_corrected_and_still_finds_the_resources(catalog):
    typo = catalog_search(query="pyhton functions")
    right = catalog_search(query="python functions")

    assert typo.corrected_query == "python functions"
    assert _slugs(typo) == _slugs(right)

    alone = catalog_search(query="pyhton")
    assert alone.corrected_query == "python"
    assert set(_slugs(alone)) >= FUNCTIONS
    assert "js-functions" not in _slugs(alone)


def test_a_prefix_finds_whole_words_as_you_type(catalog):
    results = catalog_search(query="func")

    slugs = _slugs(results)
    assert set(slugs[:5]) == FUNCTIONS | {"js-functions"}
    assert slugs[5:] == ["basics-book"]
    assert set(_slugs(catalog_search(query="python func"))[:4]) == FUNCTIONS


def test_synonyms_match_both_ways(catalog):
    assert _slugs(catalog_search(query="js")) == ["js-functions"]
    assert _slugs(catalog_search(query="javascript closures")) == ["js-functions"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_trgm: PostgreSQL only"
)
def test_a_word_inside_a_longer_one_is_found_by_trigrams(catalog):
    # "script" is no word of the catalog, nor the start of one.
    assert _slugs(catalog_search(query="script")) == ["js-functions"]
    # A known word goes through the full-text index only.
    assert _slugs(catalog_search(query="closures")) == [
        "js-functions",  # in the title
        "functions-course",  # in the description
    ]


def test_words_are_matched_in_the_resource_language(catalog):
    # Spanish stemming: "funcion" finds "Funciones", first (PostgreSQL's
    # trigram match on titles also takes it for a typo of "function").
    assert _slugs(catalog_search(query="funcion"))[0] == "functions-es"
    assert _slugs(catalog_search(query="devolver valores")) == ["functions-es"]


def test_provider_topic_and_subject_names_are_searchable(catalog):
    assert set(_slugs(catalog_search(query="mdn"))) == {"js-functions"}
    loops = _slugs(catalog_search(query="loops"))
    assert loops[0] == "loops-article"
    assert "js-functions" in _slugs(catalog_search(query="web development"))


def test_broken_resources_are_hidden_from_learners_not_from_curators(catalog):
    learner = _slugs(catalog_search(query="cheat sheet"))
    curator = _slugs(catalog_search(query="cheat sheet", include_broken=True))
    assert learner == []
    assert curator == ["functions-broken"]


def test_an_empty_query_lists_the_best_rated_first(catalog):
    results = catalog_search(query="", per_page=3)
    assert results.total == 7
    ratings = [hit.fields["curator_rating"] for hit in results.hits]
    assert ratings == [5, 5, 4]


def test_topics_and_tracks_are_searchable_too(catalog):
    topics = catalog_search(query="functions", kind="topic")
    assert [hit.fields["title"] for hit in topics.hits][:1] in (
        ["Functions"],
        ["JavaScript Functions"],
    )
    assert {hit.fields["slug"] for hit in topics.hits} == {"functions", "js-functions"}
    tracks = catalog_search(query="pyth", kind="track")
    assert [hit.fields["slug"] for hit in tracks.hits] == ["python-developer"]
    assert tracks.hits[0].fields["topics"] == ["Functions", "Loops"]
    assert tracks.hits[0].fields["goal_kind"] == "skill"


@pytest.mark.parametrize(
    "typed, meant",
    [("python & | !", "python"), ("'python'", "python"), ("(functions", "functions")],
)
def test_operators_typed_by_the_user_are_plain_text(catalog, typed, meant):
    results = catalog_search(query=typed)
    assert (results.backend, results.fallback_from) == ("database", "")
    assert _slugs(results) == _slugs(catalog_search(query=meant))
    assert results.total > 0


@pytest.mark.parametrize("typed", ['py"thon', "a:*", "\\", "&|!"])
def test_query_syntax_of_the_engines_never_reaches_them(catalog, typed):
    # An engine syntax error would raise here: there is no other backend.
    results = catalog_search(query=typed)
    assert (results.backend, results.fallback_from) == ("database", "")
    assert results.total >= len(results.hits)


def test_hits_carry_the_document_fields(catalog):
    hit = catalog_search(query="python functions defining").hits[0]
    assert hit.kind == "resource"
    assert hit.id == catalog.resources["functions-video"].pk
    assert hit.fields == {
        "slug": "functions-video",
        "title": "Python Functions: Defining and Calling",
        "description": "Write your first functions: def, parameters and return values.",
        "language": "en",
        "provider": "Real Python",
        "provider_slug": "real-python",
        "topics": ["Functions"],
        "topic_slugs": ["functions"],
        "subjects": ["python"],
        "subject_names": ["Python Programming"],
        "tags": ["python"],
        "format": "video",
        "level": "beginner",
        "cost": "free",
        "duration_minutes": 25,
        "link_health": "unchecked",
        "curator_rating": 4,
    }


def _queries_per_search(backend, django_assert_num_queries) -> None:
    facets = ["format", "language", "subject", "topic"]
    # One about the words (vocabulary, normalized forms), one for the page,
    # the total and the facets together.
    with django_assert_num_queries(2):
        backend.search("python functions", facets=facets, per_page=100)
    # On SQLite, words too short to hold a typo need no vocabulary lookup.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        backend.search("js", facets=facets)
    with django_assert_num_queries(1):
        backend.search("", facets=facets, filters={"format": "video"}, page=2)


def test_search_makes_a_constant_number_of_queries(catalog, django_assert_num_queries):
    backend = DatabaseBackend()
    _queries_per_search(backend, django_assert_num_queries)

    with search_index_suspended():
        for n in range(30):
            ResourceFactory(
                title=f"Python functions, part {n}",
                topics=[catalog.topics["functions"]],
            )
    search_reindex_all()
    assert backend.search("python functions").total == 35
    _queries_per_search(backend, django_assert_num_queries)
