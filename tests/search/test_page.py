"""The learners' catalog search page: full page without JavaScript, the results
partial for htmx, facets with counts, lenient parameters, bounded queries."""

from __future__ import annotations

from django.core.cache import cache
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from catalog.models import Resource
from search.services import search_index_suspended, search_reindex_all
from taxonomy.services import catalog_version_bump
from tests.factories import ResourceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_search")]

URL = "/search/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def _titles(response) -> list[str]:
    return [h.get_text(strip=True) for h in _soup(response).select(".result-title")]


def _status(response) -> str:
    return " ".join(_soup(response).select_one("#search-status").get_text().split())


def _facet(response, name: str) -> dict[str, tuple[int, bool]]:
    """``{value: (count, checked)}`` of one facet's checkboxes."""
    options = {}
    for box in _soup(response).select(f'#search-filters input[name="{name}"]'):
        label = _soup(response).select_one(f'label[for="{box["id"]}"]')
        count = int(label.select_one(".count").get_text().strip("()"))
        options[box["value"]] = (count, box.has_attr("checked"))
    return options


def test_the_page_is_named_and_linked_from_the_navigation(client, catalog):
    assert reverse("search:page") == URL
    soup = _soup(client.get(URL))
    link = soup.select_one('nav[aria-label="Main"] a[href="/search/"]')
    assert link is not None and link["aria-current"] == "page"
    assert "X-CSRFToken" in soup.body["hx-headers"]
    assert soup.select_one('script[src$="htmx/htmx.min.js"]') is not None


def test_a_query_renders_the_whole_page_without_javascript(client, catalog):
    response = client.get(URL, {"q": "python functions"})
    assert response.status_code == 200
    soup = _soup(response)
    assert soup.select_one("html") is not None
    form = soup.select_one("form#search-form")
    assert form["method"] == "get" and form["action"] == URL
    box = soup.select_one("input#search-q")
    assert (box["type"], box["autocomplete"], box["value"]) == (
        "search",
        "off",
        "python functions",
    )
    assert soup.select_one('label[for="search-q"]') is not None
    assert box["hx-trigger"].startswith("input changed delay:")
    assert soup.select_one("#search-status")["role"] == "status"
    titles = _titles(response)
    assert titles[0].startswith(("Python Functions", "Functions in Python"))
    assert "Python Functions Cheat Sheet" not in titles, "a broken resource is shown"


def test_a_result_shows_what_a_learner_needs(client, catalog):
    soup = _soup(client.get(URL, {"q": "Funciones"}))
    (result,) = soup.select(".result")
    link = result.select_one(".result-title a")
    assert link["href"] == "https://example.org/functions-es"
    assert link["rel"] == ["noopener"]
    assert link.get_text(strip=True) == "Funciones en Python"
    assert result.select_one(".result-provider").get_text(strip=True) == "Real Python"
    facts = [
        " ".join(li.get_text().split()) for li in result.select(".result-facts li")
    ]
    assert facts == [
        "Format: Video",
        "Language: Spanish (Español)",
        "Level: Beginner",
        "Duration: 20 min",
        "Cost: Free",
    ]
    assert "Functions" in result.select_one(".result-topics").get_text()
    assert "devolver valores" in result.select_one(".result-description").get_text()


def test_htmx_gets_the_results_partial_with_the_same_results(client, catalog):
    params = {"q": "python functions", "format": "video"}
    full = client.get(URL, params)
    partial = client.get(URL, params, **HTMX)
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html and "<form" not in html
    assert _titles(partial) == _titles(full)
    soup = _soup(partial)
    # Out of band: the live region's text and the facet counts.
    assert soup.select_one("#search-status")["hx-swap-oob"] == "innerHTML"
    assert soup.select_one("#search-filters")["hx-swap-oob"] == "innerHTML"
    assert _status(partial) == _status(full)
    assert _facet(partial, "format") == _facet(full, "format")
    assert "HX-Request" in partial["Vary"] and "HX-Request" in full["Vary"]


