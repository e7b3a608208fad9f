"""Catalog writes reach the index through one Huey task per transaction, on commit."""

from __future__ import annotations

import io

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import transaction

import pytest

from catalog.models import Provider, ResourceTopic
from catalog.registry import CATALOG_M2M_FIELDS, CATALOG_MODELS
from catalog.synthetic import catalog_synthesize
from catalog.transfer import catalog_import
from search import tasks
from search.backends import DatabaseBackend
from search.models import SearchDocument
from search.selectors import catalog_search
from search.services import (
    search_index_enqueue,
    search_index_objects,
    search_index_suspended,
)
from search.signals import sources_check
from taxonomy.models import Subject
from tests.factories import ResourceFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("database_search", "huey_immediate"),
]


@pytest.fixture
def enqueued(monkeypatch) -> list[dict[str, list[int]]]:
    """The changes of every reindex task enqueued; the tasks still run."""
    calls: list[dict[str, list[int]]] = []
    original = tasks.reindex_changes_task

    def spy(changes: dict[str, list[int]]):
        calls.append(changes)
        return original(changes)

    monkeypatch.setattr(tasks, "reindex_changes_task", spy)
    return calls


def _slugs(query: str, **kwargs) -> list[str]:
    return [h.fields["slug"] for h in catalog_search(query=query, **kwargs).hits]


