"""The catalog health report: where the catalog fails learners, in ten queries.

``catalog_health_report()`` is a selector: it reads the catalog with a fixed
number of queries (never one per topic), works the rest out in Python and
returns frozen dataclasses, sorted, so the admin and ``manage.py
catalog_report`` show the same thing and the JSON is deterministic.

The problems, precisely (docs/curating.md says the same for curators):

* **thin topics**: fewer than ``MIN_OFFERABLE_RESOURCES`` offerable resources
  (``link_health != broken``; a resource not checked yet counts) cover the topic,
  whatever their coverage;
* **language gaps**: the topic's subject lists languages (``Subject.languages``)
  and for at least one of them no offerable resource covering the topic is in
  that language; a subject listing no languages has no language gaps;
* **level gaps**: no offerable resource covering the topic has a ``difficulty``
  equal to the topic's ``level``;
* **orphan topics**: the topic is in no track's closure, the track's targets
  and everything they require, directly or not (required and recommended
  prerequisites alike), so no goal template ever reaches it;
* **blocking topics**: a topic some track needs (a target of the track or
  required by one, directly or not, over required prerequisites) that has no
  offerable resource at all, or none in a language its subject offers. Plans
  keep such a step, marked "no resource yet"; the report says how many
  tracks it holds back, most first;
* **choice groups with no member offered in a language**: for a language
  the group's subject lists, no member of the group has an offerable resource
  in it (so a learner of that language is offered no alternative at all);
* **small choice groups**: fewer than two members (a member topic deleted
  since), so the group offers no choice;
* **resources covering no topic**;
* **broken links**: links the link checker found broken (``healthy`` is False),
  of any kind, grouped by provider.

``catalog_health_report_cached()`` is what the admin reads: the same report,
kept in the Django cache per catalog version, so a page load at an unchanged
catalog costs one query (the version) instead of ten and a full recompute.

Choice groups count for reach: a track aiming at a group, or a topic
requiring one, reaches every member (any may be chosen), so no member is an
orphan. They do not make topics blocking: the planner picks another member.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef

import structlog

from planner.domain.graph import closure
from taxonomy.enums import LinkHealth, PrerequisiteKind
from taxonomy.models import ChoiceGroup, GroupPrerequisite, Prerequisite, Topic, Track
from taxonomy.selectors import catalog_version_cache_key, catalog_version_current
from taxonomy.services import MIN_GROUP_MEMBERS

from .models import Resource, ResourceLink, ResourceTopic

logger = structlog.get_logger(__name__)

MIN_OFFERABLE_RESOURCES = 2

# Bump when the report's dataclasses change shape: old pickles then go unread.
REPORT_CACHE_SCHEMA = 3
# The version moves with every catalog write, but the link checker records a
# link's status without moving it when no resource's health changes (a second
# link of an already broken resource breaks): such news waits this long.
REPORT_CACHE_TIMEOUT = 10 * 60

#: A node of the graph the report walks: a topic id, or ("group", id).
Node = int | tuple[str, int]


@dataclass(frozen=True)
class TopicRef:
    id: int
    slug: str
    name: str
    subject: str
    level: str


@dataclass(frozen=True)
class ResourceRef:
    id: int
    slug: str
    title: str
    provider: str


@dataclass(frozen=True)
class ThinTopic:
    topic: TopicRef
    offerable_resources: int


@dataclass(frozen=True)
class LanguageGap:
    topic: TopicRef
    missing_languages: tuple[str, ...]


@dataclass(frozen=True)
class LevelGap:
    topic: TopicRef
    levels_offered: tuple[str, ...]


@dataclass(frozen=True)
class BlockingTopic:
    """A topic tracks need with no offerable resource (at all, or in some of
    its subject's languages); ``tracks``: the slugs of those tracks, sorted."""

    topic: TopicRef
    offerable_resources: int
    missing_languages: tuple[str, ...]
    tracks: tuple[str, ...]

    @property
    def track_count(self) -> int:
        return len(self.tracks)


@dataclass(frozen=True)
class GroupRef:
    id: int
    slug: str
    name: str
    subject: str
    members: tuple[str, ...]  # topic slugs, in the curator's order


@dataclass(frozen=True)
class GroupLanguageGap:
    """A choice group none of whose members is offered in these languages of
    its subject."""

    group: GroupRef
    missing_languages: tuple[str, ...]


@dataclass(frozen=True)
class BrokenLink:
    id: int
    resource: ResourceRef
    url: str
    kind: str
    last_status: int | None
    last_error: str
    last_checked_at: datetime | None


@dataclass(frozen=True)
class ProviderBrokenLinks:
    provider_id: int
    provider_slug: str
    provider_name: str
    links: tuple[BrokenLink, ...]

    @property
    def count(self) -> int:
        return len(self.links)


@dataclass(frozen=True)
class CatalogHealthReport:
    catalog_version: int
    topic_count: int
    thin_topics: tuple[ThinTopic, ...]
    language_gaps: tuple[LanguageGap, ...]
    level_gaps: tuple[LevelGap, ...]
    orphan_topics: tuple[TopicRef, ...]
    uncovered_resources: tuple[ResourceRef, ...]
    broken_links: tuple[ProviderBrokenLinks, ...]
    blocking_topics: tuple[BlockingTopic, ...] = ()
    group_language_gaps: tuple[GroupLanguageGap, ...] = ()
    small_groups: tuple[GroupRef, ...] = ()

    PROBLEMS: ClassVar[tuple[tuple[str, str], ...]] = (
        (
            "thin_topics",
            f"Topics with fewer than {MIN_OFFERABLE_RESOURCES} offerable resources",
        ),
        ("language_gaps", "Topics missing a language their subject offers"),
        ("level_gaps", "Topics with no resource at their level"),
        ("orphan_topics", "Topics no track reaches"),
        ("blocking_topics", "Topics blocking tracks: no resource in a language"),
        (
            "group_language_gaps",
            "Choice groups with no member offered in a language",
        ),
        ("small_groups", f"Choice groups with fewer than {MIN_GROUP_MEMBERS} members"),
        ("uncovered_resources", "Resources covering no topic"),
        ("broken_links", "Broken links"),
    )

    def counts(self) -> dict[str, int]:
        """Problems per class; ``broken_links`` counts links, not providers."""
        counts = {
            name: len(getattr(self, name))
            for name, _ in self.PROBLEMS
            if name != "broken_links"
        }
        counts["broken_links"] = sum(group.count for group in self.broken_links)
        return counts

    @property
    def problem_count(self) -> int:
        return sum(self.counts().values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO 8601 text, tuples as lists."""
        data = _jsonable(asdict(self))
        data["counts"] = self.counts()
        for group, raw in zip(self.broken_links, data["broken_links"], strict=True):
            raw["count"] = group.count
        return data

    def lines(self) -> list[str]:
        """The report as plain text lines, for the command and for logs."""
        lines = [
            f"Catalog health report: catalog v{self.catalog_version}, "
            f"{self.topic_count} topics, {self.problem_count} problems."
        ]
        counts = self.counts()
        for name, label in self.PROBLEMS:
            lines.append("")
            lines.append(f"{label}: {counts[name]}")
            lines.extend(f"  {line}" for line in self._problem_lines(name))
        return lines

    def broken_link_rows(self) -> tuple[tuple[ProviderBrokenLinks, BrokenLink], ...]:
        """Every broken link with its provider's group, in report order."""
        return tuple(
            (group, link) for group in self.broken_links for link in group.links
        )

    def _problem_lines(self, name: str) -> list[str]:
        if name == "thin_topics":
            return [
                f"{_topic(item.topic)}: {item.offerable_resources} offerable"
                for item in self.thin_topics
            ]
        if name == "language_gaps":
            return [
                f"{_topic(item.topic)}: no resource in "
                f"{', '.join(item.missing_languages)}"
                for item in self.language_gaps
            ]
        if name == "level_gaps":
            return [
                f"{_topic(item.topic)}: level {item.topic.level}, resources at "
                f"{', '.join(item.levels_offered) or 'no level'}"
                for item in self.level_gaps
            ]
        if name == "orphan_topics":
            return [_topic(topic) for topic in self.orphan_topics]
        if name == "blocking_topics":
            return [
                f"{_topic(item.topic)}: blocking {item.track_count} "
                f"track{'s' if item.track_count != 1 else ''}, "
                + (
                    f"no resource in {', '.join(item.missing_languages)}"
                    if item.offerable_resources
                    else "no offerable resource at all"
                )
                for item in self.blocking_topics
            ]
        if name == "group_language_gaps":
            return [
                f"{_group(item.group)}: no member offered in "
                f"{', '.join(item.missing_languages)}"
                for item in self.group_language_gaps
            ]
        if name == "small_groups":
            return [
                f"{_group(group)}: {len(group.members)} "
                f"member{'s' if len(group.members) != 1 else ''}"
                + (f" ({', '.join(group.members)})" if group.members else "")
                for group in self.small_groups
            ]
        if name == "uncovered_resources":
            return [
                f"{r.slug} ({r.title}), {r.provider}" for r in self.uncovered_resources
            ]
        lines = []
        for group in self.broken_links:
            lines.append(
                f"{group.provider_slug} ({group.provider_name}): {group.count}"
            )
            lines.extend(
                f"  {link.resource.slug} {link.kind} {link.url} "
                f"status {link.last_status or '-'} {link.last_error}".rstrip()
                for link in group.links
            )
        return lines


def catalog_health_report() -> CatalogHealthReport:
    """Read the whole catalog once and list its problems (see the module doc).

    Ten queries whatever the catalog's size. Returns a ``CatalogHealthReport``
    whose lists are sorted by subject and slug (topics), slug (resources) and
    provider slug, resource slug and URL (broken links).
    """
    return _report(version=catalog_version_current())


def catalog_health_report_cached() -> CatalogHealthReport:
    """The health report of the current catalog version, from the cache if there.

    One query (the catalog version) when the report for that version is
    cached, else the report's ten, after which it is stored for
    ``REPORT_CACHE_TIMEOUT`` seconds. A cache that is down, or holds bytes
    this code cannot read, is a miss; nothing is raised for it. With
    ``settings.CATALOG_REPORT_CACHE`` off (the tests, whose rolled-back
    catalogs reuse version numbers) it always recomputes.

    Never call it inside a transaction that writes the catalog: the version it
    would cache under is uncommitted, and a rollback hands that number to
    another catalog later.
    """
    version = catalog_version_current()
    if not settings.CATALOG_REPORT_CACHE:
        return _report(version=version)
    key = _cache_key(version)
    try:
        report = cache.get(key)
    except Exception:  # noqa: BLE001 -- stale pickles or an outage mean a recompute
        logger.warning("health report: cache read failed", exc_info=True)
        report = None
    if isinstance(report, CatalogHealthReport) and report.catalog_version == version:
        return report
    report = _report(version=version)
    try:
        cache.set(key, report, REPORT_CACHE_TIMEOUT)
    except Exception:  # noqa: BLE001 -- caching is an optimisation, never a failure
        logger.warning("health report: cache write failed", exc_info=True)
    return report


def _cache_key(version: int) -> str:
    return catalog_version_cache_key(
        f"catalog:health-report:{REPORT_CACHE_SCHEMA}", version
    )


def _report(*, version: int) -> CatalogHealthReport:
    topics, languages = _topics()
    offered = _offerable_coverage()
    report_topics = sorted(topics.values(), key=lambda t: (t.subject, t.slug))
    edges, required = _prerequisite_edges()
    targets = _track_targets()
    groups = _groups()
    reach = _group_reach(edges, groups)
    return CatalogHealthReport(
        catalog_version=version,
        topic_count=len(topics),
        thin_topics=tuple(
            ThinTopic(topic=t, offerable_resources=len(offered[t.id]))
            for t in report_topics
            if len(offered[t.id]) < MIN_OFFERABLE_RESOURCES
        ),
        language_gaps=_language_gaps(report_topics, languages, offered),
        level_gaps=_level_gaps(report_topics, offered),
        orphan_topics=_orphans(report_topics, reach, targets),
        uncovered_resources=_uncovered_resources(),
        broken_links=_broken_links(),
        blocking_topics=_blocking(report_topics, languages, offered, required, targets),
        group_language_gaps=_group_language_gaps(groups, offered),
        small_groups=tuple(
            group
            for group, _, _ in groups.values()
            if len(group.members) < MIN_GROUP_MEMBERS
        ),
    )


def _topics() -> tuple[dict[int, TopicRef], dict[int, tuple[str, ...]]]:
    """Every topic, and the languages its subject offers, by topic id."""
    rows = Topic.objects.order_by().values(
        "id", "slug", "name", "level", "subject__slug", "subject__languages"
    )
    topics, languages = {}, {}
    for row in rows:
        topics[row["id"]] = TopicRef(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            subject=row["subject__slug"],
            level=row["level"],
        )
        languages[row["id"]] = tuple(sorted(set(row["subject__languages"] or [])))
    return topics, languages


def _offerable_coverage() -> defaultdict[int, set[tuple[int, str, str]]]:
    """``{topic_id: {(resource_id, language, difficulty), ...}}``, offerable only."""
    rows = (
        ResourceTopic.objects.exclude(resource__link_health=LinkHealth.BROKEN)
        .order_by()
        .values_list(
            "topic_id", "resource_id", "resource__language", "resource__difficulty"
        )
    )
    offered: defaultdict[int, set[tuple[int, str, str]]] = defaultdict(set)
    for topic_id, resource_id, language, difficulty in rows:
        offered[topic_id].add((resource_id, language, difficulty))
    return offered


def _language_gaps(
    topics: list[TopicRef],
    languages: dict[int, tuple[str, ...]],
    offered: defaultdict[int, set[tuple[int, str, str]]],
) -> tuple[LanguageGap, ...]:
    gaps = []
    for topic in topics:
        present = {language for _, language, _ in offered[topic.id]}
        missing = tuple(lang for lang in languages[topic.id] if lang not in present)
        if missing:
            gaps.append(LanguageGap(topic=topic, missing_languages=missing))
    return tuple(gaps)


def _level_gaps(
    topics: list[TopicRef], offered: defaultdict[int, set[tuple[int, str, str]]]
) -> tuple[LevelGap, ...]:
    gaps = []
    for topic in topics:
        levels = {difficulty for _, _, difficulty in offered[topic.id]}
        if topic.level not in levels:
            gaps.append(LevelGap(topic=topic, levels_offered=tuple(sorted(levels))))
    return tuple(gaps)


def _prerequisite_edges() -> tuple[
    defaultdict[int, set[int]], defaultdict[int, set[int]]
]:
    """Prerequisite edges of both kinds, and the required ones alone, by topic id."""
    edges: defaultdict[int, set[int]] = defaultdict(set)
    required: defaultdict[int, set[int]] = defaultdict(set)
    for topic_id, requires_id, kind in Prerequisite.objects.order_by().values_list(
        "topic_id", "requires_id", "kind"
    ):
        edges[topic_id].add(requires_id)
        if kind == PrerequisiteKind.REQUIRED:
            required[topic_id].add(requires_id)
    return edges, required


def _track_targets() -> dict[str, set[Node]]:
    """Each track's targets, by track slug: topic ids, and its target groups
    as group nodes (see :func:`_group_reach`)."""
    targets: dict[str, set[Node]] = defaultdict(set)
    for slug, topic_id in Track.targets.through.objects.order_by().values_list(
        "track__slug", "topic_id"
    ):
        targets[slug].add(topic_id)
    for slug, group_id in Track.target_groups.through.objects.order_by().values_list(
        "track__slug", "choicegroup_id"
    ):
        targets[slug].add(("group", group_id))
    return targets


GroupRow = tuple[GroupRef, tuple[str, ...], tuple[int, ...]]


def _groups() -> dict[int, GroupRow]:
    """Every choice group with its subject's languages and its member ids,
    by group id, sorted by subject and slug (one query)."""
    rows = ChoiceGroup.objects.order_by(
        "subject__slug", "slug", "members__sort_order", "members__pk"
    ).values(
        "id",
        "slug",
        "name",
        "subject__slug",
        "subject__languages",
        "members__topic_id",
        "members__topic__slug",
    )
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        group = found.setdefault(row["id"], {"row": row, "ids": [], "slugs": []})
        if row["members__topic_id"] is not None:
            group["ids"].append(row["members__topic_id"])
            group["slugs"].append(row["members__topic__slug"])
    out = {}
    for pk, group in found.items():
        row = group["row"]
        ref = GroupRef(
            id=pk,
            slug=row["slug"],
            name=row["name"],
            subject=row["subject__slug"],
            members=tuple(group["slugs"]),
        )
        languages = tuple(sorted(set(row["subject__languages"] or [])))
        out[pk] = (ref, languages, tuple(group["ids"]))
    return out


def _group_reach(
    edges: defaultdict[int, set[int]], groups: dict[int, GroupRow]
) -> dict[Node, set[Node]]:
    """The prerequisite edges with each choice group as a node of its own: a
    topic requiring the group points at it, and it points at its members."""
    reach: dict[Node, set[Node]] = defaultdict(set)
    for topic_id, required in edges.items():
        reach[topic_id].update(required)
    for topic_id, group_id in GroupPrerequisite.objects.order_by().values_list(
        "topic_id", "group_id"
    ):
        reach[topic_id].add(("group", group_id))
    for group_id, (_, _, members) in groups.items():
        reach[("group", group_id)].update(members)
    return reach


def _group_language_gaps(
    groups: dict[int, GroupRow],
    offered: defaultdict[int, set[tuple[int, str, str]]],
) -> tuple[GroupLanguageGap, ...]:
    gaps = []
    for group, languages, members in groups.values():
        present = {language for member in members for _, language, _ in offered[member]}
        missing = tuple(lang for lang in languages if lang not in present)
        if missing:
            gaps.append(GroupLanguageGap(group=group, missing_languages=missing))
    return tuple(gaps)


def _orphans(
    topics: list[TopicRef],
    edges: dict[Node, set[Node]],
    targets: dict[str, set[Node]],
) -> tuple[TopicRef, ...]:
    roots = {topic_id for ids in targets.values() for topic_id in ids}
    reached = closure(edges, roots)
    return tuple(topic for topic in topics if topic.id not in reached)


def _blocking(
    topics: list[TopicRef],
    languages: dict[int, tuple[str, ...]],
    offered: defaultdict[int, set[tuple[int, str, str]]],
    required: defaultdict[int, set[int]],
    targets: dict[str, set[Node]],
) -> tuple[BlockingTopic, ...]:
    """Topics tracks need with nothing offerable in some language; most tracks
    first, then by subject and slug."""
    needed_by: defaultdict[int, list[str]] = defaultdict(list)
    for slug in sorted(targets):
        topics_aimed = {node for node in targets[slug] if isinstance(node, int)}
        for topic_id in closure(required, topics_aimed):
            needed_by[topic_id].append(slug)
    found = []
    for topic in topics:
        if topic.id not in needed_by:
            continue
        present = {language for _, language, _ in offered[topic.id]}
        missing = tuple(lang for lang in languages[topic.id] if lang not in present)
        if present and not missing:
            continue
        found.append(
            BlockingTopic(
                topic=topic,
                offerable_resources=len(offered[topic.id]),
                missing_languages=missing,
                tracks=tuple(needed_by[topic.id]),
            )
        )
    found.sort(key=lambda b: (-b.track_count, b.topic.subject, b.topic.slug))
    return tuple(found)


def _uncovered_resources() -> tuple[ResourceRef, ...]:
    rows = (
        Resource.objects.filter(
            ~Exists(ResourceTopic.objects.filter(resource=OuterRef("pk")))
        )
        .order_by("slug")
        .values("id", "slug", "title", "provider__slug")
    )
    return tuple(
        ResourceRef(
            id=row["id"],
            slug=row["slug"],
            title=row["title"],
            provider=row["provider__slug"],
        )
        for row in rows
    )


def _broken_links() -> tuple[ProviderBrokenLinks, ...]:
    rows = (
        ResourceLink.objects.filter(healthy=False)
        .order_by("resource__provider__slug", "resource__slug", "url")
        .values(
            "id",
            "url",
            "kind",
            "last_status",
            "last_error",
            "last_checked_at",
            "resource_id",
            "resource__slug",
            "resource__title",
            "resource__provider_id",
            "resource__provider__slug",
            "resource__provider__name",
        )
    )
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["resource__provider_id"], []).append(row)
    return tuple(
        ProviderBrokenLinks(
            provider_id=provider_id,
            provider_slug=links[0]["resource__provider__slug"],
            provider_name=links[0]["resource__provider__name"],
            links=tuple(_broken_link(row) for row in links),
        )
        for provider_id, links in groups.items()
    )


def _broken_link(row: dict[str, Any]) -> BrokenLink:
    return BrokenLink(
        id=row["id"],
        resource=ResourceRef(
            id=row["resource_id"],
            slug=row["resource__slug"],
            title=row["resource__title"],
            provider=row["resource__provider__slug"],
        ),
        url=row["url"],
        kind=row["kind"],
        last_status=row["last_status"],
        last_error=row["last_error"],
        last_checked_at=row["last_checked_at"],
    )


def _topic(topic: TopicRef) -> str:
    return f"{topic.subject}/{topic.slug} ({topic.name})"


def _group(group: GroupRef) -> str:
    return f"{group.subject}/{group.slug} ({group.name})"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
