"""Building a :class:`CatalogGraph` from plain catalog data, and its static scores.

Linear in the catalog's size apart from one sort of the topics: the snapshot is
built once per catalog version, then every plan only touches its own subgraph.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from .graph import find_cycle, format_cycle
from .text import phrase
from .types import (
    LEVEL_RANK,
    AgeRange,
    CatalogGraph,
    CatalogGraphError,
    ChoiceGroupNode,
    Cost,
    Format,
    GroupPrerequisite,
    Language,
    LinkHealth,
    MasteryKind,
    Offer,
    Prerequisite,
    PrerequisiteKind,
    ResourceNode,
    SubjectNode,
    TopicNode,
    TrackNode,
    frozen_map,
)

#: Weights of the profile-independent quality signals (freshness adds 0.15).
QUALITY_WEIGHTS = {
    "curator_rating": 0.35,
    "provider_trust": 0.20,
    "link_health": 0.15,
    "feedback": 0.15,
    "freshness": 0.15,
}
LINK_HEALTH_SCORE = {
    LinkHealth.HEALTHY: 1.0,
    LinkHealth.UNCHECKED: 0.7,
    LinkHealth.DEGRADED: 0.4,
    LinkHealth.BROKEN: 0.0,
}
#: Weights of the quality and coverage parts in a resource's total score (the
#: other parts and their weights are in planner.domain.ranking.WEIGHTS).
QUALITY_PART_WEIGHT = 0.30
COVERAGE_PART_WEIGHT = 0.10
#: Ages a resource with no age ranges listed serves (general audience).
UNLISTED_AGES = (AgeRange.TEEN, AgeRange.ADULT)

_VOCAB = {
    "level": frozenset(LEVEL_RANK),
    "format": frozenset(Format),
    "language": frozenset(Language),
    "cost": frozenset(Cost),
    "link_health": frozenset(LinkHealth),
    "mastery_kind": frozenset(MasteryKind),
    "age_range": frozenset(AgeRange),
    "prerequisite kind": frozenset(PrerequisiteKind),
}


def age_allows(age: str | None, age_ranges: tuple[str, ...]) -> bool:
    """May a learner of ``age`` be offered a resource listing ``age_ranges``?

    Adults may use anything; a teen needs ``teen`` listed or no ages listed
    (general audience); a child needs ``child`` listed. No age: anything.
    """
    if age is None or age == AgeRange.ADULT:
        return True
    if age == AgeRange.TEEN:
        return not age_ranges or AgeRange.TEEN in age_ranges
    return AgeRange.CHILD in age_ranges


def static_quality(resource: ResourceNode) -> float:
    """The quality score without freshness (at most 0.85)."""
    w = QUALITY_WEIGHTS
    feedback = (resource.feedback_up + 1) / (
        resource.feedback_up + resource.feedback_down + 2
    )
    return (
        w["curator_rating"] * (min(max(resource.curator_rating, 1), 5) - 1) / 4
        + w["provider_trust"] * min(max(resource.provider_trust, 0.0), 1.0)
        + w["link_health"] * LINK_HEALTH_SCORE.get(resource.link_health, 0.0)
        + w["feedback"] * feedback
    )


def build_graph(
    *,
    version: int,
    subjects: Iterable[SubjectNode],
    topics: Iterable[TopicNode],
    prerequisites: Iterable[Prerequisite | tuple[str, str, str]],
    tracks: Iterable[TrackNode],
    resources: Iterable[ResourceNode],
    groups: Iterable[ChoiceGroupNode] = (),
    group_prerequisites: Iterable[GroupPrerequisite | tuple[str, str, str]] = (),
) -> CatalogGraph:
    """See :meth:`CatalogGraph.build`."""
    problems: list[str] = []
    subject_map = _unique("subject", subjects, problems)
    topic_map = _unique("topic", topics, problems)
    track_map = _unique("track", tracks, problems)
    resource_map = _unique("resource", resources, problems)
    group_map = _unique("choice group", groups, problems)
    _check_topics(topic_map, subject_map, problems)
    edges = _edges(prerequisites, topic_map, problems)
    _check_groups(group_map, subject_map, topic_map, problems)
    group_edges = _group_edges(group_prerequisites, topic_map, group_map, problems)
    _check_tracks(track_map, subject_map, topic_map, problems, group_map)
    _check_resources(resource_map, topic_map, problems)
    if problems:
        raise CatalogGraphError(problems)
    depth = _depths(topic_map, _with_group_edges(edges, group_edges, group_map))
    order = sorted(
        topic_map, key=lambda s: (depth[s], LEVEL_RANK[topic_map[s].level], s)
    )
    rank = {slug: i for i, slug in enumerate(order)}
    requires, required_by = _adjacency(edges, rank)
    by_topic, offers, ages, fit_keys, dates = _resource_indexes(
        resource_map, topic_map, order
    )
    return CatalogGraph(
        version=version,
        subjects=frozen_map(sorted(subject_map.items())),
        topics=frozen_map((s, topic_map[s]) for s in order),
        tracks=frozen_map(sorted(track_map.items())),
        resources=frozen_map(sorted(resource_map.items())),
        requires=frozen_map(requires),
        required_by=frozen_map(required_by),
        topo_rank=frozen_map(rank),
        depth=frozen_map((s, depth[s]) for s in order),
        resources_by_topic=frozen_map(by_topic),
        offers_by_topic=frozen_map(offers),
        offers_by_language=frozen_map(
            (topic, _by_language(topic_offers))
            for topic, topic_offers in offers.items()
        ),
        free_offers_by_language=_free_by_language(offers),
        offerable=frozenset(
            s for s, r in resource_map.items() if r.link_health != LinkHealth.BROKEN
        ),
        fit_keys=fit_keys,
        freshness_dates=dates,
        topics_by_subject=_group((s, topic_map[s].subject) for s in order),
        tracks_by_subject=_group((s, track_map[s].subject) for s in sorted(track_map)),
        topics_by_name=_group((s, phrase(topic_map[s].name)) for s in order),
        ages_by_subject=frozen_map(sorted(ages.items())),
        groups=frozen_map(sorted(group_map.items())),
        requires_groups=frozen_map(
            (topic, tuple(sorted(group_edges[topic].items())))
            for topic in sorted(group_edges, key=rank.__getitem__)
        ),
        groups_by_topic=_group(
            (slug, member)
            for slug in sorted(group_map)
            for member in group_map[slug].members
        ),
    )


def _unique(kind: str, nodes: Iterable, problems: list[str]) -> dict:
    out: dict = {}
    for node in nodes:
        if node.slug in out:
            problems.append(f"{kind} {node.slug!r} appears twice")
        out[node.slug] = node
    return out


def _is_number(value: object) -> bool:
    """An int or float: a Decimal from the ORM would not mix with float factors."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bad(field: str, value: object) -> bool:
    return value not in _VOCAB[field]


