"""A subject page: its tracks with a beginner's hours and a sample roadmap."""

from __future__ import annotations

import re

from django.core.cache import cache
from django.core.exceptions import ValidationError

import pytest

from taxonomy.selectors import catalog_version_cache_key, catalog_version_current

from .conftest import add_subject_page, build_small_catalog

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_the_subject_page_lists_tracks_with_a_beginners_hours(client, home_page):
    catalog = build_small_catalog(topic_count=5)
    add_subject_page(home_page, catalog.subject)

    response = client.get("/astronomy/")

    assert response.status_code == 200
    main = _main(response)
    assert main.count("<h1") == 1
    # Five topics of 2 hours each for "Everything", two for "First steps".
    assert 'id="track-astronomy-everything"' in main
    assert "about 10 hours for a beginner, 5 steps" in main
    assert "about 4 hours for a beginner, 2 steps" in main
    assert "Get job-ready" in main, "the goal kind shows as words, not a code"


def test_the_sample_roadmap_follows_the_shortest_track_in_order(client, home_page):
    catalog = build_small_catalog(topic_count=5)
    add_subject_page(home_page, catalog.subject)

    main = _main(client.get("/astronomy/"))

    sample = main[main.index('id="sample-heading"') :]
    assert "<strong>First steps</strong>" in sample
    names = re.findall(r'<span class="step-name">([^<]+)</span>', sample)
    assert names == ["Star topic 1", "Star topic 2"]
    assert "2 h · week 1" in sample


def test_an_editor_can_choose_the_sample_track(client, home_page):
    catalog = build_small_catalog(topic_count=7)
    add_subject_page(home_page, catalog.subject, sample_track=catalog.long_track)

    sample = _main(client.get("/astronomy/")).split('id="sample-heading"')[1]

    assert "<strong>Everything</strong>" in sample
    assert "7 steps" in sample
    assert "The first 5:" in sample
    assert sample.count('class="step-name"') == 5


def test_languages_show_as_names(client, home_page):
    catalog = build_small_catalog()
    add_subject_page(home_page, catalog.subject)

    main = _main(client.get("/astronomy/"))

    assert "Offered in English, Spanish" in main
    assert "en, es" not in main


@pytest.fixture
def plans_cache(settings):
    """The plans cache on, as in production, without entries of other tests
    (their rolled-back catalogs had the same version numbers)."""
    settings.HOME_PAGES_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("topic_count", [5, 40])
def test_the_subject_page_costs_the_same_queries_for_any_catalog_size(
    client, home_page, django_assert_num_queries, plans_cache, topic_count
):
    catalog = build_small_catalog(topic_count=topic_count)
    add_subject_page(home_page, catalog.subject)
    client.get("/astronomy/")  # plans the tracks once for this catalog version

    with django_assert_num_queries(SUBJECT_PAGE_QUERIES):
        response = client.get("/astronomy/")

    assert response.status_code == 200
    assert f"about {2 * topic_count} hours" in response.content.decode()


# Wagtail's routing (site, the page's ancestors, aliases, view restrictions:
# six), the subject, and the catalog version the snapshot and the cached
# plans are checked against.
SUBJECT_PAGE_QUERIES = 8


def test_plans_are_cached_per_catalog_version(client, home_page, plans_cache):
    catalog = build_small_catalog()
    add_subject_page(home_page, catalog.subject)
    key = catalog_version_cache_key(
        "home:track-plans:astronomy:en", catalog_version_current()
    )

    client.get("/astronomy/")
    assert [t.slug for t in cache.get(key)] == [
        "astronomy-everything",
        "astronomy-first-steps",
    ]

    topic = catalog.topics[0]
    topic.name = "Looking up"
    topic.save()  # moves the catalog version: the next view plans again

    sample = _main(client.get("/astronomy/")).split('id="sample-heading"')[1]
    assert "Looking up" in sample


def test_the_call_to_action_starts_the_real_wizard_with_the_subject(client, home_page):
    catalog = build_small_catalog()
    add_subject_page(home_page, catalog.subject)

    main = _main(client.get("/astronomy/"))

    assert 'class="button" href="/onboarding/?subject=astronomy"' in main
    assert client.get("/onboarding/?subject=astronomy").status_code in (200, 302)


def test_a_subject_gone_from_the_catalog_leaves_a_page_that_says_so(client, home_page):
    from tests.factories import SubjectFactory

    subject = SubjectFactory(slug="comets", name="Comets")
    add_subject_page(home_page, subject)
    subject.delete()

    response = client.get("/comets/")

    assert response.status_code == 200
    assert "no longer in the catalog" in _main(response)


def test_a_subject_has_one_page_and_a_sample_track_of_its_own(home_page):
    from home.models import SubjectPage

    catalog = build_small_catalog()
    add_subject_page(home_page, catalog.subject)
    other = build_small_catalog(slug="geology")

    twin = SubjectPage(title="Again", slug="again", subject=catalog.subject)
    with pytest.raises(ValidationError) as exc:
        twin.full_clean()
    assert "already has a page" in str(exc.value)

    foreign = SubjectPage(
        title="Geo", slug="geo", subject=other.subject, sample_track=catalog.short_track
    )
    with pytest.raises(ValidationError) as exc:
        foreign.full_clean()
    assert "this subject's own tracks" in str(exc.value)
