"""A misspelt query answers exactly what its corrected words answer, and a
chosen facet is counted under the other filters in the same statement.

Runs on PostgreSQL and on SQLite, like the other database backend tests.
"""

from __future__ import annotations

import pytest

from search.backends import DatabaseBackend
from search.selectors import catalog_search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]

FACETS = ["subject", "topic", "format", "language", "level", "cost"]


def _answer(results) -> tuple:
    """Everything a learner sees of a search, the correction notice aside."""
    return (
        [(hit.id, hit.score) for hit in results.hits],
        results.total,
        results.facets,
    )


@pytest.mark.parametrize(
    ("typed", "corrected", "filters"),
    [
        ("pyhton", "python", {}),
        ("pyhton functinos", "python functions", {}),
        ("functinos", "functions", {"format": ["video", "article"]}),
        ("javascirpt", "javascript", {"cost": "free"}),
        ("loops pyhton", "loops python", {"language": "en"}),
    ],
)
def test_a_typo_finds_and_counts_what_the_corrected_words_do(
    catalog, typed, corrected, filters
):
    misspelt = catalog_search(query=typed, filters=filters, facets=FACETS)
    right = catalog_search(query=corrected, filters=filters, facets=FACETS)

    assert misspelt.corrected_query == corrected
    assert right.corrected_query == ""
    assert misspelt.total > 0
    assert _answer(misspelt) == _answer(right)


def test_a_typo_costs_no_more_statements_than_a_plain_query(
    catalog, django_assert_num_queries
):
    backend = DatabaseBackend()
    # One about the words (the vocabulary and, on PostgreSQL, their normal
    # forms), one for the page, the total and the facets.
    with django_assert_num_queries(2):
        assert backend.search("pyhton functinos", facets=FACETS).total > 0
    with django_assert_num_queries(2):
        backend.search("python functions", facets=FACETS)


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("python", {"format": "video"}),
        ("python", {"format": ["video", "book"], "language": "en"}),
        ("", {"subject": "python", "level": "beginner", "cost": ["free", "paid"]}),
        ("functions", {"topic": "functions", "language": "es", "duration_max": 60}),
        ("", {"subject": "web", "format": "interactive", "link_health": "healthy"}),
    ],
)
def test_widened_facets_count_what_each_value_would_add(catalog, query, filters):
    widened = catalog_search(
        query=query, filters=filters, facets=FACETS, widen_facets=True
    )
    plain = catalog_search(query=query, filters=filters, facets=FACETS)
    assert _answer(widened)[:2] == _answer(plain)[:2]
    for name in FACETS:
        if name in filters:
            others = {key: value for key, value in filters.items() if key != name}
            expected = catalog_search(query=query, filters=others, facets=[name])
            assert widened.facets[name] == expected.facets[name], name
        else:
            assert widened.facets[name] == plain.facets[name], name


def test_widened_facets_say_what_another_format_would_add(catalog):
    results = catalog_search(
        query="python",
        filters={"format": "video"},
        facets=["format"],
        widen_facets=True,
    )
    assert results.total == 2
    assert results.facets["format"] == {
        "article": 2,
        "video": 2,
        "book": 1,
        "course": 1,
    }


def test_widened_facets_cost_one_statement_whatever_the_filters(
    catalog, django_assert_num_queries
):
    backend = DatabaseBackend()
    filters = {"format": "video", "language": "en", "level": "beginner"}
    with django_assert_num_queries(1):
        backend.search("", filters=filters, facets=FACETS, widen_facets=True)
    with django_assert_num_queries(2):
        backend.search("python", filters=filters, facets=FACETS, widen_facets=True)