def test_a_history_restore_gets_the_whole_page(client, catalog):
    response = client.get(
        URL, {"q": "loops"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )
    assert "<html" in response.content.decode()


def test_facets_count_matches_and_keep_a_chosen_filter_widenable(client, catalog):
    response = client.get(URL, {"q": "python", "format": "video"})
    # Within "format", the counts ignore the format filter itself, so a learner
    # can add "article" to "video"; other facets count the filtered matches.
    assert _facet(response, "format") == {
        "video": (2, True),
        "article": (2, False),
        "course": (1, False),
        "book": (1, False),
    }
    assert _facet(response, "language") == {"en": (1, False), "es": (1, False)}
    assert _facet(response, "subject") == {"python": (2, False)}
    legends = [legend.get_text() for legend in _soup(response).select("legend")]
    assert legends == ["Subject", "Format", "Language", "Level", "Cost"]


def test_filters_combine_across_and_within_facets(client, catalog):
    one = client.get(URL, {"q": "python", "format": "video", "language": "en"})
    assert _titles(one) == ["Python Functions: Defining and Calling"]
    either = client.get(
        URL, {"q": "python", "format": ["video", "article"], "language": "en"}
    )
    assert set(_titles(either)) == {
        "Python Functions: Defining and Calling",
        "Functions in Python: Arguments, Return Values and Scope",
        "Loops in Python",
    }
    web = client.get(URL, {"subject": "web", "cost": "free", "level": "beginner"})
    assert _titles(web) == ["JavaScript Functions and Closures"]
    assert _status(web) == "1 resource matches these filters."


def test_no_match_says_so_and_offers_to_clear_the_filters(client, catalog):
    response = client.get(URL, {"q": "python", "format": "podcast"})
    assert _titles(response) == []
    assert _status(response) == "No resources match “python” with these filters."
    clear = _soup(response).select_one(".no-results a")
    assert clear["href"] == "/search/?q=python"


def test_a_misspelt_query_says_what_it_searched_for(client, catalog):
    response = client.get(URL, {"q": "pyhton functions"})
    assert "Showing results for “python functions”." in _status(response)
    assert _titles(response)


def test_an_empty_query_shows_the_facets_and_the_top_rated(client, catalog):
    response = client.get(URL)
    soup = _soup(response)
    assert soup.select_one("#results-heading").get_text(strip=True) == (
        "Top-rated resources"
    )
    assert soup.select_one(".prompt") is not None
    assert _status(response) == "7 resources in the catalog."
    assert "Python Functions Cheat Sheet" not in _titles(response)
    assert _facet(response, "cost") == {
        "free": (5, False),
        "freemium": (1, False),
        "paid": (1, False),
    }


def test_the_default_page_is_cached_per_catalog_version(
    client, catalog, django_assert_max_num_queries
):
    first = client.get(URL)
    with django_assert_max_num_queries(1):  # the catalog version only
        again = client.get(URL)
    assert _titles(again) == _titles(first)

    # A change that does not move the version (a queryset update) is not seen...
    Resource.objects.filter(slug="loops-article").update(title="Aardvark loops")
    search_reindex_all()
    assert "Aardvark loops" not in _titles(client.get(URL)), "not served from the cache"
    # ... until it does, as every catalog write does.
    catalog_version_bump()
    assert "Aardvark loops" in _titles(client.get(URL))


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "9" * 5000},
        {"page": "٣"},
        {"format": "bogus"},
        {"subject": "no-such-subject", "level": "guru", "cost": ["free", "x"]},
        {"q": "x" * 5000},
        {"q": "\"' OR 1=1 -- ) ( * NEAR AND"},
        {"unknown": "1"},
    ],
)
def test_bad_parameters_never_fail(client, catalog, params):
    for headers in ({}, HTMX):
        assert client.get(URL, params, **headers).status_code == 200


def test_unknown_filter_values_are_ignored(client, catalog):
    plain = client.get(URL, {"q": "functions"})
    bogus = client.get(URL, {"q": "functions", "format": "bogus", "page": "abc"})
    assert _titles(bogus) == _titles(plain)
    partly = client.get(URL, {"q": "functions", "format": ["bogus", "video"]})
    assert _facet(partly, "format")["video"][1] is True


@pytest.fixture
def many(catalog):
    """25 more loops articles: two pages of "loops" results."""
    with search_index_suspended():
        for n in range(25):
            ResourceFactory(
                title=f"Loops drill {n:02d}",
                topics=[catalog.topics["loops"]],
                curator_rating=3,
            )
    search_reindex_all()
    return catalog


def test_pages_link_to_each_other_and_keep_the_search(client, many):
    first = client.get(URL, {"q": "loops", "format": "article"})
    nav = _soup(first).select_one("nav.pagination")
    assert "Page 1 of 2" in nav.get_text()
    assert nav.select_one('a[rel="next"]')["href"] == (
        "/search/?q=loops&format=article&page=2"
    )
    second = client.get(URL, {"q": "loops", "format": "article", "page": "2"})
    soup = _soup(second)
    assert soup.select_one("ol.result-list")["start"] == "21"
    assert soup.select_one('a[rel="prev"]')["href"] == "/search/?q=loops&format=article"
    assert len(_titles(first)) == 20 and len(_titles(second)) == 6
    assert not set(_titles(first)) & set(_titles(second))


def test_a_page_past_the_last_shows_the_last(client, many):
    response = client.get(URL, {"q": "loops", "page": "400"})
    assert "Page 2 of 2" in _soup(response).select_one("nav.pagination").get_text()


def test_a_boosted_page_link_moves_focus_to_the_results(client, many):
    response = client.get(
        URL, {"q": "loops", "page": "2"}, HTTP_HX_BOOSTED="true", **HTMX
    )
    heading = _soup(response).select_one("#results-heading")
    assert heading.has_attr("autofocus") and heading["tabindex"] == "-1"
    typed = client.get(URL, {"q": "loops"}, **HTMX)
    assert not _soup(typed).select_one("#results-heading").has_attr("autofocus")


FILTER_SETS = [
    {},
    {"format": ["article", "video"]},
    {"format": ["article", "video"], "language": "en"},
    {"subject": "python", "format": "article", "level": "beginner", "cost": "free"},
]


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        # catalog version, vocabulary + search (facets in use included), URLs
        ("loops", 4),
        # no words: no vocabulary lookup
        ("", 3),
    ],
)
def test_queries_per_page_do_not_grow_with_the_filters(
    client, many, django_assert_num_queries, query, queries
):
    client.get(URL, {"q": "warm"})  # subject names cached, as on a live site
    for filters in FILTER_SETS:
        params = {"q": query, **filters} if query else filters
        if not params:  # the default page, cached: its own test
            continue
        with django_assert_num_queries(queries):
            first = client.get(URL, params)
        with django_assert_num_queries(queries):
            second = client.get(URL, {**params, "page": "2"}, **HTMX)
        assert len(_titles(first)) == 20 and _titles(second)


def test_search_down_is_a_503_page_not_a_crash(client, catalog, monkeypatch):
    from search import views
    from search.backends import SearchUnavailable

    def down(**kwargs):
        raise SearchUnavailable("database search failed")

    monkeypatch.setattr(views, "catalog_search", down)
    response = client.get(URL, {"q": "python"})
    assert response.status_code == 503
    assert "not available right now" in _status(response)
