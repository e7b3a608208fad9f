"""The catalog as the planner sees it: subjects, topics, prerequisites,
tracks, choice groups, resources and their offers, and :class:`CatalogGraph`,
the snapshot built once per catalog version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .vocabularies import (
    ChoiceReason,
    Cost,
    Format,
    GoalKind,
    Language,
    Level,
    LinkHealth,
    MasteryKind,
    PrerequisiteKind,
    frozen_map,
)

#: A node's translated names: ``(language, (name, *aliases))`` pairs, sorted by
#: language (a name may be "" when only aliases are given). Tuples, so nodes
#: stay hashable; ``dict(node.names)`` reads them as a mapping.
Names = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class SubjectNode:
    slug: str
    name: str
    languages: tuple[str, ...] = ()
    #: Names in other languages: ``(language, (name, *aliases))`` pairs.
    names: Names = ()


@dataclass(frozen=True, slots=True)
class TopicNode:
    slug: str
    subject: str
    name: str
    level: Level
    estimated_hours: float
    objectives: tuple[str, ...] = ()
    mastery_kind: MasteryKind = MasteryKind.QUIZ
    mastery_description: str = ""
    tags: tuple[str, ...] = ()
    #: The curated teaching order within the subject (lower first; ties by slug).
    position: int = 0
    #: Names in other languages: ``(language, (name, *aliases))`` pairs.
    names: Names = ()
    #: The catalog's row id (0 when the node was not read from a database):
    #: storing a plan refers to the row without looking the slug up again.
    row_id: int = 0


@dataclass(frozen=True, slots=True)
class Prerequisite:
    """``topic`` requires (or recommends) ``requires`` first."""

    topic: str
    requires: str
    kind: PrerequisiteKind = PrerequisiteKind.REQUIRED


@dataclass(frozen=True, slots=True)
class TrackNode:
    slug: str
    subject: str
    name: str
    description: str = ""
    goal_kind: GoalKind = GoalKind.SKILL
    targets: tuple[str, ...] = ()
    #: Choice groups the track aims for: their chosen member(s) become targets.
    target_groups: tuple[str, ...] = ()
    #: Names in other languages: ``(language, (name, *aliases))`` pairs.
    names: Names = ()


@dataclass(frozen=True, slots=True)
class ChoiceGroupNode:
    """Alternative topics of one subject; a learner needs ``min_choices`` of them.

    ``members`` keep the curator's order; ``default`` is one of them or None.
    """

    slug: str
    subject: str
    name: str
    members: tuple[str, ...]
    min_choices: int = 1
    default: str | None = None


@dataclass(frozen=True, slots=True)
class GroupPrerequisite:
    """``topic`` requires (or recommends) the chosen member(s) of ``group`` first."""

    topic: str
    group: str
    kind: PrerequisiteKind = PrerequisiteKind.REQUIRED


@dataclass(frozen=True, slots=True)
class Choice:
    """The member(s) of choice group ``group`` chosen for one learner, and why.

    ``members`` keep the group's curated order; ``note`` is the learner-facing
    sentence ("you mentioned Go"), deterministic (never LLM text).
    """

    group: str
    members: tuple[str, ...]
    reason: ChoiceReason
    note: str


@dataclass(frozen=True, slots=True)
class ResourceNode:
    """A resource with its quality signals; ``topics`` holds (topic slug, coverage)."""

    slug: str
    title: str
    provider: str
    provider_trust: float
    format: Format
    language: Language
    duration_minutes: int
    difficulty: Level
    cost: Cost
    age_ranges: tuple[str, ...]
    curator_rating: int
    freshness: date | None
    feedback_up: int
    feedback_down: int
    link_health: LinkHealth
    topics: tuple[tuple[str, float], ...]
    #: The catalog's row id (0 when not read from a database) and the primary
    #: link's URL: what a stored roadmap records of the resource, with its title.
    row_id: int = 0
    url: str = ""

    def coverage_of(self, topic: str) -> float:
        for slug, coverage in self.topics:
            if slug == topic:
                return coverage
        return 0.0


@dataclass(frozen=True, slots=True)
class Offer:
    """A resource that may be attached to a topic (its primary link not broken).

    ``quality`` is the profile-independent part of the quality score (curator
    rating, provider trust, link health, feedback), precomputed at build time;
    freshness depends on the day and is added by the ranking stage. ``base``
    is the weighted quality and coverage parts of the total, precomputed too.
    ``fit_key`` and ``fresh_key`` index ``CatalogGraph.fit_keys`` and
    ``CatalogGraph.freshness_dates``, so ranking memoises per distinct value;
    ``minutes``, ``slug``, ``provider`` and ``format`` repeat the resource's
    for the ranking loops, which then never read the resource itself (a
    whole-catalog plan looks at sixty thousand offers, and every object
    fewer that a loop touches is a cache miss fewer).
    """

    resource: ResourceNode
    coverage: float
    quality: float
    base: float
    fit_key: int
    fresh_key: int
    minutes: int
    slug: str
    provider: str
    format: str


@dataclass(frozen=True, slots=True, eq=False)
class CatalogGraph:
    """An immutable snapshot of the catalog, built once per catalog version.

    Build it with :meth:`build` (plain iterables in, indexes out); never mutate
    it. Every mapping is read-only. Adjacency tuples are sorted by
    ``topo_rank``, index tuples by slug unless said otherwise, so iterating
    them is deterministic.

    - ``requires[t]``: ``(prerequisite slug, kind)`` pairs of topic ``t``.
    - ``required_by[t]``: ``(dependent slug, kind)`` pairs, the reverse index.
    - ``topo_rank[t]``: position of ``t`` in the global order by
      (depth, level, slug), where depth is the number of topics on ``t``'s
      longest prerequisite chain (over both kinds). Sorting any subset by it is
      a topological order, so the planner never re-sorts the whole graph.
    - ``resources_by_topic[t]``: every resource slug covering ``t``.
    - ``offers_by_topic[t]``: the :class:`Offer` s of ``t`` (broken ones left out);
      ``offers_by_language[t][lang]``: the same split by language;
      ``free_offers_by_language[lang][t]``: the free and freemium ones of
      those, where there are any (what a free-only learner sees first);
      ``offerable``: the slugs of every resource that is not broken;
      ``fit_keys`` (distinct (language, difficulty, format, cost, age ranges))
      and ``freshness_dates``: the interned values offers point at.
    - ``topics_by_subject`` (by rank), ``tracks_by_subject``,
      ``topics_by_name`` (folded name to slugs).
    - ``ages_by_subject[s]``: the age ranges some offerable resource of the
      subject serves (see docs/planner.md for how unlisted ages count).

    Equality is identity: two snapshots are never compared field by field.
    """

    version: int
    subjects: Mapping[str, SubjectNode]
    topics: Mapping[str, TopicNode]
    tracks: Mapping[str, TrackNode]
    resources: Mapping[str, ResourceNode]
    requires: Mapping[str, tuple[tuple[str, PrerequisiteKind], ...]]
    required_by: Mapping[str, tuple[tuple[str, PrerequisiteKind], ...]]
    topo_rank: Mapping[str, int]
    depth: Mapping[str, int]
    resources_by_topic: Mapping[str, tuple[str, ...]]
    offers_by_topic: Mapping[str, tuple[Offer, ...]]
    offers_by_language: Mapping[str, Mapping[str, tuple[Offer, ...]]]
    free_offers_by_language: Mapping[str, Mapping[str, tuple[Offer, ...]]]
    offerable: frozenset[str]
    fit_keys: tuple[tuple, ...]
    freshness_dates: tuple[date | None, ...]
    topics_by_subject: Mapping[str, tuple[str, ...]]
    tracks_by_subject: Mapping[str, tuple[str, ...]]
    topics_by_name: Mapping[str, tuple[str, ...]]
    ages_by_subject: Mapping[str, frozenset[str]]
    #: Choice groups by slug; ``requires_groups[t]``: ``(group slug, kind)`` pairs
    #: topic ``t`` needs (sorted by group slug); ``groups_by_topic[m]``: the
    #: groups member ``m`` belongs to (by slug). For depth, rank and cycles a
    #: group edge counts as edges to every member, so any choice is in order.
    groups: Mapping[str, ChoiceGroupNode] = field(default_factory=frozen_map)
    requires_groups: Mapping[str, tuple[tuple[str, PrerequisiteKind], ...]] = field(
        default_factory=frozen_map
    )
    groups_by_topic: Mapping[str, tuple[str, ...]] = field(default_factory=frozen_map)
    #: Lookups derived from the catalog data above that the stages fill on
    #: first use and every plan then shares: a day's freshness scores
    #: (``ranking._freshness_table``), each level's quarter hours per topic
    #: (``planning.quarters_by_topic``), whether a track's targets were
    #: reordered (``planning._reordered``), teaching-order keys
    #: (``planning._teaching_keys``), the topics with objectives and a
    #: mastery check (``validation._complete_topics``), each topic's part of
    #: a step summary (``wording.step_summaries``). Never data of its
    #: own. A view of the snapshot with other edges (``choices.chosen_view``)
    #: shares it, so only one entry is derived from ``requires``: the
    #: prerequisite slugs (``choices.prerequisite_slugs``), kept with the
    #: ``requires`` they were read from and never given to a view.
    memo: dict = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        *,
        version: int,
        subjects: Iterable[SubjectNode],
        topics: Iterable[TopicNode],
        prerequisites: Iterable[Prerequisite | tuple[str, str, str]],
        tracks: Iterable[TrackNode] = (),
        resources: Iterable[ResourceNode] = (),
        groups: Iterable[ChoiceGroupNode] = (),
        group_prerequisites: Iterable[GroupPrerequisite | tuple[str, str, str]] = (),
    ) -> CatalogGraph:
        """Index plain catalog data; raises :class:`CatalogGraphError`.

        ``prerequisites`` are :class:`Prerequisite` s or ``(topic, requires,
        kind)`` triples, ``group_prerequisites`` :class:`GroupPrerequisite` s or
        ``(topic, group, kind)`` triples. Unknown slugs, unknown vocabulary
        values, malformed choice groups and cycles are refused with every
        problem listed.
        """
        from ..catalog import build_graph

        return build_graph(
            version=version,
            subjects=subjects,
            topics=topics,
            prerequisites=prerequisites,
            tracks=tracks,
            resources=resources,
            groups=groups,
            group_prerequisites=group_prerequisites,
        )

    def prerequisites_of(self, topic: str, kind: str | None = None) -> tuple[str, ...]:
        """Slugs ``topic`` requires (of one kind, or all), in rank order."""
        return tuple(s for s, k in self.requires.get(topic, ()) if kind in (None, k))


class CatalogGraphError(ValueError):
    """The catalog data cannot form a snapshot; ``problems`` lists why."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))