def _check_topics(topics: Mapping, subjects: Mapping, problems: list[str]) -> None:
    for slug, topic in topics.items():
        if topic.subject not in subjects:
            problems.append(f"topic {slug!r}: unknown subject {topic.subject!r}")
        if _bad("level", topic.level) or _bad("mastery_kind", topic.mastery_kind):
            problems.append(f"topic {slug!r}: unknown level or mastery kind")
        if not _is_number(topic.estimated_hours) or not topic.estimated_hours > 0:
            problems.append(f"topic {slug!r}: estimated_hours must be a positive float")


def _edges(
    prerequisites: Iterable, topics: Mapping, problems: list[str]
) -> dict[str, dict[str, str]]:
    edges: dict[str, dict[str, str]] = {}
    for item in prerequisites:
        topic, requires, kind = (
            (item.topic, item.requires, item.kind)
            if isinstance(item, Prerequisite)
            else item
        )
        label = f"prerequisite {topic!r} -> {requires!r}"
        if topic not in topics or requires not in topics:
            problems.append(f"{label}: unknown topic")
        elif topic == requires:
            problems.append(f"{label}: a topic cannot require itself")
        elif _bad("prerequisite kind", kind):
            problems.append(f"{label}: unknown kind {kind!r}")
        elif requires in edges.get(topic, {}):
            problems.append(f"{label}: appears twice")
        else:
            edges.setdefault(topic, {})[requires] = PrerequisiteKind(kind)
    return edges


def _check_tracks(
    tracks: Mapping,
    subjects: Mapping,
    topics: Mapping,
    problems: list[str],
    groups: Mapping = frozen_map(),
) -> None:
    for slug, track in tracks.items():
        if track.subject not in subjects:
            problems.append(f"track {slug!r}: unknown subject {track.subject!r}")
        missing = [t for t in track.targets if t not in topics]
        if missing:
            problems.append(f"track {slug!r}: unknown targets {', '.join(missing)}")
        missing = [g for g in track.target_groups if g not in groups]
        if missing:
            problems.append(
                f"track {slug!r}: unknown target groups {', '.join(missing)}"
            )


