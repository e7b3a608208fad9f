"""The resource admin: link health in text, one primary link, filters, listings."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from catalog.models import Provider, Resource, ResourceLink
from taxonomy.enums import LinkHealth, LinkKind
from taxonomy.models import Subject, Topic, Track
from tests.admin import curator_user, resource_form_data, snippet_url
from tests.factories import (
    PrerequisiteFactory,
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def _slugs(response) -> set[str]:
    return {item.slug for item in response.context["object_list"]}


def test_resource_edit_view_shows_each_links_health_in_text(curator_client) -> None:
    resource = ResourceFactory(
        primary_url="https://example.org/gone", title="Gone tutorial"
    )
    Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.BROKEN)
    ResourceLink.objects.filter(resource=resource).update(
        healthy=False,
        last_status=404,
        last_error="HTTP 404 Not Found",
        final_url="https://example.org/gone/",
        last_checked_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        consecutive_failures=3,
    )
    ResourceLink.objects.create(
        resource=resource, url="https://mirror.example.org/ok", kind=LinkKind.MIRROR
    )

    response = curator_client.get(snippet_url(Resource, "edit", resource.pk))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Overall link health:" in content
    assert "Primary link broken" in content  # the resource's state, in words
    assert "Broken" in content and "Not checked" in content  # each link's, in words
    assert "404" in content
    assert "HTTP 404 Not Found" in content
    assert "https://example.org/gone/" in content  # the final URL
    assert "2026-11-20 08:30 UTC" in content
    assert "3 failures in a row" in content
    assert '<th scope="col">Last error</th>' in content


def test_resource_form_requires_exactly_one_primary_link(curator_client) -> None:
    resource = ResourceFactory(primary_url="https://example.org/a")
    topic = TopicFactory()
    link = resource.links.get()

    two_primaries = curator_client.post(
        snippet_url(Resource, "edit", resource.pk),
        resource_form_data(
            resource,
            links=[
                {"id": link.pk, "url": link.url, "kind": "primary"},
                {"url": "https://example.org/b", "kind": "primary"},
            ],
            topics=[{"topic": topic.pk, "coverage": "1"}],
            initial_links=1,
        ),
    )
    no_primary = curator_client.post(
        snippet_url(Resource, "edit", resource.pk),
        resource_form_data(
            resource,
            links=[{"id": link.pk, "url": link.url, "kind": "mirror"}],
            topics=[{"topic": topic.pk, "coverage": "1"}],
            initial_links=1,
        ),
    )

    for response, count in ((two_primaries, 2), (no_primary, 0)):
        assert response.status_code == 200
        errors = " ".join(response.context["form"].non_field_errors())
        assert f"exactly one link of kind “Primary” (this one has {count})" in errors
    assert list(resource.links.values_list("url", "kind")) == [
        ("https://example.org/a", "primary")
    ]


def test_resource_form_saves_with_one_primary_link(curator_client) -> None:
    resource = ResourceFactory(primary_url="https://example.org/a")
    topic = TopicFactory()
    link = resource.links.get()

    response = curator_client.post(
        snippet_url(Resource, "edit", resource.pk),
        resource_form_data(
            resource,
            links=[
                {"id": link.pk, "url": link.url, "kind": "primary"},
                {"url": "https://example.org/a.mp3", "kind": "download"},
            ],
            topics=[{"topic": topic.pk, "coverage": "0.5"}],
            initial_links=1,
        ),
    )

    assert response.status_code == 302
    assert sorted(resource.links.values_list("kind", flat=True)) == [
        "download",
        "primary",
    ]
    assert list(resource.topic_coverage.values_list("topic", flat=True)) == [topic.pk]


def test_resource_listing_filters_by_subject_and_link_health(curator_client) -> None:
    python = SubjectFactory(slug="python")
    loops = TopicFactory(subject=python)
    functions = TopicFactory(subject=python)
    both = ResourceFactory(slug="both", topics=[loops, functions])
    broken = ResourceFactory(slug="broken", topics=[loops])
    ResourceFactory(slug="other", topics=[TopicFactory()])
    Resource.objects.filter(pk=broken.pk).update(link_health=LinkHealth.BROKEN)

    by_subject = curator_client.get(
        snippet_url(Resource, "list"), {"subject": python.pk}
    )
    by_health = curator_client.get(
        snippet_url(Resource, "list"), {"link_health": "broken"}
    )
    combined = curator_client.get(
        snippet_url(Resource, "list"), {"subject": python.pk, "link_health": "healthy"}
    )

    # A resource covering two topics of the subject is listed once.
    assert [r.slug for r in by_subject.context["object_list"]].count(both.slug) == 1
    assert _slugs(by_subject) == {"both", "broken"}
    assert _slugs(by_health) == {"broken"}
    assert _slugs(combined) == set()


def test_resource_listing_filters_by_format_language_cost_and_level(
    curator_client,
) -> None:
    ResourceFactory(slug="video-es", format="video", language="es")
    ResourceFactory(slug="paid-advanced", cost="paid", difficulty="advanced")
    ResourceFactory(slug="plain")
    url = snippet_url(Resource, "list")

    assert _slugs(curator_client.get(url, {"format": "video"})) == {"video-es"}
    assert _slugs(curator_client.get(url, {"language": "es"})) == {"video-es"}
    assert _slugs(curator_client.get(url, {"cost": "paid"})) == {"paid-advanced"}
    assert _slugs(curator_client.get(url, {"level": "advanced"})) == {"paid-advanced"}


def test_resource_listing_shows_link_health_as_text(curator_client) -> None:
    resource = ResourceFactory(title="Gone tutorial")
    Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.BROKEN)

    response = curator_client.get(snippet_url(Resource, "list"))

    content = response.content.decode()
    assert "Link health" in content
    assert "Primary link broken" in content
    assert "icon-error" in content  # the icon goes with the words, never alone


def _catalog_rows(n: int) -> None:
    subject = SubjectFactory()
    provider = ProviderFactory()
    previous = None
    for _ in range(n):
        topic = TopicFactory(subject=subject)
        if previous is not None:
            PrerequisiteFactory(topic=topic, requires=previous)
        previous = topic
        ResourceFactory(provider=provider, topics=[topic])
        ProviderFactory()
        SubjectFactory()
        TrackFactory(subject=subject, targets=[topic])


def _listing_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [Subject, Topic, Track, Provider, Resource])
def test_listing_query_count_does_not_grow_with_rows(client, model) -> None:
    client.force_login(curator_user())
    url = snippet_url(model, "list")

    _catalog_rows(5)
    client.get(url)  # warm the per-process caches (content types, permissions)
    few = _listing_queries(client, url)
    _catalog_rows(25)  # 30 rows in all: more than a page of 20
    many = _listing_queries(client, url)

    assert many == few, f"{model.__name__}: {few} queries for 5 rows, {many} for 30"
    assert few <= 25


def test_resource_listing_stays_under_a_query_budget(
    client, django_assert_max_num_queries
) -> None:
    client.force_login(curator_user())
    _catalog_rows(30)

    with django_assert_max_num_queries(25):
        client.get(snippet_url(Resource, "list"), {"link_health": "unchecked"})


def test_resource_listing_exports_csv_with_link_health(curator_client) -> None:
    resource = ResourceFactory(slug="gone", topics=[TopicFactory()])
    Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.BROKEN)

    response = curator_client.get(snippet_url(Resource, "list"), {"export": "csv"})

    text = b"".join(response.streaming_content).decode()
    header, row = text.splitlines()[:2]
    assert header.startswith("Slug,Title,Provider") and "Link health,Topics" in header
    assert row.startswith("gone,") and row.endswith("broken,1")


def test_fixing_a_broken_url_forgets_the_old_verdict_and_offers_the_resource_again(
    curator_client,
):
    topic = TopicFactory()
    resource = ResourceFactory(primary_url="https://example.org/gone", topics=[topic])
    link = resource.links.get()
    ResourceLink.objects.filter(pk=link.pk).update(
        healthy=False, last_status=404, consecutive_failures=3, last_error="HTTP 404"
    )
    Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.BROKEN)
    resource.refresh_from_db()

    response = curator_client.post(
        snippet_url(Resource, "edit", resource.pk),
        resource_form_data(
            resource,
            links=[
                {
                    "id": link.pk,
                    "url": "https://example.org/moved-here",
                    "kind": "primary",
                }
            ],
            topics=[
                {
                    "id": resource.topic_coverage.get().pk,
                    "topic": topic.pk,
                    "coverage": "1",
                }
            ],
            initial_links=1,
            initial_topics=1,
        ),
    )

    assert response.status_code == 302
    link.refresh_from_db()
    assert (link.url, link.healthy, link.last_status, link.consecutive_failures) == (
        "https://example.org/moved-here",
        None,
        None,
        0,
    )
    resource.refresh_from_db()
    assert resource.link_health == LinkHealth.UNCHECKED
    assert Resource.objects.offerable().filter(pk=resource.pk).exists()