def test_saving_a_resource_reindexes_it_once_on_commit(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    video = catalog.resources["functions-video"]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            video.title = "Recursion for Pythonistas"
            video.save()
            ResourceTopic.objects.filter(resource=video).update(coverage="0.5")
            link = video.links.get()
            link.url = "https://example.org/recursion"
            link.save()
        assert enqueued == []  # nothing before the commit

    assert enqueued == [{"resource": [video.pk]}]
    assert _slugs("recursion") == ["functions-video"]
    assert "functions-video" not in _slugs("defining calling")


def test_a_new_resource_is_found_after_commit(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resource = ResourceFactory(  # with a new provider, in the same transaction
            slug="generators",
            title="Generators and Iterators",
            topics=[catalog.topics["functions"]],
        )
    assert enqueued == [{"provider": [resource.provider_id], "resource": [resource.pk]}]
    assert _slugs("generators") == ["generators"]
    assert "generators" in _slugs("", filters={"topic": "functions"}, per_page=100)


def test_deleting_a_resource_removes_it(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    loops = catalog.resources["loops-article"]
    pk = loops.pk
    with django_capture_on_commit_callbacks(execute=True):
        loops.delete()
    assert enqueued == [{"resource": [pk]}]
    assert _slugs("loops") == []
    assert not SearchDocument.objects.filter(kind="resource", object_id=pk).exists()


def test_renaming_a_topic_reindexes_its_resources_and_tracks(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    topic = catalog.topics["functions"]
    with django_capture_on_commit_callbacks(execute=True):
        topic.name = "Callables"
        topic.save()
    assert enqueued == [{"topic": [topic.pk]}]
    assert set(_slugs("callables")) == {
        "functions-video",
        "functions-article",
        "functions-course",
        "functions-es",
    }
    assert _slugs("callables", kind="topic") == ["functions"]
    assert _slugs("callables", kind="track") == ["python-developer"]


def test_renaming_a_provider_or_subject_reaches_their_resources(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mdn = Provider.objects.get(slug="mdn")
        mdn.name = "Mozilla Developer Network"
        mdn.save()
        web = Subject.objects.get(slug="web")
        web.name = "Frontend Engineering"
        web.save()
    assert enqueued == [{"provider": [mdn.pk], "subject": [web.pk]}]
    assert _slugs("mozilla") == ["js-functions"]
    assert _slugs("frontend") == ["js-functions"]
    assert _slugs("frontend", kind="topic") == ["js-functions"]


def test_a_rolled_back_transaction_enqueues_nothing(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    video = catalog.resources["functions-video"]
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        video.title = "Never saved"
        video.save()
        raise RuntimeError
    assert enqueued == []


def test_a_rolled_back_savepoint_does_not_lose_the_changes_after_it(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    video = catalog.resources["functions-video"]
    article = catalog.resources["functions-article"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            video.save()  # the collector is registered in this savepoint...
            raise RuntimeError
        article.save()  # ...which rolled back, so this starts a new one
    assert enqueued == [{"resource": [article.pk]}]


def test_changes_inside_a_suspended_block_are_not_enqueued(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), search_index_suspended():
        catalog.resources["functions-video"].save()
    assert enqueued == []


def test_the_tasks_are_idempotent_and_delete_documents_of_missing_objects(catalog):
    video = catalog.resources["functions-video"]
    before = list(SearchDocument.objects.order_by("kind", "object_id").values())
    tasks.reindex_objects_task("resource", [video.pk])
    tasks.reindex_changes_task(
        {"resource": [video.pk], "provider": [video.provider_id]}
    )
    after = list(SearchDocument.objects.order_by("kind", "object_id").values())
    for row in (*before, *after):
        row.pop("indexed_at")
        row.pop("id")
    assert after == before

    tasks.reindex_objects_task("resource", [987654])  # never existed: no harm
    with search_index_suspended():
        pk = video.pk
        video.delete()
    tasks.reindex_changes_task({"resource": [pk]})
    assert not SearchDocument.objects.filter(kind="resource", object_id=pk).exists()


def test_indexing_makes_a_constant_number_of_queries(
    catalog, django_assert_max_num_queries
):
    with search_index_suspended():
        extra = [
            ResourceFactory(topics=[catalog.topics["loops"]]).pk for _ in range(20)
        ]
    few = [r.pk for r in catalog.resources.values()][:2]
    with django_assert_max_num_queries(8) as few_queries:
        search_index_objects(kind="resource", ids=few)
    with django_assert_max_num_queries(8) as many_queries:
        search_index_objects(kind="resource", ids=extra)
    assert len(many_queries.captured_queries) == len(few_queries.captured_queries)


def test_enqueue_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown catalog kind"):
        search_index_enqueue(kind="roadmap", ids=[1])


def test_reindex_catalog_rebuilds_and_prunes(catalog, capsys):
    with search_index_suspended():
        catalog.resources["loops-article"].delete()
        ResourceFactory(slug="unindexed", title="Comprehensions")
    assert _slugs("comprehensions") == []

    call_command("reindex_catalog")

    out = capsys.readouterr().out
    assert "Indexed 8 resources, 4 topics, 1 tracks into database" in out
    assert _slugs("comprehensions") == ["unindexed"]
    assert _slugs("loops") == []
    assert SearchDocument.objects.count() == 8 + 4 + 1


def test_the_vocabulary_follows_a_full_reindex(catalog):
    backend = DatabaseBackend()
    with search_index_suspended():
        catalog.resources["js-functions"].delete()
        catalog.topics["js-functions"].delete()
    call_command("reindex_catalog")
    # "closures" only lived in the deleted resource's title.
    assert backend.search("closurse").corrected_query == ""
    assert backend.search("fucntions").corrected_query == "functions"


def test_the_import_command_rebuilds_the_search_index(
    tmp_path, django_capture_on_commit_callbacks
):
    import json

    from django.core.management import call_command

    from catalog.synthetic import catalog_synthesize
    from search.selectors import catalog_search

    document = catalog_synthesize(topics=12, resources=30, seed=3)
    title = document["resources"][0]["title"]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_catalog", str(path), stdout=io.StringIO())
    hits = catalog_search(query=title).hits
    assert title in [hit.fields["title"] for hit in hits[:5]]


def test_a_resource_whose_link_breaks_disappears_from_search(
    catalog, huey_immediate, django_capture_on_commit_callbacks
):
    from catalog.services import resource_link_health_refresh

    video = catalog.resources["functions-video"]
    assert "functions-video" in _slugs("functions")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        video.links.filter(kind="primary").update(healthy=False)
        resource_link_health_refresh(resource_ids=[video.pk])
    assert "functions-video" not in _slugs("functions")


def test_an_import_holds_per_object_indexing_off_and_rebuilds_once_on_commit(
    catalog, enqueued, huey_immediate, django_capture_on_commit_callbacks
):
    document = catalog_synthesize(topics=6, resources=12, seed=5)
    title = document["resources"][0]["title"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        catalog_import(data=document, reindex="now")
    assert enqueued == []  # not one task per written record
    assert len(callbacks) == 1  # the rebuild, once
    assert title in [hit.fields["title"] for hit in catalog_search(query=title).hits]


def test_an_import_asked_not_to_reindex_leaves_the_index_alone(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    document = catalog_synthesize(topics=6, resources=12, seed=5)
    before = SearchDocument.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_import(data=document, reindex="none")
    assert enqueued == []
    assert SearchDocument.objects.count() == before


def test_search_follows_every_catalog_model_and_relation():
    sources_check()  # the lists of catalog.registry as they are
    with pytest.raises(ImproperlyConfigured, match="catalog.Review is not in SOURCES"):
        sources_check(models=(*CATALOG_MODELS, "catalog.Review"))
    with pytest.raises(ImproperlyConfigured, match="taxonomy.Topic is not a catalog"):
        sources_check(models=[m for m in CATALOG_MODELS if m != "taxonomy.Topic"])
    with pytest.raises(ImproperlyConfigured, match="catalog.Resource.topics"):
        sources_check(m2m_fields=(*CATALOG_M2M_FIELDS, ("catalog.Resource", "topics")))
