"""Filters combine (AND across keys, OR within one) and facets count the matches."""

from __future__ import annotations

import pytest

from search.backends import SearchError
from search.selectors import catalog_search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]


def _slugs(results) -> set[str]:
    return {hit.fields["slug"] for hit in results.hits}


def test_format_language_and_cost_combine(catalog):
    results = catalog_search(
        query="python", filters={"format": "video", "language": "en", "cost": "free"}
    )
    assert _slugs(results) == {"functions-video"}
    assert results.total == 1

    either = catalog_search(
        query="python",
        filters={"format": ["video", "article"], "language": "en", "cost": "free"},
    )
    assert _slugs(either) == {"functions-video", "functions-article", "loops-article"}

    spanish = catalog_search(query="", filters={"format": "video", "language": "es"})
    assert _slugs(spanish) == {"functions-es"}


def test_comma_separated_values_are_alternatives(catalog):
    results = catalog_search(query="", filters={"cost": "paid,freemium"})
    assert _slugs(results) == {"functions-course", "basics-book"}


def test_subject_topic_level_and_provider_filters(catalog):
    assert _slugs(catalog_search(query="functions", filters={"subject": "web"})) == {
        "js-functions"
    }
    by_topic = catalog_search(query="", filters={"topic": ["loops", "basics"]})
    assert _slugs(by_topic) == {"loops-article", "basics-book"}
    assert _slugs(
        catalog_search(query="python", filters={"level": "intermediate"})
    ) == {"functions-course"}
    assert _slugs(catalog_search(query="", filters={"provider": "mdn"})) == {
        "js-functions"
    }


def test_duration_bounds_are_inclusive(catalog):
    results = catalog_search(
        query="", filters={"duration_min": "15", "duration_max": 25}
    )
    assert _slugs(results) == {"functions-video", "functions-article", "functions-es"}


def test_link_health_filter_for_curators(catalog):
    results = catalog_search(
        query="", filters={"link_health": "broken"}, include_broken=True
    )
    assert _slugs(results) == {"functions-broken"}
    assert catalog_search(query="", filters={"link_health": "broken"}).total == 0


def test_facets_count_every_match_not_only_the_page(catalog):
    results = catalog_search(
        query="python",
        facets=["format", "language", "cost", "level", "subject", "topic"],
        per_page=1,
    )
    assert len(results.hits) == 1
    assert results.total == 6
    assert results.facets == {
        "format": {"article": 2, "video": 2, "book": 1, "course": 1},
        "language": {"en": 5, "es": 1},
        "cost": {"free": 4, "freemium": 1, "paid": 1},
        "level": {"beginner": 5, "intermediate": 1},
        "subject": {"python": 6},
        "topic": {"functions": 4, "basics": 1, "loops": 1},
    }
    # Most frequent value first.
    assert list(results.facets["format"])[:2] == ["article", "video"]


def test_facets_reflect_the_filters(catalog):
    results = catalog_search(
        query="functions", filters={"cost": "free"}, facets=["format", "subject"]
    )
    assert results.facets == {
        "format": {"video": 2, "article": 1, "interactive": 1},
        "subject": {"python": 3, "web": 1},
    }


def test_pages_do_not_overlap_and_share_the_total(catalog):
    first = catalog_search(query="", per_page=3, page=1)
    second = catalog_search(query="", per_page=3, page=2)
    third = catalog_search(query="", per_page=3, page=3)
    seen = [*_slugs(first), *_slugs(second), *_slugs(third)]
    assert len(seen) == len(set(seen)) == first.total == third.total == 7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": {"colour": "red"}}, "unknown filter"),
        ({"filters": {"cost": "free"}, "kind": "topic"}, "unknown filter"),
        ({"facets": ["duration_min"]}, "unknown facet"),
        ({"filters": {"duration_max": "soon"}}, "whole number"),
        ({"kind": "page"}, "unknown kind"),
        ({"per_page": 1000}, "per_page"),
    ],
)
def test_invalid_requests_are_refused(kwargs, message):
    with pytest.raises(SearchError, match=message):
        catalog_search(query="x", **kwargs)
