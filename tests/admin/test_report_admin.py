"""The health report in the admin: its own page and the dashboard panel."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from catalog.models import Provider, Resource, ResourceLink
from catalog.views import REPORT_PAGE_SIZE
from taxonomy.enums import LinkHealth
from taxonomy.models import Topic
from tests.admin import snippet_url
from tests.factories import (
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

# Measured: the report page with its report cached. Session, user, its
# permissions and groups, profile, page and collection permissions, locales
# (Wagtail's menus), and the catalog version: none reads the catalog's tables.
REPORT_PAGE_QUERIES = 9


@pytest.fixture
def problems() -> dict[str, object]:
    """An orphan, thin topic with no resource; a resource covering nothing, broken."""
    topic = TopicFactory(slug="loops", name="Loops")
    provider = ProviderFactory(slug="acme", name="Acme")
    resource = ResourceFactory(slug="lonely", title="Lonely", provider=provider)
    ResourceLink.objects.filter(resource=resource).update(
        healthy=False, last_status=410, last_error="HTTP 410 Gone"
    )
    Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.BROKEN)
    return {"topic": topic, "resource": resource, "provider": provider}


def test_report_view_lists_problems_with_edit_links(curator_client, problems) -> None:
    response = curator_client.get(reverse("catalog_admin:health"))

    content = response.content.decode()
    topic_edit = snippet_url(Topic, "edit", problems["topic"].pk)
    resource_edit = snippet_url(Resource, "edit", problems["resource"].pk)
    assert response.status_code == 200
    assert 'id="thin_topics"' in content and 'id="orphan_topics"' in content
    assert f'<a href="{topic_edit}">Loops</a>' in content
    assert f'<a href="{resource_edit}">Lonely</a>' in content
    assert snippet_url(Provider, "edit", problems["provider"].pk) in content
    assert "HTTP 410 Gone" in content
    assert '<th scope="col">Topic</th>' in content
    assert "?link_health=broken" in content


def test_dashboard_panel_shows_counts_linking_to_the_report(
    curator_client, problems
) -> None:
    response = curator_client.get(reverse("wagtailadmin_home"))

    content = response.content.decode()
    report_url = reverse("catalog_admin:health")
    assert response.status_code == 200
    assert "Catalog health" in content
    assert (
        f'<a href="{report_url}#orphan_topics">Topics no track reaches</a>' in content
    )
    assert f'<a href="{report_url}#broken_links">Broken links</a>' in content
    assert "problems to look at" in content


# -- long sections, a page at a time ------------------------------------------------
def _section(content: str, name: str) -> str:
    return content.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]


def _section_rows(content: str, name: str) -> list[str]:
    """The body rows of the section's tables, as HTML."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", _section(content, name), flags=re.S)
    return [row for body in bodies for row in re.findall(r"<tr>", body)]


@pytest.fixture
def orphans() -> list[Topic]:
    """Sixty topics no track reaches, more than a page of the report."""
    subject = SubjectFactory(slug="python")  # sorted by subject, then slug
    return [TopicFactory(slug=f"orphan-{i:02d}", subject=subject) for i in range(60)]


def test_a_long_section_shows_a_page_and_links_to_the_next(
    curator_client, orphans
) -> None:
    url = reverse("catalog_admin:health")

    first = curator_client.get(url).content.decode()
    second = curator_client.get(url, {"orphan_topics_page": 2}).content.decode()

    assert len(_section_rows(first, "orphan_topics")) == REPORT_PAGE_SIZE == 50
    assert "Rows 1–50 of 60" in first
    assert 'href="?orphan_topics_page=2#orphan_topics" rel="next"' in first
    assert len(_section_rows(second, "orphan_topics")) == 10
    assert "(orphan-59)" in _section(second, "orphan_topics")
    assert "(orphan-59)" not in _section(first, "orphan_topics")
    assert 'href="?orphan_topics_page=1#orphan_topics" rel="prev"' in second
    # The other sections stay on their first page.
    assert len(_section_rows(second, "thin_topics")) == 50


