"""The catalog snapshot read from the database: once per version, constant queries."""

from __future__ import annotations

import threading
import time

from django.core.cache import cache
from django.db import connection

import pytest

from planner import selectors
from planner.domain import LinkHealth
from planner.selectors import (
    catalog_graph_forget,
    catalog_graph_get,
    graph_dumps,
    graph_loads,
)
from taxonomy.models import CatalogVersion
from tests.factories import ResourceFactory, TopicFactory

from .conftest import small_catalog_build

#: version, subjects, topics, prerequisites, track targets, tracks, providers,
#: resource coverage, resources, primary links, choice groups, their members, group
#: prerequisites, track target groups, and the version again.
BUILD_QUERIES = 16  # + the translated names of subjects, topics, tracks


def test_the_snapshot_is_built_once_per_catalog_version(
    small_catalog, django_assert_num_queries
):
    with django_assert_num_queries(BUILD_QUERIES):
        graph = catalog_graph_get()
    with django_assert_num_queries(1):  # the version, nothing else
        assert catalog_graph_get() is graph

    topic = small_catalog.topics["py-loops"]
    topic.name = "Loops and iteration"
    topic.save()

    with django_assert_num_queries(BUILD_QUERIES):
        rebuilt = catalog_graph_get()
    assert rebuilt is not graph
    assert rebuilt.version == CatalogVersion.objects.get(pk=1).value > graph.version
    assert rebuilt.topics["py-loops"].name == "Loops and iteration"
    assert graph.topics["py-loops"].name == "Loops"


def test_the_query_count_does_not_grow_with_the_catalog(
    small_catalog, django_assert_num_queries
):
    subject = small_catalog.subject
    for i in range(30):
        topic = TopicFactory(subject=subject, slug=f"extra-{i}")
        ResourceFactory(topics=[topic])
    with django_assert_num_queries(BUILD_QUERIES):
        graph = catalog_graph_get()
    assert len(graph.topics) == len(small_catalog.topics) + 30


def test_the_snapshot_holds_the_catalog_as_plain_data(small_catalog):
    broken = small_catalog.resources["py-loops-video"]
    type(broken).objects.filter(pk=broken.pk).update(link_health=LinkHealth.BROKEN)
    CatalogVersion.objects.filter(pk=1).update(value=999)

    graph = catalog_graph_get()

    assert graph.version == 999
    topic = graph.topics["py-functions"]
    assert type(topic.estimated_hours) is float and topic.estimated_hours == 2.5
    assert set(graph.prerequisites_of("py-functions")) == {"py-loops", "py-style"}
    assert graph.prerequisites_of("py-functions", "required") == ("py-loops",)
    assert graph.tracks["python-basics"].targets == ("py-functions",)
    resource = graph.resources["py-loops-article"]
    assert type(resource.provider_trust) is float
    assert resource.topics == (("py-loops", 1.0),)
    # Broken resources are in the snapshot (validation repairs plans with
    # them) but never offered.
    assert "py-loops-video" in graph.resources
    assert "py-loops-video" not in graph.offerable
    offered = [o.resource.slug for o in graph.offers_by_topic["py-loops"]]
    assert offered == ["py-loops-article"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_build_the_snapshot_once(monkeypatch):
    small_catalog_build()
    builds = []
    real_build = selectors.catalog_graph_build

    def slow_build(*, version):
        builds.append(version)
        time.sleep(0.3)  # every thread arrives while the first one builds
        return real_build(version=version)

    monkeypatch.setattr(selectors, "catalog_graph_build", slow_build)
    graphs, errors = [], []

    def worker():
        try:
            graphs.append(catalog_graph_get())
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(builds) == 1
    assert len({id(g) for g in graphs}) == 1


@pytest.fixture
def shared_cache(settings, request):
    """The snapshot cache switched on, over a local-memory cache of its own
    (a test's rolled-back catalog must not meet another's at the same version)."""
    settings.PLANNER_GRAPH_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"planner-{request.node.name}",
        }
    }
    cache.clear()


def test_the_django_cache_shares_a_snapshot_between_processes(
    small_catalog, shared_cache, django_assert_num_queries
):
    built = catalog_graph_get()
    assert cache.get(selectors._cache_key(built.version))
    catalog_graph_forget()  # as if another process asked

    with django_assert_num_queries(1):  # the version; the rest from the cache
        loaded = catalog_graph_get()

    assert loaded is not built
    assert loaded.version == built.version
    assert dict(loaded.topo_rank) == dict(built.topo_rank)


def test_a_snapshot_over_the_size_limit_stays_out_of_the_cache(
    small_catalog, shared_cache, settings, django_assert_num_queries
):
    settings.PLANNER_GRAPH_CACHE_MAX_BYTES = 100
    graph = catalog_graph_get()
    assert cache.get(selectors._cache_key(graph.version)) is None
    catalog_graph_forget()
    with django_assert_num_queries(BUILD_QUERIES):  # built again, not loaded
        catalog_graph_get()


def test_a_pickled_snapshot_reads_back_whole(small_catalog):
    graph = catalog_graph_get()
    copy = graph_loads(graph_dumps(graph))
    assert list(copy.topics) == list(graph.topics)
    assert dict(copy.requires) == dict(graph.requires)
    assert copy.resources == graph.resources
    offer = copy.offers_by_topic["py-loops"][0]
    # Offers point at the same node objects as the resources mapping.
    assert offer.resource is copy.resources[offer.resource.slug]
    with pytest.raises(TypeError):
        copy.topics["new"] = None  # still read-only
