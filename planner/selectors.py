"""Reads for the planner: the catalog snapshot and planning jobs.

:func:`catalog_graph_get` turns the catalog tables into the pure core's
:class:`~planner.domain.CatalogGraph`, once per catalog version: a process
keeps the current snapshot in memory, and processes share it through the
Django cache (Redis in production) when it is small enough to be worth it.
"""

from __future__ import annotations

import contextlib
import copyreg
import gc
import hashlib
import io
import pickle
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from types import MappingProxyType

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet

import structlog

from catalog.models import Provider, Resource, ResourceTopic
from planner.domain import (
    CatalogGraph,
    ResourceNode,
    SubjectNode,
    TopicNode,
    TrackNode,
)
from taxonomy.models import Prerequisite as PrerequisiteRow
from taxonomy.models import Subject, Topic, Track
from taxonomy.selectors import catalog_version_current

from .models import PlanningJob

logger = structlog.get_logger(__name__)

#: Bumped when the domain types change shape, so no process unpickles an old
#: snapshot into new code.
GRAPH_CACHE_SCHEMA = 1
GRAPH_CACHE_KEY = "planner:catalog-graph:s{schema}:{database}:v{version}"
#: Pickled snapshots above this many bytes (compressed) stay out of the Django
#: cache. Measured: 10k topics / 100k resources pickle to 8.5 MiB and load in
#: about 1 s, against about 2 s for a build from PostgreSQL; much larger ones
#: would load barely faster than a build and weigh on Redis.
GRAPH_CACHE_MAX_BYTES = 64 * 1024 * 1024
GRAPH_CACHE_TIMEOUT = 24 * 3600
#: Version re-reads before a build gives up on a catalog that keeps changing.
BUILD_ATTEMPTS = 3
#: Snapshots with at least this many topics and resources are frozen (gc).
GC_FREEZE_MIN_NODES = 10_000

_lock = threading.Lock()
_memory: CatalogGraph | None = None
#: What the last load did, for tests and the benchmark: ``source`` ("memory",
#: "cache" or "database") and ``seconds`` in all; after a build also
#: ``build_seconds`` and, when the cache is used, ``bytes`` pickled and
#: ``dump_seconds``.
last_load: dict[str, object] = {}


def catalog_graph_get() -> CatalogGraph:
    """The snapshot of the catalog at its current version.

    One query when this process already holds the current version; otherwise
    the snapshot comes from the Django cache or is built from the database in
    a constant number of queries (never per topic), then kept. Threads of one
    process build it once (a lock). Raises ``CatalogGraphError`` when the
    catalog cannot form a snapshot.
    """
    global _memory
    version = catalog_version_current()
    graph = _memory
    if graph is not None and graph.version == version:
        last_load.update(source="memory", seconds=0.0)
        return graph
    with _lock:
        graph = _memory
        if graph is not None and graph.version == version:
            last_load.update(source="memory", seconds=0.0)
            return graph
        started = time.perf_counter()
        # A build allocates about a million objects: the cyclic collector would
        # walk them again and again (it doubled the build time when measured).
        last_load.clear()
        with _gc_paused():
            graph = _cache_load(version)
            source = "cache"
            if graph is None:
                graph, stable = _build_stable(version)
                source = "database"
                last_load["build_seconds"] = time.perf_counter() - started
                if stable:
                    _cache_store(graph)
        last_load.update(source=source, seconds=time.perf_counter() - started)
        _gc_freeze(graph)
        _memory = graph
        return graph


def catalog_graph_forget() -> None:
    """Drop this process's snapshot (tests; the next call reloads it)."""
    global _memory
    with _lock:
        _memory = None


def _build_stable(version: int) -> tuple[CatalogGraph, bool]:
    """Build, then re-read the version: equal means no catalog change committed
    during the reads (every catalog write bumps it in its own transaction), so
    the snapshot is consistent with its label. Returns (graph, consistent)."""
    for _ in range(BUILD_ATTEMPTS):
        graph = catalog_graph_build(version=version)
        now = catalog_version_current()
        if now == version:
            return graph, True
        version = now
    logger.warning("catalog kept changing while the planner snapshot was built")
    return graph, False


