"""Synthetic catalogs for benchmarks: realistic DAGs, deterministic for a seed.

Each subject is a sequence of topics where a topic requires one to three of
the ~30 topics just before it (so prerequisite chains are long and local),
now and then a beginner topic of an earlier subject, and sometimes recommends
one more. Levels rise along the sequence. Every subject has tracks whose
targets sit at spread-out depths; ``everything`` (when asked) targets every
topic nothing depends on, so its closure is the whole catalog.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .types import (
    CatalogGraph,
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

    def graph(self, version: int = 1) -> CatalogGraph:
        return CatalogGraph.build(
            version=version,
            subjects=self.subjects,
            topics=self.topics,
            prerequisites=self.prerequisites,
            tracks=self.tracks,
            resources=self.resources,
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