def _check_groups(
    groups: Mapping[str, ChoiceGroupNode],
    subjects: Mapping,
    topics: Mapping,
    problems: list[str],
) -> None:
    """Members are known topics of the group's subject, listed once; ``min_choices``
    is between 1 and the number of members; the default is a member."""
    for slug, group in groups.items():
        label = f"choice group {slug!r}"
        if group.subject not in subjects:
            problems.append(f"{label}: unknown subject {group.subject!r}")
        members = group.members
        unknown = [m for m in members if m not in topics]
        if unknown:
            problems.append(f"{label}: unknown members {', '.join(unknown)}")
        foreign = [
            m for m in members if m in topics and topics[m].subject != group.subject
        ]
        if foreign:
            problems.append(
                f"{label}: members of another subject than {group.subject!r}: "
                f"{', '.join(foreign)}"
            )
        if len(set(members)) != len(members):
            problems.append(f"{label}: a member is listed twice")
        if not members:
            problems.append(f"{label}: has no members")
        elif not _is_number(group.min_choices) or not (
            1 <= group.min_choices <= len(members)
        ):
            problems.append(
                f"{label}: min_choices {group.min_choices!r} must be from 1 to "
                f"its {len(members)} member(s)"
            )
        if group.default is not None and group.default not in members:
            problems.append(f"{label}: default {group.default!r} is not a member")


def _group_edges(
    items: Iterable, topics: Mapping, groups: Mapping, problems: list[str]
) -> dict[str, dict[str, PrerequisiteKind]]:
    """topic -> {group: kind}; a member needing its own group is refused."""
    edges: dict[str, dict[str, PrerequisiteKind]] = {}
    for item in items:
        topic, group, kind = (
            (item.topic, item.group, item.kind)
            if isinstance(item, GroupPrerequisite)
            else item
        )
        label = f"group prerequisite {topic!r} -> {group!r}"
        if topic not in topics or group not in groups:
            problems.append(f"{label}: unknown topic or choice group")
        elif topic in groups[group].members:
            problems.append(
                f"{label}: {topic!r} is a member of {group!r}, so it cannot need "
                "its own group first"
            )
        elif _bad("prerequisite kind", kind):
            problems.append(f"{label}: unknown kind {kind!r}")
        elif group in edges.get(topic, {}):
            problems.append(f"{label}: appears twice")
        else:
            edges.setdefault(topic, {})[group] = PrerequisiteKind(kind)
    return edges


def _with_group_edges(
    edges: dict[str, dict[str, str]],
    group_edges: Mapping[str, Mapping[str, str]],
    groups: Mapping[str, ChoiceGroupNode],
) -> dict[str, dict[str, str]]:
    """``edges`` plus an edge to every member of each group a topic needs: for
    depth, rank and cycles, so whichever member is chosen comes first."""
    if not group_edges:
        return edges
    merged = {topic: dict(reqs) for topic, reqs in edges.items()}
    for topic, needed in group_edges.items():
        reqs = merged.setdefault(topic, {})
        for group, kind in needed.items():
            for member in groups[group].members:
                reqs.setdefault(member, kind)
    return merged


def _check_resources(resources: Mapping, topics: Mapping, problems: list[str]) -> None:
    vocab: dict[tuple, list[str]] = {}  # most resources share a handful of kinds
    for slug, res in resources.items():
        kind = (
            res.format,
            res.language,
            res.difficulty,
            res.cost,
            res.link_health,
            res.age_ranges,
        )
        bad = vocab.get(kind)
        if bad is None:
            bad = vocab[kind] = _bad_vocabulary(kind)
        covered = res.topics
        if (
            bad
            or len(covered) != len({t for t, _ in covered})
            or not _is_number(res.provider_trust)
            or not all(t in topics and _is_number(c) and 0 < c <= 1 for t, c in covered)
        ):
            problems.append(
                f"resource {slug!r}: unknown {', '.join(_bad_resource(res, bad, topics))}"
            )


def _bad_vocabulary(kind: tuple) -> list[str]:
    *values, ages = kind
    names = ("format", "language", "level", "cost", "link_health")
    bad = [name for name, value in zip(names, values, strict=True) if _bad(name, value)]
    return bad + [f"age range {a!r}" for a in ages if _bad("age_range", a)]


def _bad_resource(res: ResourceNode, bad: list[str], topics: Mapping) -> list[str]:
    bad = list(bad)
    bad += [f"topic {t!r}" for t, _ in res.topics if t not in topics]
    if len({t for t, _ in res.topics}) != len(res.topics):
        bad.append("topics (one listed twice)")
    bad += [
        f"coverage {c!r}" for _, c in res.topics if not _is_number(c) or not 0 < c <= 1
    ]
    if not _is_number(res.provider_trust):
        bad.append(f"provider_trust {res.provider_trust!r} (a float is expected)")
    return bad