def catalog_graph_build(*, version: int) -> CatalogGraph:
    """Read the catalog tables into a snapshot labelled ``version``.

    Eight queries whatever the catalog's size: ``values_list`` rows keyed by
    primary key (no joins on the large tables, no model instances), Decimals
    turned into floats. Every resource is read with its link health: the core
    leaves broken ones out of the offers itself and needs them to repair a plan.
    """
    subjects = {
        pk: (slug, name, tuple(languages or ()))
        for pk, slug, name, languages in _rows(
            Subject, "pk", "slug", "name", "languages"
        )
    }
    topic_slugs: dict[int, str] = {}
    topics = []
    for (
        pk,
        slug,
        subject_id,
        name,
        level,
        hours,
        objectives,
        kind,
        mastery,
        tags,
    ) in _rows(
        Topic,
        "pk",
        "slug",
        "subject_id",
        "name",
        "level",
        "estimated_hours",
        "objectives",
        "mastery_kind",
        "mastery_description",
        "tags",
    ):
        topic_slugs[pk] = slug
        topics.append(
            TopicNode(
                slug,
                subjects[subject_id][0],
                name,
                level,
                float(hours),
                tuple(objectives or ()),
                kind,
                mastery,
                tuple(tags or ()),
            )
        )
    prerequisites = [
        (topic_slugs[topic_id], topic_slugs[requires_id], kind)
        for topic_id, requires_id, kind in _rows(
            PrerequisiteRow, "topic_id", "requires_id", "kind"
        )
    ]
    return CatalogGraph.build(
        version=version,
        subjects=[SubjectNode(*row) for row in subjects.values()],
        topics=topics,
        prerequisites=prerequisites,
        tracks=_tracks(subjects, topic_slugs),
        resources=_resources(topic_slugs),
    )


def _rows(model, *fields: str) -> QuerySet:
    # order_by() drops Meta.ordering, some of which joins other tables.
    return model.objects.order_by().values_list(*fields)


def _tracks(subjects: dict, topic_slugs: dict[int, str]) -> list[TrackNode]:
    targets: dict[int, list[str]] = defaultdict(list)
    for track_id, topic_id in _rows(Track.targets.through, "track_id", "topic_id"):
        targets[track_id].append(topic_slugs[topic_id])
    return [
        TrackNode(
            slug,
            subjects[subject_id][0],
            name,
            description,
            goal_kind,
            tuple(sorted(targets[pk])),
        )
        for pk, slug, subject_id, name, description, goal_kind in _rows(
            Track, "pk", "slug", "subject_id", "name", "description", "goal_kind"
        )
    ]


def _resources(topic_slugs: dict[int, str]) -> list[ResourceNode]:
    providers = {
        pk: (slug, float(trust))
        for pk, slug, trust in _rows(Provider, "pk", "slug", "trust_score")
    }
    covered: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for resource_id, topic_id, coverage in _rows(
        ResourceTopic, "resource_id", "topic_id", "coverage"
    ):
        covered[resource_id].append((topic_slugs[topic_id], float(coverage)))
    nodes = []
    for row in _rows(
        Resource,
        "pk",
        "slug",
        "title",
        "provider_id",
        "format",
        "language",
        "duration_minutes",
        "difficulty",
        "cost",
        "age_ranges",
        "curator_rating",
        "freshness",
        "feedback_up",
        "feedback_down",
        "link_health",
    ):
        pk, slug, title, provider_id, fmt, lang, minutes, difficulty, cost = row[:9]
        ages, rating, freshness, up, down, health = row[9:]
        provider, trust = providers[provider_id]
        nodes.append(
            ResourceNode(
                slug,
                title,
                provider,
                trust,
                fmt,
                lang,
                minutes,
                difficulty,
                cost,
                tuple(ages or ()),
                rating,
                freshness,
                up,
                down,
                health,
                tuple(sorted(covered.get(pk, ()))),
            )
        )
    return nodes


