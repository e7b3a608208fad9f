"""Synthetic catalogs for benchmarks and tests: realistic DAGs, deterministic for a seed.

:func:`synthetic_catalog`: each subject is a sequence of topics where a topic
requires one to three of the ~30 topics just before it (so prerequisite
chains are long and local), now and then a beginner topic of an earlier
subject, and sometimes recommends one more. Levels rise along the sequence.
Every subject has tracks whose targets sit at spread-out depths;
``everything`` (when asked) targets every topic nothing depends on, so its
closure is the whole catalog.

:func:`hub_catalog`: shaped like the public developer roadmaps. Each subject
is a spine of hub topics (overview topics, levels rising along the spine),
each with many subtopics; a hub requires the previous hub and a few "core"
subtopics of it, recommends (optional prerequisite) some others; some hubs
offer a choice group ("pick one of" several alternative subtopics) that the
next hub requires; a few topics have no resource at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .types import (
    CatalogGraph,
    ChoiceGroupNode,
    GroupPrerequisite,
    Prerequisite,
    ResourceNode,
    SubjectNode,
    TopicNode,
    TrackNode,
)

WINDOW = 30
FORMATS = ("video", "article", "course", "book", "interactive", "exercise", "project")
LANGUAGES = ("en",) * 8 + ("es", "fr")
COSTS = ("free",) * 12 + ("freemium",) * 5 + ("paid",) * 3
HEALTH = ("healthy",) * 85 + ("unchecked",) * 7 + ("degraded",) * 5 + ("broken",) * 3
AGES = (("teen", "adult"),) * 6 + ((),) * 2 + (("adult",), ("child", "teen"))
LEVELS = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True, slots=True)
class SyntheticCatalog:
    subjects: tuple[SubjectNode, ...]
    topics: tuple[TopicNode, ...]
    prerequisites: tuple[Prerequisite, ...]
    tracks: tuple[TrackNode, ...]
    resources: tuple[ResourceNode, ...]
    groups: tuple[ChoiceGroupNode, ...] = field(default=())
    group_prerequisites: tuple[GroupPrerequisite, ...] = field(default=())

    def graph(self, version: int = 1) -> CatalogGraph:
        return CatalogGraph.build(
            version=version,
            subjects=self.subjects,
            topics=self.topics,
            prerequisites=self.prerequisites,
            tracks=self.tracks,
            resources=self.resources,
            groups=self.groups,
            group_prerequisites=self.group_prerequisites,
        )


def synthetic_catalog(
    *,
    topics: int = 10_000,
    resources_per_topic: int = 10,
    subjects: int = 20,
    tracks_per_subject: int = 8,
    everything: bool = True,
    seed: int = 7,
) -> SyntheticCatalog:
    """Plain catalog data of the given size (``topics`` split evenly over subjects)."""
    rng = random.Random(seed)  # noqa: S311 -- synthetic data, not security
    per_subject = max(1, topics // subjects)
    subject_nodes = tuple(
        SubjectNode(f"subject-{s}", f"Subject {s}", ("en", "es"))
        for s in range(subjects)
    )
    topic_nodes: list[TopicNode] = []
    edges: list[Prerequisite] = []
    for s in range(subjects):
        for i in range(per_subject):
            topic_nodes.append(_topic(rng, s, i, per_subject))
            edges += _edges(rng, s, i, per_subject)
    track_nodes = [
        _track(rng, s, t, per_subject, tracks_per_subject)
        for s in range(subjects)
        for t in range(tracks_per_subject)
    ]
    if everything:
        required = {e.requires for e in edges}
        sinks = tuple(t.slug for t in topic_nodes if t.slug not in required)
        track_nodes.append(
            TrackNode(
                "everything", "subject-0", "Everything", "All of it", "curiosity", sinks
            )
        )
    resources = tuple(
        _resource(rng, topic, k, topic_nodes)
        for topic in topic_nodes
        for k in range(resources_per_topic)
    )
    return SyntheticCatalog(
        subject_nodes, tuple(topic_nodes), tuple(edges), tuple(track_nodes), resources
    )


def _slug(subject: int, index: int) -> str:
    return f"s{subject}-t{index}"


def _topic(rng: random.Random, s: int, i: int, n: int) -> TopicNode:
    return TopicNode(
        slug=_slug(s, i),
        subject=f"subject-{s}",
        name=f"Topic {i} of subject {s}",
        level=LEVELS[min(2, 3 * i // n)],
        estimated_hours=rng.choice((1, 1.5, 2, 3, 4, 6)),
        objectives=(f"Explain idea {i} of subject {s}", f"Apply idea {i}"),
        mastery_kind="quiz",
        mastery_description=f"Pass the quiz on idea {i}",
    )


def _edges(rng: random.Random, s: int, i: int, n: int) -> list[Prerequisite]:
    if i == 0:
        return []
    low = max(0, i - WINDOW)
    picks = sorted(set(rng.sample(range(low, i), min(i - low, rng.randint(1, 3)))))
    edges = [Prerequisite(_slug(s, i), _slug(s, p), "required") for p in picks]
    if s > 0 and rng.random() < 0.03:
        other = rng.randrange(s)
        edges.append(
            Prerequisite(
                _slug(s, i), _slug(other, rng.randrange(min(n, 20))), "required"
            )
        )
    if i > WINDOW and rng.random() < 0.2:
        extra = rng.randrange(max(0, i - 2 * WINDOW), i - WINDOW)
        edges.append(Prerequisite(_slug(s, i), _slug(s, extra), "recommended"))
    return edges


def _track(rng: random.Random, s: int, t: int, n: int, count: int) -> TrackNode:
    depth = (t + 1) * n // (count + 1)
    targets = tuple(
        sorted({_slug(s, min(n - 1, depth + rng.randrange(10))) for _ in range(2)})
    )
    return TrackNode(
        f"subject-{s}-track-{t}",
        f"subject-{s}",
        f"Track {t} of subject {s}",
        f"Reach depth {depth} of subject {s}",
        "skill",
        targets,
    )


def _resource(
    rng: random.Random, topic: TopicNode, k: int, topics: list[TopicNode]
) -> ResourceNode:
    covered = [(topic.slug, 1.0)]
    if rng.random() < 0.1:
        other = topics[rng.randrange(len(topics))].slug
        if other != topic.slug:
            covered.append((other, 0.5))
    level = LEVELS.index(topic.level) + rng.choice((-1, 0, 0, 0, 1))
    return ResourceNode(
        slug=f"{topic.slug}-r{k}",
        title=f"Resource {k} on {topic.name}",
        provider=f"provider-{rng.randrange(50)}",
        provider_trust=round(rng.uniform(0.4, 1.0), 2),
        format=rng.choice(FORMATS),
        language=rng.choice(LANGUAGES),
        duration_minutes=rng.randint(10, 600),
        difficulty=LEVELS[min(2, max(0, level))],
        cost=rng.choice(COSTS),
        age_ranges=rng.choice(AGES),
        curator_rating=rng.randint(1, 5),
        freshness=date(2025, 12, 1) - timedelta(days=rng.randrange(6 * 365)),
        feedback_up=rng.randrange(200),
        feedback_down=rng.randrange(40),
        link_health=rng.choice(HEALTH),
        topics=tuple(covered),
    )


# -- hub-shaped catalogs --------------------------------------------------------
HUB_SIZE = 20  # a hub and its subtopics
HUB_CORE = 3  # subtopics of a hub the next hub requires
HUB_TRACKS = 6
NO_RESOURCE_SHARE = 0.04


def hub_catalog(
    *,
    topics: int = 10_000,
    subjects: int = 20,
    resources_per_topic: int = 10,
    choice_groups: bool = True,
    seed: int = 7,
) -> SyntheticCatalog:
    """A hub-shaped catalog of about ``topics`` topics, deterministic for ``seed``.

    Per subject, ``topics // subjects // HUB_SIZE`` hubs (at least two). Hub
    ``h`` is beginner in the first third of the spine, intermediate in the
    second, advanced in the last; its subtopics share its level, a quarter of
    those past the core ones one level up. A subtopic requires its hub and often the subtopic
    before it (a short chain); hub ``h`` requires hub ``h - 1`` and its first
    ``HUB_CORE`` subtopics, recommends a fifth of the others, and (with
    ``choice_groups``, every fourth hub) requires a choice group of four
    alternative subtopics of hub ``h - 1`` instead. Tracks target hubs (and
    sometimes an advanced subtopic) at spread-out depths; a track now and
    then aims at a group. About ``NO_RESOURCE_SHARE`` of the topics have no
    resource.
    """
    rng = random.Random(seed)  # noqa: S311 -- synthetic data, not security
    hubs = max(2, topics // max(1, subjects) // HUB_SIZE)
    subject_nodes = tuple(
        SubjectNode(f"hub-subject-{s}", f"Hub subject {s}", ("en", "es"))
        for s in range(subjects)
    )
    nodes: list[TopicNode] = []
    edges: list[Prerequisite] = []
    groups: list[ChoiceGroupNode] = []
    group_edges: list[GroupPrerequisite] = []
    tracks: list[TrackNode] = []
    for s in range(subjects):
        shape = _HubSubject(rng, s, hubs, choice_groups)
        nodes += shape.topics
        edges += shape.edges
        groups += shape.groups
        group_edges += shape.group_edges
        tracks += shape.tracks()
    bare = {n.slug for n in nodes if rng.random() < NO_RESOURCE_SHARE}
    resources = tuple(
        _resource(rng, topic, k, nodes)
        for topic in nodes
        if topic.slug not in bare
        for k in range(resources_per_topic)
    )
    return SyntheticCatalog(
        subject_nodes,
        tuple(nodes),
        tuple(edges),
        tuple(tracks),
        resources,
        tuple(groups),
        tuple(group_edges),
    )


class _HubSubject:
    """The topics, prerequisites, groups and tracks of one hub-shaped subject."""

    def __init__(
        self, rng: random.Random, s: int, hubs: int, choice_groups: bool
    ) -> None:
        self.rng, self.s, self.hubs = rng, s, hubs
        self.subject = f"hub-subject-{s}"
        self.topics: list[TopicNode] = []
        self.edges: list[Prerequisite] = []
        self.groups: list[ChoiceGroupNode] = []
        self.group_edges: list[GroupPrerequisite] = []
        for h in range(hubs):
            grouped = choice_groups and h > 0 and h % 4 == 0
            self._hub(h, grouped)

    def slug(self, h: int, i: int = 0) -> str:
        return f"h{self.s}-{h}" if i == 0 else f"h{self.s}-{h}-{i}"

    def _node(self, h: int, i: int, level: int, hours: float) -> TopicNode:
        slug = self.slug(h, i)
        what = f"hub {h}" if i == 0 else f"subtopic {i} of hub {h}"
        return TopicNode(
            slug=slug,
            subject=self.subject,
            name=f"{what.capitalize()} of subject {self.s}",
            level=LEVELS[level],
            estimated_hours=hours,
            objectives=(f"Explain {what}", f"Apply {what}"),
            mastery_kind="quiz",
            mastery_description=f"Pass the quiz on {what}",
            position=h * HUB_SIZE + i,
        )

    def _hub(self, h: int, grouped: bool) -> None:
        rng = self.rng
        level = min(2, 3 * h // self.hubs)
        self.topics.append(self._node(h, 0, level, rng.choice((1, 1.5, 2))))
        for i in range(1, HUB_SIZE):
            up = 1 if i > HUB_CORE and rng.random() < 0.25 else 0
            hours = rng.choice((1, 1.5, 2, 3, 4, 6))
            self.topics.append(self._node(h, i, min(2, level + up), hours))
            self.edges.append(Prerequisite(self.slug(h, i), self.slug(h), "required"))
            if i > 1 and rng.random() < 0.3:
                self.edges.append(
                    Prerequisite(self.slug(h, i), self.slug(h, i - 1), "required")
                )
        if h == 0:
            return
        hub, prev = self.slug(h), h - 1
        self.edges.append(Prerequisite(hub, self.slug(prev), "required"))
        for i in range(1, HUB_CORE + 1):
            self.edges.append(Prerequisite(hub, self.slug(prev, i), "required"))
        members = tuple(self.slug(prev, i) for i in range(HUB_SIZE - 4, HUB_SIZE))
        if grouped:
            group = f"h{self.s}-{prev}-pick"
            self.groups.append(
                ChoiceGroupNode(
                    group,
                    self.subject,
                    f"Pick one for hub {prev} of subject {self.s}",
                    members,
                    1,
                    members[rng.randrange(len(members))]
                    if rng.random() < 0.5
                    else None,
                )
            )
            self.group_edges.append(GroupPrerequisite(hub, group, "required"))
        for i in range(HUB_CORE + 1, HUB_SIZE):
            slug = self.slug(prev, i)
            if (not grouped or slug not in members) and rng.random() < 0.2:
                self.edges.append(Prerequisite(hub, slug, "recommended"))

    def tracks(self) -> list[TrackNode]:
        out = []
        for t in range(HUB_TRACKS):
            h = max(1, (t + 1) * (self.hubs - 1) // HUB_TRACKS)
            targets = {self.slug(h)}
            if self.rng.random() < 0.5:
                targets.add(self.slug(h, self.rng.randrange(1, HUB_SIZE)))
            aims: tuple[str, ...] = ()
            if self.groups and self.rng.random() < 0.2:
                aims = (self.groups[self.rng.randrange(len(self.groups))].slug,)
            out.append(
                TrackNode(
                    f"hub-subject-{self.s}-track-{t}",
                    self.subject,
                    f"Hub track {t} of subject {self.s}",
                    f"Reach hub {h} of subject {self.s}",
                    "skill",
                    tuple(sorted(targets)),
                    aims,
                )
            )
        return out
