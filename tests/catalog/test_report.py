"""The catalog health report on a small catalog with one of each problem."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from io import StringIO

from django.core.cache import cache
from django.core.management import call_command

import pytest

from catalog.models import Resource, ResourceLink
from catalog.reports import (
    CatalogHealthReport,
    catalog_health_report,
    catalog_health_report_cached,
)
from taxonomy.enums import LinkHealth, LinkKind
from tests.factories import (
    PrerequisiteFactory,
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

REPORT_QUERIES = 10


def _break(resource: Resource, *, kind: str = LinkKind.PRIMARY, status: int = 404):
    ResourceLink.objects.filter(resource=resource, kind=kind).update(
        healthy=False, last_status=status, last_error=f"HTTP {status}"
    )
    if kind == LinkKind.PRIMARY:
        Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.BROKEN)


@pytest.fixture
def crafted_catalog() -> None:
    """python (en, es): variables <- loops <- functions, a track targets functions.

    * loops: one offerable resource (thin) and none in Spanish (language gap);
    * functions: intermediate, only beginner resources (level gap);
    * trivia: reached by no track (orphan);
    * maths lists no language, so its French resources leave no gap;
    * "lonely" covers no topic; acme and beta each have one broken link.
    """
    acme = ProviderFactory(slug="acme", name="Acme")
    beta = ProviderFactory(slug="beta", name="Beta")
    python = SubjectFactory(slug="python", languages=["en", "es"])
    maths = SubjectFactory(slug="maths", languages=[])
    variables = TopicFactory(slug="variables", subject=python)
    loops = TopicFactory(slug="loops", subject=python)
    functions = TopicFactory(slug="functions", subject=python, level="intermediate")
    trivia = TopicFactory(slug="trivia", subject=python)
    algebra = TopicFactory(slug="algebra", subject=maths)
    PrerequisiteFactory(topic=loops, requires=variables)
    PrerequisiteFactory(topic=functions, requires=loops, kind="recommended")
    TrackFactory(subject=python, targets=[functions])
    TrackFactory(subject=maths, targets=[algebra])

    for topic in (variables, functions, trivia):
        ResourceFactory(provider=acme, language="en", topics=[topic])
        ResourceFactory(provider=acme, language="es", topics=[topic])
    ResourceFactory(provider=acme, language="en", topics=[loops])
    _break(ResourceFactory(slug="loops-gone", provider=acme, topics=[loops]))
    ResourceFactory(provider=beta, language="fr", topics=[algebra])
    mirrored = ResourceFactory(slug="algebra-mirrored", provider=beta, topics=[algebra])
    ResourceLink.objects.create(
        resource=mirrored, url="https://mirror.example.org/a", kind=LinkKind.MIRROR
    )
    _break(mirrored, kind=LinkKind.MIRROR, status=500)
    ResourceFactory(slug="lonely", title="Lonely", provider=beta)


def test_report_finds_each_problem_class(crafted_catalog) -> None:
    report = catalog_health_report()

    assert [(t.topic.slug, t.offerable_resources) for t in report.thin_topics] == [
        ("loops", 1)
    ]
    assert [(g.topic.slug, g.missing_languages) for g in report.language_gaps] == [
        ("loops", ("es",))
    ]
    assert [(g.topic.slug, g.levels_offered) for g in report.level_gaps] == [
        ("functions", ("beginner",))
    ]
    assert [t.slug for t in report.orphan_topics] == ["trivia"]
    assert [r.slug for r in report.uncovered_resources] == ["lonely"]
    assert [
        (group.provider_slug, [(link.resource.slug, link.kind) for link in group.links])
        for group in report.broken_links
    ] == [
        ("acme", [("loops-gone", "primary")]),
        ("beta", [("algebra-mirrored", "mirror")]),
    ]
    assert report.counts() == {
        "thin_topics": 1,
        "language_gaps": 1,
        "level_gaps": 1,
        "orphan_topics": 1,
        "blocking_topics": 0,  # loops lacks Spanish, but no track requires it
        "group_language_gaps": 0,
        "small_groups": 0,
        "uncovered_resources": 1,
        "broken_links": 2,
    }
    assert report.topic_count == 5


def test_an_empty_catalog_has_no_problems() -> None:
    report = catalog_health_report()

    assert report.problem_count == 0
    assert report.topic_count == 0


def test_a_topic_without_tracks_or_resources_is_in_every_topic_class() -> None:
    TopicFactory(slug="alone", subject=SubjectFactory(languages=["en"]))

    counts = catalog_health_report().counts()

    assert counts == {
        "thin_topics": 1,
        "language_gaps": 1,
        "level_gaps": 1,
        "orphan_topics": 1,
        "blocking_topics": 0,  # no track needs it
        "group_language_gaps": 0,
        "small_groups": 0,
        "uncovered_resources": 0,
        "broken_links": 0,
    }


def test_report_query_count_is_constant(
    crafted_catalog, django_assert_num_queries
) -> None:
    with django_assert_num_queries(REPORT_QUERIES):
        catalog_health_report()

    subject = SubjectFactory(languages=["en", "fr"])
    for _ in range(20):
        topic = TopicFactory(subject=subject)
        ResourceFactory(topics=[topic])
        TrackFactory(subject=subject, targets=[topic])
    with django_assert_num_queries(REPORT_QUERIES):
        catalog_health_report()


def test_report_is_frozen(crafted_catalog) -> None:
    report = catalog_health_report()

    with pytest.raises(AttributeError):
        report.thin_topics = ()  # type: ignore[misc]
    assert isinstance(report, CatalogHealthReport)


def test_command_prints_json_sorted_and_stable(crafted_catalog) -> None:
    first, second = StringIO(), StringIO()

    call_command("catalog_report", "--json", stdout=first)
    call_command("catalog_report", "--json", stdout=second)

    assert first.getvalue() == second.getvalue()
    data = json.loads(first.getvalue())
    assert data["counts"] == catalog_health_report().counts()
    assert [t["topic"]["slug"] for t in data["thin_topics"]] == ["loops"]
    assert data["language_gaps"][0]["missing_languages"] == ["es"]
    assert [t["slug"] for t in data["orphan_topics"]] == ["trivia"]
    assert [r["slug"] for r in data["uncovered_resources"]] == ["lonely"]
    assert [(g["provider_slug"], g["count"]) for g in data["broken_links"]] == [
        ("acme", 1),
        ("beta", 1),
    ]
    assert data["broken_links"][0]["links"][0]["last_status"] == 404
    assert list(data) == sorted(data)


def test_command_prints_text(crafted_catalog) -> None:
    out = StringIO()

    call_command("catalog_report", stdout=out)

    text = out.getvalue()
    assert "7 problems" in text
    assert "Topics with fewer than 2 offerable resources: 1" in text
    assert "python/loops" in text
    assert "no resource in es" in text
    assert "Topics no track reaches: 1" in text
    assert "acme (Acme): 1" in text
    assert (
        "loops-gone primary https://example.org/loops-gone status 404 HTTP 404" in text
    )


def test_command_json_lists_every_problem_however_many() -> None:
    for i in range(60):  # more than a page of the admin's report
        TopicFactory(slug=f"orphan-{i:02d}")
    out = StringIO()

    call_command("catalog_report", "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert len(data["orphan_topics"]) == data["counts"]["orphan_topics"] == 60


# -- the cached report -------------------------------------------------------------
@pytest.fixture
def report_cache(settings) -> Iterator[None]:
    """The report cache on (the test settings turn it off), and empty."""
    settings.CATALOG_REPORT_CACHE = True
    # Rolled-back test catalogs reuse version numbers: forget other tests' reports.
    cache.clear()
    yield
    cache.clear()


def test_the_cached_report_is_reused_until_the_catalog_version_moves(
    report_cache, crafted_catalog, django_assert_num_queries
) -> None:
    with django_assert_num_queries(REPORT_QUERIES):
        first = catalog_health_report_cached()
    with django_assert_num_queries(1):  # the catalog version
        again = catalog_health_report_cached()
    TopicFactory(slug="newcomer")
    with django_assert_num_queries(REPORT_QUERIES):
        after_write = catalog_health_report_cached()

    assert again == first
    assert after_write.catalog_version > first.catalog_version
    assert "newcomer" in [t.slug for t in after_write.orphan_topics]
    assert "newcomer" not in [t.slug for t in first.orphan_topics]


def test_a_cache_that_is_down_is_a_miss(
    report_cache, crafted_catalog, settings, django_assert_num_queries
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "wayfinder.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }

    for _ in range(2):
        with django_assert_num_queries(REPORT_QUERIES):
            report = catalog_health_report_cached()
        assert report.counts() == catalog_health_report().counts()
        assert report.counts()["broken_links"] == 2


def test_with_the_cache_off_every_read_recomputes(
    crafted_catalog, django_assert_num_queries
) -> None:
    for _ in range(2):
        with django_assert_num_queries(REPORT_QUERIES):
            catalog_health_report_cached()


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