# -- the Django cache -----------------------------------------------------------
def _read_only(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


class _SnapshotPickler(pickle.Pickler):
    """Pickles the snapshot's read-only mappings as the dicts they wrap."""

    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[MappingProxyType] = lambda proxy: (_read_only, (dict(proxy),))


def graph_dumps(graph: CatalogGraph) -> bytes:
    """The snapshot as compressed pickle bytes (shared references kept)."""
    buffer = io.BytesIO()
    with _gc_paused():
        _SnapshotPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(graph)
    return zlib.compress(buffer.getvalue(), 1)


def graph_loads(data: bytes) -> CatalogGraph:
    # Only ever bytes this module wrote into our own cache.
    with _gc_paused():
        return pickle.loads(zlib.decompress(data))  # noqa: S301


def _cache_key(version: int) -> str:
    # Version numbers only mean something within one database: a developer's
    # database and a test database sharing a Redis must not swap snapshots.
    where = connection.settings_dict
    identity = (connection.vendor, where.get("HOST"), where.get("PORT"), where["NAME"])
    database = hashlib.sha256(repr(identity).encode()).hexdigest()[:12]
    return GRAPH_CACHE_KEY.format(
        schema=GRAPH_CACHE_SCHEMA, database=database, version=version
    )


def _cache_enabled() -> bool:
    """``PLANNER_GRAPH_CACHE``: True, False, or None (the default) for "when
    the cache is shared": a process-local cache would only hold a second copy
    of what this module keeps in memory anyway."""
    enabled = getattr(settings, "PLANNER_GRAPH_CACHE", None)
    if enabled is None:
        backend = settings.CACHES.get("default", {}).get("BACKEND", "")
        return not backend.endswith(("LocMemCache", "DummyCache"))
    return bool(enabled)


def _cache_load(version: int) -> CatalogGraph | None:
    if not _cache_enabled():
        return None
    try:
        data = cache.get(_cache_key(version))
        graph = graph_loads(data) if data is not None else None
    except Exception:  # noqa: BLE001 -- a cache outage or stale bytes mean a rebuild
        logger.warning("planner snapshot: cache read failed", exc_info=True)
        return None
    if graph is not None and graph.version != version:
        return None
    return graph


def _cache_store(graph: CatalogGraph) -> None:
    if not _cache_enabled():
        return
    limit = getattr(settings, "PLANNER_GRAPH_CACHE_MAX_BYTES", GRAPH_CACHE_MAX_BYTES)
    started = time.perf_counter()
    try:
        data = graph_dumps(graph)
        last_load.update(bytes=len(data), dump_seconds=time.perf_counter() - started)
        if len(data) > limit:
            logger.info(
                "planner snapshot too large for the cache", bytes=len(data), limit=limit
            )
            return
        cache.set(_cache_key(graph.version), data, GRAPH_CACHE_TIMEOUT)
    except Exception:  # noqa: BLE001 -- caching is an optimisation, never a failure
        logger.warning("planner snapshot: cache write failed", exc_info=True)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _gc_freeze(graph: CatalogGraph) -> None:
    """Move a large snapshot's objects out of the cyclic collector's way.

    Frozen objects are still freed by reference counting when the snapshot is
    replaced (it holds no cycles); the collector just stops walking them. A
    small catalog is not worth the full collection this costs.
    """
    if not getattr(settings, "PLANNER_GC_FREEZE", True):
        return
    if len(graph.resources) + len(graph.topics) >= GC_FREEZE_MIN_NODES:
        gc.collect()
        gc.freeze()


# -- jobs ---------------------------------------------------------------------------
def job_get_for_owner(*, owner, job_id: int) -> PlanningJob:
    """A planning job of ``owner`` (raises ``PlanningJob.DoesNotExist``)."""
    return PlanningJob.objects.select_related("roadmap").get(pk=job_id, owner=owner)


def job_list_for_owner(*, owner) -> QuerySet[PlanningJob]:
    """The owner's planning jobs, newest first."""
    return PlanningJob.objects.filter(owner=owner).select_related("roadmap")