def test_the_page_size_parameter_is_honoured_and_kept(curator_client, orphans) -> None:
    url = reverse("catalog_admin:health")

    small = curator_client.get(url, {"per_page": 7}).content.decode()
    large = curator_client.get(url, {"per_page": 100_000}).content.decode()
    nonsense = curator_client.get(url, {"per_page": "all"}).content.decode()

    assert len(_section_rows(small, "orphan_topics")) == 7
    assert "?per_page=7&amp;orphan_topics_page=2#orphan_topics" in small
    assert len(_section_rows(large, "orphan_topics")) == 60  # capped at 500
    assert "orphan_topics_page=2" not in large
    assert len(_section_rows(nonsense, "orphan_topics")) == REPORT_PAGE_SIZE


def test_broken_links_are_paged_across_providers(curator_client) -> None:
    for slug in ("acme", "beta"):
        provider = ProviderFactory(slug=slug, name=slug.title())
        for i in range(2):
            resource = ResourceFactory(slug=f"{slug}-{i}", provider=provider)
            ResourceLink.objects.filter(resource=resource).update(healthy=False)
    url = reverse("catalog_admin:health")

    pages = [
        curator_client.get(url, {"per_page": 3, "broken_links_page": n}).content
        for n in (1, 2)
    ]

    first, second = (page.decode() for page in pages)
    assert len(_section_rows(first, "broken_links")) == 3
    assert 'id="broken_links-acme"' in first and 'id="broken_links-beta"' in first
    assert len(_section_rows(second, "broken_links")) == 1
    assert 'id="broken_links-beta"' in second and "broken_links-acme" not in second
    # A provider's heading counts all its links, not the ones on this page.
    assert "Beta</a>: 2 broken links" in second


# -- the report is cached per catalog version ---------------------------------------
REPORT_TABLES = (
    '"taxonomy_topic"',
    '"taxonomy_prerequisite"',
    '"taxonomy_track_targets"',
    '"catalog_resource"',
    '"catalog_resourcetopic"',
    '"catalog_resourcelink"',
)


@pytest.fixture
def report_cache(settings) -> Iterator[None]:
    """The report cache on (the test settings turn it off), and empty."""
    settings.CATALOG_REPORT_CACHE = True
    # Rolled-back test catalogs reuse version numbers: forget other tests' reports.
    cache.clear()
    yield
    cache.clear()


def _report_queries(queries: list[dict[str, str]]) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if any(table in query["sql"] for table in REPORT_TABLES)
    ]


def test_a_second_load_at_the_same_version_runs_no_report_query(
    curator_client, report_cache, problems, django_assert_num_queries
) -> None:
    client = curator_client
    report, home = reverse("catalog_admin:health"), reverse("wagtailadmin_home")
    client.get(report)

    with django_assert_num_queries(REPORT_PAGE_QUERIES) as report_load:
        assert "HTTP 410 Gone" in client.get(report).content.decode()
    # The dashboard's other panels are Wagtail's (and home.html's): only ours
    # is held to reading the version alone.
    with CaptureQueriesContext(connection) as home_load:
        assert "problems to look at" in client.get(home).content.decode()

    for load in (report_load, home_load):
        assert _report_queries(load.captured_queries) == []
        versions = [
            q for q in load.captured_queries if "taxonomy_catalogversion" in q["sql"]
        ]
        assert len(versions) == 1


def test_a_catalog_write_shows_in_the_next_report(
    curator_client, report_cache, problems, django_assert_num_queries
) -> None:
    client = curator_client
    url = reverse("catalog_admin:health")
    assert "Rescued" not in client.get(url).content.decode()

    ResourceFactory(slug="rescued", title="Rescued")  # covers no topic either

    with django_assert_num_queries(REPORT_PAGE_QUERIES + 9) as load:
        content = client.get(url).content.decode()
    assert "Rescued" in content
    assert _report_queries(load.captured_queries) != []
