"""Relevance on the real starter catalog (data/catalog.json), on either backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.models import Resource
from catalog.transfer import catalog_import
from search.selectors import catalog_search
from search.services import search_reindex_all

STARTER = Path(__file__).resolve().parents[2] / "data" / "catalog.json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def starter(settings):
    settings.SEARCH_BACKEND = "database"
    catalog_import(data=json.loads(STARTER.read_text(encoding="utf-8")), reindex="none")
    search_reindex_all()


def covers(slug: str, topic: str) -> bool:
    return Resource.objects.filter(
        slug=slug, topic_coverage__topic__slug=topic
    ).exists()


def slugs(query: str, **filters) -> list[str]:
    return [h.fields["slug"] for h in catalog_search(query=query, filters=filters).hits]


def test_python_functions_puts_a_functions_resource_first_even_misspelt(starter):
    first = slugs("python functions")[0]
    assert covers(first, "python-functions"), first
    assert slugs("pyhton functions")[0] == first


@pytest.mark.parametrize(
    "typed, meant", [("pyhton", "python"), ("pyhton functions", "python functions")]
)
def test_a_corrected_query_finds_exactly_what_the_corrected_words_find(
    starter, typed, meant
):
    corrected = catalog_search(query=typed, per_page=100)
    plain = catalog_search(query=meant, per_page=100)
    assert corrected.corrected_query == meant
    assert corrected.total == plain.total > 0
    assert [h.id for h in corrected.hits] == [h.id for h in plain.hits]


def test_filters_combine_on_the_starter_catalog(starter):
    found = slugs("functions", format="exercise", language="en", cost="free")
    assert found
    rows = Resource.objects.filter(slug__in=found).values_list(
        "format", "language", "cost"
    )
    assert set(rows) == {("exercise", "en", "free")}
