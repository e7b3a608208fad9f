"""Reads for the planner: the catalog snapshot.

:func:`catalog_graph_get` turns the catalog tables into the pure core's
:class:`~planner.domain.CatalogGraph`, once per catalog version: a process
keeps the current snapshot in memory, and processes share it through the
Django cache (Redis in production) when it is small enough to be worth it.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import pickle
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import CharField, QuerySet, Value

import structlog

from catalog.models import Provider, Resource, ResourceLink, ResourceTopic
from planner.domain import (
    CatalogGraph,
    ChoiceGroupNode,
    GroupPrerequisite,
    ResourceNode,
    SubjectNode,
    TopicNode,
    TrackNode,
)
from planner.domain.types import Names
from roadmaps.models import Roadmap, RoadmapStep
from taxonomy.enums import LinkKind
from taxonomy.models import (
    ChoiceGroup,
    ChoiceGroupMember,
    Subject,
    SubjectTranslation,
    Topic,
    TopicTranslation,
    Track,
    TrackTarget,
    TrackTranslation,
)
from taxonomy.models import GroupPrerequisite as GroupPrerequisiteRow
from taxonomy.models import Prerequisite as PrerequisiteRow
from taxonomy.ordering import track_target_key
from taxonomy.selectors import catalog_version_cache_key, catalog_version_current
from wayfinder.errors import NotFound

logger = structlog.get_logger(__name__)

#: Bumped when the domain types change shape, so no process unpickles an old
#: snapshot into new code.
# 2: TopicNode.position (the teaching order); 3: groups; 4: translated names;
# 5: CatalogGraph.memo; 6: free offers per language and topic, and the types
# split into modules (the pickled classes' paths moved); 7: row ids of topics
# and resources, and resources' primary URLs (what storing a plan records);
# 8: TrackNode.targets in the curator's order (was sorted by slug)
GRAPH_CACHE_SCHEMA = 8
GRAPH_CACHE_TIMEOUT = 24 * 3600
#: Version re-reads before a build gives up on a catalog that keeps changing.
BUILD_ATTEMPTS = 3

_lock = threading.Lock()
_memory: CatalogGraph | None = None


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
        return graph
    with _lock:
        graph = _memory
        if graph is not None and graph.version == version:
            return graph
        started = time.perf_counter()
        graph = _cache_load(version)
        source = "cache"
        if graph is None:
            graph, stable = _build_stable(version)
            source = "database"
            if stable:
                _cache_store(graph)
        logger.info(
            "planner snapshot loaded",
            source=source,
            version=graph.version,
            seconds=round(time.perf_counter() - started, 3),
        )
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

    Fourteen queries whatever the catalog's size: ``values_list`` rows keyed by
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
    topic_positions: dict[int, int] = {}
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
        position,
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
        "position",
    ):
        topic_slugs[pk] = slug
        topic_positions[pk] = position
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
                position=position,
                row_id=pk,
            )
        )
    prerequisites = [
        (topic_slugs[topic_id], topic_slugs[requires_id], kind)
        for topic_id, requires_id, kind in _rows(
            PrerequisiteRow, "topic_id", "requires_id", "kind"
        )
    ]
    groups, group_slugs = _groups(subjects, topic_slugs)
    group_prerequisites = [
        GroupPrerequisite(topic_slugs[topic_id], group_slugs[group_id], kind)
        for topic_id, group_id, kind in _rows(
            GroupPrerequisiteRow, "topic_id", "group_id", "kind"
        )
        if group_id in group_slugs
    ]
    names = _translations()
    return CatalogGraph.build(
        version=version,
        subjects=_named([SubjectNode(*row) for row in subjects.values()], names),
        topics=_named(topics, names),
        prerequisites=prerequisites,
        tracks=_named(
            _tracks(subjects, topic_slugs, group_slugs, topic_positions), names
        ),
        resources=_resources(topic_slugs),
        groups=groups,
        group_prerequisites=group_prerequisites,
    )


def _translations() -> dict[tuple[str, str], Names]:
    """Translated names of subjects, topics and tracks, keyed by (node type
    name, slug): one query over the three small translation tables."""
    fields = ("language", "name", "aliases")

    def rows(model, kind: str, owner: str) -> QuerySet:
        label = Value(kind, output_field=CharField())
        return model.objects.order_by().values_list(label, f"{owner}__slug", *fields)

    query = rows(SubjectTranslation, "SubjectNode", "subject").union(
        rows(TopicTranslation, "TopicNode", "topic"),
        rows(TrackTranslation, "TrackNode", "track"),
        all=True,
    )
    found: dict[tuple[str, str], list] = defaultdict(list)
    for kind, slug, language, name, aliases in query:
        found[kind, slug].append((language, (name, *(aliases or ()))))
    return {key: tuple(sorted(rows)) for key, rows in found.items()}


def _named(nodes: list, names: dict[tuple[str, str], Names]) -> list:
    """``nodes`` with their translated names (the few that have some replaced)."""
    return [
        dataclasses.replace(node, names=names[key])
        if (key := (type(node).__name__, node.slug)) in names
        else node
        for node in nodes
    ]


def _rows(model, *fields: str) -> QuerySet:
    # order_by() drops Meta.ordering, some of which joins other tables.
    return model.objects.order_by().values_list(*fields)


def _groups(
    subjects: dict, topic_slugs: dict[int, str]
) -> tuple[list[ChoiceGroupNode], dict[int, str]]:
    """The choice groups with their members in curated order (two queries).

    A group left without members (its topics deleted) is left out, so one
    stale group never makes the whole catalog unplannable; ``min_choices``
    and the default are kept within what the members still allow.
    """
    members: dict[int, list[str]] = defaultdict(list)
    for group_id, topic_id in _rows(ChoiceGroupMember, "group_id", "topic_id").order_by(
        "group_id", "sort_order", "pk"
    ):
        members[group_id].append(topic_slugs[topic_id])
    groups, slugs = [], {}
    for pk, slug, subject_id, name, min_choices, default_id in _rows(
        ChoiceGroup,
        "pk",
        "slug",
        "subject_id",
        "name",
        "min_choices",
        "default_member_id",
    ):
        own = tuple(members.get(pk, ()))
        if not own:
            logger.warning("choice group without members left out", group=slug)
            continue
        default = topic_slugs.get(default_id)
        groups.append(
            ChoiceGroupNode(
                slug,
                subjects[subject_id][0],
                name,
                own,
                min(min_choices, len(own)),
                default if default in own else None,
            )
        )
        slugs[pk] = slug
    return groups, slugs


def _tracks(
    subjects: dict,
    topic_slugs: dict[int, str],
    group_slugs: dict[int, str],
    positions: dict[int, int],
) -> list[TrackNode]:
    """The tracks with their targets in the curator's order (three queries)."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    for track_id, order, topic_id in _rows(
        TrackTarget, "track_id", "sort_order", "topic_id"
    ):
        slug = topic_slugs[topic_id]
        rows[track_id].append(
            (track_target_key(order, positions[topic_id], slug), slug)
        )
    targets = {pk: [slug for _, slug in sorted(found)] for pk, found in rows.items()}
    aims: dict[int, list[str]] = defaultdict(list)
    for track_id, group_id in _rows(
        Track.target_groups.through, "track_id", "choicegroup_id"
    ):
        if group_id in group_slugs:
            aims[track_id].append(group_slugs[group_id])
    return [
        TrackNode(
            slug,
            subjects[subject_id][0],
            name,
            description,
            goal_kind,
            tuple(targets.get(pk, ())),
            tuple(sorted(aims[pk])),
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
    # At most one primary link a resource (a partial unique index).
    urls = dict(
        ResourceLink.objects.filter(kind=LinkKind.PRIMARY)
        .order_by()
        .values_list("resource_id", "url")
    )
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
                row_id=pk,
                url=urls.get(pk, ""),
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
    _SnapshotPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(graph)
    return zlib.compress(buffer.getvalue(), 1)


def graph_loads(data: bytes) -> CatalogGraph:
    # Only ever bytes this module wrote into our own cache.
    return pickle.loads(zlib.decompress(data))  # noqa: S301


def _cache_key(version: int) -> str:
    return catalog_version_cache_key(
        f"planner:catalog-graph:s{GRAPH_CACHE_SCHEMA}", version
    )


def _cache_enabled() -> bool:
    """``PLANNER_GRAPH_CACHE`` (on by default when the cache is Redis): a
    process-local cache would only hold a second copy of what this module
    keeps in memory anyway."""
    return bool(settings.PLANNER_GRAPH_CACHE)


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
    limit = settings.PLANNER_GRAPH_CACHE_MAX_BYTES
    try:
        data = graph_dumps(graph)
        if len(data) > limit:
            logger.info(
                "planner snapshot too large for the cache", bytes=len(data), limit=limit
            )
            return
        cache.set(_cache_key(graph.version), data, GRAPH_CACHE_TIMEOUT)
    except Exception:  # noqa: BLE001 -- caching is an optimisation, never a failure
        logger.warning("planner snapshot: cache write failed", exc_info=True)


# -- choice groups on a learner's roadmap -------------------------------------------
@dataclass(frozen=True)
class ChoiceGroupLabel:
    """What a roadmap page says about a group: its name and how many members."""

    slug: str
    name: str
    size: int


@dataclass(frozen=True)
class RoadmapChoice:
    """The change-a-choice page: the group, its members (slug, name) in curated
    order, and the member(s) the roadmap's current version holds, with why."""

    roadmap: Roadmap
    group: ChoiceGroupNode
    members: tuple[tuple[str, str], ...]
    chosen: tuple[str, ...]
    note: str


def choice_group_labels(*, slugs: Iterable[str]) -> dict[str, ChoiceGroupLabel]:
    """Name and size of each choice group in ``slugs`` the catalog still has,
    from the snapshot (no query beyond its version check; none for no slugs)."""
    wanted = {s for s in slugs if s}
    if not wanted:
        return {}
    groups = catalog_graph_get().groups
    return {
        s: ChoiceGroupLabel(s, groups[s].name, len(groups[s].members))
        for s in sorted(wanted)
        if s in groups
    }


def roadmap_choice_for_owner(
    *, roadmap_id: int, group: str, actor: AbstractBaseUser
) -> RoadmapChoice:
    """The actor's roadmap and choice group ``group`` for the change page:
    three queries (the roadmap with its current version, the version's steps
    chosen from the group, the catalog version). Raises NotFound when the
    roadmap is not the actor's or the catalog has no such group."""
    roadmap = (
        Roadmap.objects.filter(pk=roadmap_id, owner_id=actor.pk)
        .select_related("current")
        .first()
    )
    if roadmap is None or roadmap.current is None:
        raise NotFound("No such roadmap.")
    rows = list(
        RoadmapStep.objects.filter(version=roadmap.current, chosen_from=group)
        .order_by("position")
        .values_list("topic_slug", "choice_note")
    )
    graph = catalog_graph_get()
    node = graph.groups.get(group)
    if node is None:
        raise NotFound("No such choice group.")
    return RoadmapChoice(
        roadmap=roadmap,
        group=node,
        members=tuple((m, graph.topics[m].name) for m in node.members),
        chosen=tuple(slug for slug, _ in rows),
        note=rows[0][1] if rows else "",
    )