def _depths(topics: Mapping, edges: Mapping[str, Mapping[str, str]]) -> dict[str, int]:
    """Longest prerequisite chain per topic (Kahn's algorithm); refuses cycles."""
    pending = {slug: len(edges.get(slug, ())) for slug in topics}
    dependents: dict[str, list[str]] = {}
    for topic, reqs in edges.items():
        for req in reqs:
            dependents.setdefault(req, []).append(topic)
    depth = dict.fromkeys(topics, 1)
    ready = deque(slug for slug, n in pending.items() if n == 0)
    done = 0
    while ready:
        slug = ready.popleft()
        done += 1
        for dep in dependents.get(slug, ()):
            if depth[slug] + 1 > depth[dep]:
                depth[dep] = depth[slug] + 1
            pending[dep] -= 1
            if pending[dep] == 0:
                ready.append(dep)
    if done < len(topics):
        stuck = {slug for slug, n in pending.items() if n > 0}
        raise CatalogGraphError([f"prerequisites form a cycle: {_cycle(stuck, edges)}"])
    return depth


def _cycle(stuck: set[str], edges: Mapping[str, Mapping[str, str]]) -> str:
    """A cycle among the topics Kahn's algorithm could not order, as ``a -> b -> a``.

    The core's pure DAG helpers find it (``planner.domain.graph``, which
    the taxonomy imports too), so the admin, the import and the planner name cycles
    the same way.
    """
    among = {slug: [req for req in edges[slug] if req in stuck] for slug in stuck}
    return format_cycle(find_cycle(among) or ())


def _adjacency(
    edges: Mapping[str, Mapping[str, str]], rank: Mapping[str, int]
) -> tuple[dict, dict]:
    requires: dict[str, tuple] = {}
    reverse: dict[str, list] = {}
    for topic in sorted(edges, key=rank.__getitem__):
        pairs = sorted(edges[topic].items(), key=lambda p: rank[p[0]])
        requires[topic] = tuple(pairs)
        for req, kind in pairs:
            reverse.setdefault(req, []).append((topic, kind))
    required_by = {
        slug: tuple(sorted(pairs, key=lambda p: rank[p[0]]))
        for slug, pairs in sorted(reverse.items(), key=lambda p: rank[p[0]])
    }
    return requires, required_by


def _resource_indexes(
    resources: Mapping[str, ResourceNode], topics: Mapping, order: list[str]
) -> tuple[dict, dict, dict, tuple, tuple]:
    by_topic: dict[str, list[str]] = {}
    offers: dict[str, list[Offer]] = {}
    ages: dict[str, set[str]] = {}
    fit_keys: dict[tuple, int] = {}
    dates: dict[object, int] = {}
    for slug in sorted(resources):
        res = resources[slug]
        offerable = res.link_health != LinkHealth.BROKEN
        if offerable:
            quality = static_quality(res)
            fit = (res.language, res.difficulty, res.format, res.cost, res.age_ranges)
            fit_key = fit_keys.setdefault(fit, len(fit_keys))
            fresh_key = dates.setdefault(res.freshness, len(dates))
        served = res.age_ranges or UNLISTED_AGES
        for topic, coverage in res.topics:
            by_topic.setdefault(topic, []).append(slug)
            if offerable:
                base = QUALITY_PART_WEIGHT * quality + COVERAGE_PART_WEIGHT * coverage
                offers.setdefault(topic, []).append(
                    Offer(
                        res,
                        coverage,
                        quality,
                        base,
                        fit_key,
                        fresh_key,
                        res.duration_minutes,
                        slug,
                        res.provider,
                        res.format,
                    )
                )
                ages.setdefault(topics[topic].subject, set()).update(served)
    for served in ages.values():
        served.add(AgeRange.ADULT)
    return (
        {t: tuple(by_topic[t]) for t in order if t in by_topic},
        {t: tuple(offers[t]) for t in order if t in offers},
        {s: frozenset(a) for s, a in ages.items()},
        tuple(fit_keys),
        tuple(dates),
    )


def _by_language(offers: tuple[Offer, ...]) -> Mapping[str, tuple[Offer, ...]]:
    split: dict[str, list[Offer]] = {}
    for offer in offers:
        split.setdefault(offer.resource.language, []).append(offer)
    return frozen_map((lang, tuple(group)) for lang, group in sorted(split.items()))


def _free_by_language(
    offers: Mapping[str, tuple[Offer, ...]],
) -> Mapping[str, Mapping[str, tuple[Offer, ...]]]:
    split: dict[str, dict[str, list[Offer]]] = {}
    for topic, topic_offers in offers.items():
        for offer in topic_offers:
            if offer.resource.cost != Cost.PAID:
                by_topic = split.setdefault(offer.resource.language, {})
                by_topic.setdefault(topic, []).append(offer)
    return frozen_map(
        (lang, frozen_map((t, tuple(group)) for t, group in by_topic.items()))
        for lang, by_topic in sorted(split.items())
    )


def _group(pairs: Iterable[tuple[str, str]]) -> Mapping[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for slug, key in pairs:
        grouped.setdefault(key, []).append(slug)
    return frozen_map((k, tuple(v)) for k, v in sorted(grouped.items()))
