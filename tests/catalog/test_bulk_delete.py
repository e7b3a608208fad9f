"""Bulk deletes of catalog rows: one service (``catalog_delete``) for the admin
and the benchmark; one version bump, one search re-index, no per-row work."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from catalog.models import Provider, Resource, ResourceLink, ResourceTopic
from catalog.services import catalog_delete
from catalog.synthetic import catalog_synthesize
from catalog.transfer import catalog_import
from learners.models import LearnerProfile
from search.models import SearchDocument
from search.services import search_reindex_all
from taxonomy.models import Prerequisite, Subject, Topic, Track
from taxonomy.selectors import catalog_version_current
from tests.admin import curator_user, learner_user
from tests.factories import ResourceFactory, SubjectFactory, TopicFactory, UserFactory
from tests.search.conftest import huey_immediate  # noqa: F401 (a fixture)
from wayfinder.errors import NotFound

pytestmark = pytest.mark.django_db

DOCUMENT_COLUMNS = ("kind", "object_id", "slug", "title", "keywords")


def version() -> int:
    return catalog_version_current()


def imported(django_capture_on_commit_callbacks, *, topics: int, resources: int):
    document = catalog_synthesize(topics=topics, resources=resources, seed=3)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import(data=document, reindex="now")


def documents() -> list[tuple[Any, ...]]:
    return list(
        SearchDocument.objects.order_by("kind", "object_id").values_list(
            *DOCUMENT_COLUMNS
        )
    )


def subject_resources(subject: Subject) -> tuple[set[int], set[int]]:
    """Resources covering only ``subject``'s topics, and those also covering others."""
    under = set(
        ResourceTopic.objects.filter(topic__subject=subject).values_list(
            "resource_id", flat=True
        )
    )
    shared = set(
        ResourceTopic.objects.filter(resource_id__in=under)
        .exclude(topic__subject=subject)
        .values_list("resource_id", flat=True)
    )
    return under - shared, shared


@pytest.fixture
def catalog(django_capture_on_commit_callbacks) -> Subject:
    """A synthetic catalog; returns the subject covered by the most resources."""
    imported(django_capture_on_commit_callbacks, topics=60, resources=300)
    return max(Subject.objects.all(), key=lambda s: len(subject_resources(s)[0]))


def test_deleting_a_subject_takes_everything_under_it_and_only_that(
    catalog: Subject, django_capture_on_commit_callbacks
) -> None:
    only_there, shared = subject_resources(catalog)
    topics = set(catalog.topics.values_list("pk", flat=True))
    assert only_there and topics
    other_topics = Topic.objects.exclude(subject=catalog).count()
    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        deletion = catalog_delete(subject_ids=[catalog.pk], reindex="now")
    assert not Subject.objects.filter(pk=catalog.pk).exists()
    assert not Topic.objects.filter(pk__in=topics).exists()
    assert not Track.objects.filter(subject_id=catalog.pk).exists()
    assert not Resource.objects.filter(pk__in=only_there).exists()
    assert not ResourceLink.objects.filter(resource_id__in=only_there).exists()
    assert not Prerequisite.objects.filter(requires_id__in=topics).exists()
    # Shared resources stay, covering only the other subjects' topics now.
    assert Resource.objects.filter(pk__in=shared).count() == len(shared)
    assert not ResourceTopic.objects.filter(topic_id__in=topics).exists()
    assert Topic.objects.count() == other_topics
    assert deletion.count("catalog.Resource") == len(only_there)
    assert deletion.count("taxonomy.Topic") == len(topics)
    assert version() == before + 1


def test_the_search_index_after_a_delete_matches_a_full_rebuild(
    catalog: Subject, django_capture_on_commit_callbacks
) -> None:
    topics = list(catalog.topics.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        catalog_delete(subject_ids=[catalog.pk], reindex="now")
    after_delete = documents()
    assert not SearchDocument.objects.filter(kind="topic", object_id__in=topics)
    search_reindex_all()
    assert after_delete == documents()


def test_a_dry_run_counts_exactly_what_the_delete_removes_and_writes_nothing(
    catalog: Subject,
) -> None:
    counts = Resource.objects.count(), Topic.objects.count(), version()
    preview = catalog_delete(subject_ids=[catalog.pk], dry_run=True)
    assert (Resource.objects.count(), Topic.objects.count(), version()) == counts
    done = catalog_delete(subject_ids=[catalog.pk], reindex="none")
    assert preview.deleted == done.deleted
    assert preview.unlinked == done.unlinked
    assert preview.dry_run and not done.dry_run


def test_the_number_of_queries_does_not_grow_with_the_rows_deleted(
    django_capture_on_commit_callbacks,
) -> None:
    def queries_to_delete(resources: int) -> int:
        subject = SubjectFactory()
        topic = TopicFactory(subject=subject)
        for _ in range(resources):
            ResourceFactory(topics=[topic])
        with CaptureQueriesContext(connection) as captured:
            deletion = catalog_delete(subject_ids=[subject.pk], reindex="none")
        assert deletion.count("catalog.Resource") == resources
        return len(captured)

    assert queries_to_delete(3) == queries_to_delete(30)


def test_emptying_the_catalog_keeps_learners_and_moves_the_version_once(
    catalog: Subject, django_capture_on_commit_callbacks
) -> None:
    profile = LearnerProfile.objects.create(
        owner=UserFactory(),
        subject=catalog,
        level="beginner",
        weekly_hours=3,
        start_date=datetime.date(2026, 1, 5),
    )
    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        deletion = catalog_delete(everything=True, reindex="now")
    for model in (Resource, Topic, Subject, Provider, Track, ResourceTopic):
        assert not model.objects.exists(), model
    assert not SearchDocument.objects.exists()
    profile.refresh_from_db()
    assert profile.subject is None
    assert deletion.unlinked["learners.LearnerProfile"] == 1
    assert version() == before + 1


def test_unknown_ids_are_refused_and_nothing_is_deleted(catalog: Subject) -> None:
    resources = Resource.objects.count()
    with pytest.raises(NotFound, match="resources"):
        catalog_delete(resource_ids=[Resource.objects.first().pk, 10**9])
    assert Resource.objects.count() == resources


# -- the admin -------------------------------------------------------------------


def subject_delete_url(subject: Subject) -> str:
    return reverse("catalog_admin:subject_delete_everything", args=[subject.pk])


def bulk_delete_url(*ids: Any) -> str:
    url = reverse("wagtail_bulk_action", args=("catalog", "resource", "delete"))
    return url + "?" + "&".join(f"id={pk}" for pk in ids)


def test_a_curator_sees_how_many_rows_go_then_deletes_the_subject(
    client, catalog: Subject
) -> None:
    client.force_login(curator_user())
    only_there, _ = subject_resources(catalog)
    page = client.get(subject_delete_url(catalog))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"<strong>{len(only_there)}</strong> resources" in text
    assert "<strong>1</strong> subject</li>" in text  # one row, named in the singular
    assert Subject.objects.filter(pk=catalog.pk).exists()
    response = client.post(subject_delete_url(catalog))
    assert response.status_code == 302
    assert not Subject.objects.filter(pk=catalog.pk).exists()
    assert not Resource.objects.filter(pk__in=only_there).exists()


def test_the_subject_listing_offers_the_delete_to_curators_only(
    client, catalog: Subject
) -> None:
    listing = reverse(Subject.snippet_viewset.get_url_name("list"))
    client.force_login(curator_user())
    assert subject_delete_url(catalog) in client.get(listing).content.decode()
    client.force_login(learner_user())
    assert client.get(subject_delete_url(catalog)).status_code in (302, 403)
    assert client.post(subject_delete_url(catalog)).status_code in (302, 403)
    assert Subject.objects.filter(pk=catalog.pk).exists()


@pytest.mark.usefixtures("huey_immediate")
def test_bulk_deleting_ticked_resources_from_the_listing(
    client, catalog: Subject, django_capture_on_commit_callbacks
) -> None:
    client.force_login(curator_user())
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True)[:25])
    page = client.get(bulk_delete_url(*ids))
    assert page.status_code == 200
    assert "<strong>25</strong> resources" in page.content.decode()
    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(bulk_delete_url(*ids))
    assert response.status_code == 302
    assert not Resource.objects.filter(pk__in=ids).exists()
    assert not SearchDocument.objects.filter(kind="resource", object_id__in=ids)
    assert version() == before + 1


def test_bulk_deleting_every_resource_with_select_all(client, catalog: Subject) -> None:
    client.force_login(curator_user())
    count = Resource.objects.count()
    page = client.get(bulk_delete_url("all"))
    assert f"<strong>{count}</strong> resources" in page.content.decode()
    assert client.post(bulk_delete_url("all")).status_code == 302
    assert not Resource.objects.exists()
    assert Topic.objects.exists()


@pytest.mark.parametrize("ids", [("x",), (10**9,), ()])
def test_a_bad_selection_is_a_clear_error_not_a_500(
    client, catalog: Subject, ids: tuple[Any, ...]
) -> None:
    client.force_login(curator_user())
    count = Resource.objects.count()
    response = client.post(bulk_delete_url(*ids))
    assert response.status_code in (400, 404)
    assert "Nothing was deleted" in response.content.decode()
    assert Resource.objects.count() == count
