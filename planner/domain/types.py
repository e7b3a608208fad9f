"""The plain data of the planner's pure core.

Everything here is a frozen, slotted dataclass or a ``StrEnum`` (but
:class:`RankedResource`, a named tuple for speed); nothing imports Django. The
vocabularies mirror ``taxonomy.enums`` value for value (a test holds them
equal), so a string read from the database compares equal to the member:
``Level.BEGINNER == "beginner"``. The Django side may pass plain strings where
a vocabulary is expected.

Reading order: vocabularies, catalog nodes and :class:`CatalogGraph` (the
snapshot built once per catalog version), the learner's
:class:`NormalizedProfile`, questions and answers, and finally the
:class:`Plan` with its steps and ranked resources.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import NamedTuple


# -- vocabularies (mirrors of taxonomy.enums) ---------------------------------
class Level(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Language(enum.StrEnum):
    """ISO 639-1 codes of the languages the catalog carries."""

    EN = "en"
    ES = "es"
    FR = "fr"
    DE = "de"
    PT = "pt"
    IT = "it"
    NL = "nl"
    PL = "pl"
    RU = "ru"
    UK = "uk"
    TR = "tr"
    AR = "ar"
    HI = "hi"
    ZH = "zh"
    JA = "ja"
    KO = "ko"


class AgeRange(enum.StrEnum):
    CHILD = "child"
    TEEN = "teen"
    ADULT = "adult"


class Format(enum.StrEnum):
    VIDEO = "video"
    ARTICLE = "article"
    COURSE = "course"
    BOOK = "book"
    INTERACTIVE = "interactive"
    EXERCISE = "exercise"
    PROJECT = "project"
    PODCAST = "podcast"
    DOCUMENTATION = "documentation"


class Cost(enum.StrEnum):
    FREE = "free"
    FREEMIUM = "freemium"
    PAID = "paid"


class GoalKind(enum.StrEnum):
    SKILL = "skill"
    CAREER = "career"
    EXAM = "exam"
    PROJECT = "project"
    CURIOSITY = "curiosity"


class MasteryKind(enum.StrEnum):
    QUIZ = "quiz"
    EXERCISE = "exercise"
    PROJECT = "project"
    SELF_ASSESSMENT = "self_assessment"


class PrerequisiteKind(enum.StrEnum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"


class LinkHealth(enum.StrEnum):
    UNCHECKED = "unchecked"
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    BROKEN = "broken"


LEVEL_RANK: Mapping[str, int] = MappingProxyType(
    {Level.BEGINNER: 0, Level.INTERMEDIATE: 1, Level.ADVANCED: 2}
)

#: English and native names per language code (the labels of taxonomy.enums).
LANGUAGE_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        Language.EN: ("English", "English"),
        Language.ES: ("Spanish", "Español"),
        Language.FR: ("French", "Français"),
        Language.DE: ("German", "Deutsch"),
        Language.PT: ("Portuguese", "Português"),
        Language.IT: ("Italian", "Italiano"),
        Language.NL: ("Dutch", "Nederlands"),
        Language.PL: ("Polish", "Polski"),
        Language.RU: ("Russian", "Русский"),
        Language.UK: ("Ukrainian", "Українська"),
        Language.TR: ("Turkish", "Türkçe"),
        Language.AR: ("Arabic", "العربية"),
        Language.HI: ("Hindi", "हिन्दी"),
        Language.ZH: ("Chinese", "中文"),
        Language.JA: ("Japanese", "日本語"),
        Language.KO: ("Korean", "한국어"),
    }
)


# -- planner-only vocabularies ------------------------------------------------
class CostPreference(enum.StrEnum):
    FREE_ONLY = "free_only"
    ANY = "any"


class StepKind(enum.StrEnum):
    """Why a topic is in the plan."""

    TARGET = "target"
    REQUIRED = "required"
    RECOMMENDED = "recommended"


class NoResource(enum.StrEnum):
    """Why a step has no resource for this learner."""

    NONE = "none"  # no resource covers the topic yet
    BROKEN = "broken"  # every resource's primary link is broken
    AGE = "age"  # none serves the learner's age range


class RemovalReason(enum.StrEnum):
    """Why a topic the plan would hold is left out: the learner knows it (or
    only topics the learner knows lead to it)."""

    KNOWN = "known"  # marked as known (onboarding or "mark as known" on a step)
    PLACEMENT = "placement"  # a placement question answered yes
    IMPLIED = "implied"  # a topic the learner knows requires it
    LEVEL = "level"  # below the learner's level in the plan's subject
    UNNEEDED = "unneeded"  # only topics the learner knows need or recommend it


class GoalIntent(enum.StrEnum):
    """What a goal sentence says about the kind of plan wanted (docs/planner.md)."""

    BASICS = "basics"  # "the basics", "fundamentos", "Grundlagen"
    QUICK = "quick"  # "quickly", "rápido", "schnell"
    JOB = "job"  # "job-ready", "empleo", "emploi"
    EXAM = "exam"  # "exam", "examen", "Prüfung"


class QuestionKind(enum.StrEnum):
    GOAL = "goal"
    PLACEMENT = "placement"
    DEADLINE = "deadline"
    CHOICE = "choice"


class ChoiceReason(enum.StrEnum):
    """Why a choice group's member was chosen, strongest signal first."""

    PICKED = "picked"  # the learner picked it on the roadmap ("Change")
    MENTIONED = "mentioned"  # the goal text names it
    KNOWN = "known"  # the learner already knows it
    ANSWER = "answer"  # the answer to the group's clarifying question
    DEFAULT = "default"  # the curator's default
    RESOURCES = "resources"  # the best offerable resources for the learner


def frozen_map(items: Mapping | Iterable = ()) -> Mapping:
    """A read-only mapping (``MappingProxyType`` over a fresh dict)."""
    return MappingProxyType(dict(items))


# -- catalog nodes ------------------------------------------------------------
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
    ``minutes`` repeats the resource's duration for the scoring loop.
    """

    resource: ResourceNode
    coverage: float
    quality: float
    base: float
    fit_key: int
    fresh_key: int
    minutes: int


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
    #: first use and every plan then shares (today: a day's freshness scores,
    #: ``ranking._freshness_table``). Never data of its own, and never derived
    #: from ``requires``: a view of the snapshot with other edges
    #: (``choices.chosen_view``) shares it.
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
        from .catalog import build_graph

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


# -- the learner --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GoalMatch:
    """A track a free-text goal may mean, scored 0-1 (higher is closer)."""

    track: str
    score: float


@dataclass(frozen=True, slots=True)
class NormalizedProfile:
    """Onboarding answers mapped to the vocabularies and the taxonomy.

    ``track`` is the track the learner named, or the best free-text match
    when ``track_explicit`` is False (None when the goal only names topics);
    ``goal_candidates`` are the scored matches (best first) the uncertainty
    stage uses to detect an ambiguous goal; ``goal_topics`` are topics the
    goal names, planned as targets too. ``weekly_hours`` is rounded to the
    half hour (what ``LearnerProfile.weekly_hours`` stores). ``known_topics``
    are the slugs the learner marked as known, sorted. ``age_range`` is adult
    unless said otherwise, like ``LearnerProfile``.
    """

    subject: str
    level: Level
    weekly_hours: float
    language: Language
    start_date: date
    track: str | None = None
    track_explicit: bool = True
    goal_text: str = ""
    goal_candidates: tuple[GoalMatch, ...] = ()
    goal_topics: tuple[str, ...] = ()
    formats_liked: tuple[Format, ...] = ()
    formats_disliked: tuple[Format, ...] = ()
    cost: CostPreference = CostPreference.ANY
    session_minutes: int = 45
    deadline: date | None = None
    age_range: AgeRange | None = AgeRange.ADULT
    known_topics: tuple[str, ...] = ()
    timezone: str = "UTC"
    #: What the goal sentence says about the plan wanted, sorted.
    goal_intents: tuple[GoalIntent, ...] = ()
    #: Choice groups decided so far, by group slug: the learner's own picks
    #: (``ChoiceReason.PICKED``) after normalising; every group the plan meets
    #: in the effective profile of an Assessment (docs/planner.md, "Choice groups").
    choices: tuple[Choice, ...] = ()


class ProfileErrors(ValueError):
    """Invalid input, every field at once: ``errors`` maps field -> messages."""

    def __init__(self, errors: Mapping[str, Iterable[str]]) -> None:
        self.errors: Mapping[str, tuple[str, ...]] = frozen_map(
            (name, tuple(msgs)) for name, msgs in sorted(errors.items())
        )
        super().__init__(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())
        )


# -- questions and answers ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """A clarifying question. ``id`` is stable across runs (``kind:subject``).

    ``order`` is 1-based within the questioning; ``reason`` says which
    uncertainty the answer reduces; ``topic`` is set for placement questions.
    """

    id: str
    kind: QuestionKind
    order: int
    text: str
    reason: str
    options: tuple[Option, ...]
    topic: str | None = None
    #: Placement: the hours of the plan this answer decides (the topic and
    #: what it still needs, at the learner's pace); choice: the hours between
    #: the group's lightest and heaviest member; None for other kinds.
    hours: float | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to a question: an option value, the learner's confidence, or a skip."""

    value: str | None = None
    confidence: float = 1.0
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Placement:
    """What placement questions settled within the plan's closure.

    ``open`` holds the plan's topics still in doubt (rank order): the next
    question bisects them by hours. ``confirmed`` are the topics a "yes"
    confirmed (each implies its basis), in the order asked; ``resolved`` when
    nothing is in doubt any more.
    """

    open: tuple[str, ...]
    confirmed: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return not self.open


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the uncertainty stage decided for a profile and the answers so far.

    ``profile`` is the effective profile (a goal or deadline answer applied),
    ``known`` every topic treated as known (explicit marks, placement and
    their required prerequisites), ``pending`` the question(s) to ask now,
    ``asked`` the questions already answered, in order.
    """

    profile: NormalizedProfile
    known: frozenset[str]
    placement: Placement | None
    asked: tuple[tuple[Question, Answer], ...]
    pending: tuple[Question, ...]
    assumptions: tuple[str, ...]
    #: Topics of the plan's closure the learner is placed past by level alone
    #: (below the level, in the plan's subject) and what they require.
    placed_by_level: frozenset[str] = frozenset()


class AnswerErrors(ProfileErrors):
    """An answer that is not one of its question's options (keyed by question id)."""


# -- the plan -----------------------------------------------------------------
#: The parts of a resource's score, in the order of ``ScoreBreakdown.values``.
SCORE_PARTS = (
    "language",
    "level",
    "format",
    "cost",
    "age",
    "duration",
    "quality",
    "coverage",
)


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """Why a resource is there: each part 0-1, in ``SCORE_PARTS`` order.

    ``total`` is the weighted sum of the parts (weights in
    ``planner.domain.ranking.WEIGHTS``) minus ``variety_penalty``.
    """

    values: tuple[float, ...]
    variety_penalty: float
    total: float

    @property
    def parts(self) -> dict[str, float]:
        return dict(zip(SCORE_PARTS, self.values, strict=True))

    def part(self, name: str) -> float:
        return self.values[SCORE_PARTS.index(name)]


class RankedResource(NamedTuple):
    """A resource chosen for a step: its place and the parts of its score.

    The parts are kept as ranking computes them (``profile_parts``: the
    language, level, format, cost and age parts, one tuple shared by every
    resource of a kind; then the resource's own three) and ``score`` builds
    the breakdown when read. A named tuple, not a frozen dataclass like the
    rest: a whole-catalog plan attaches tens of thousands of these, and one
    small object each, built at tuple speed, is a third of the cost of a
    frozen record with its breakdown and keeps the collector's work down.
    """

    resource: str
    rank: int
    profile_parts: tuple[float, ...]
    duration: float
    quality: float
    coverage: float
    variety_penalty: float
    #: The weighted sum of the parts minus ``variety_penalty``.
    total: float
    flags: tuple[str, ...] = ()

    @property
    def score(self) -> ScoreBreakdown:
        return ScoreBreakdown(
            self.profile_parts + (self.duration, self.quality, self.coverage),
            self.variety_penalty,
            self.total,
        )


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One topic of the roadmap, scheduled.

    ``node`` is the catalog's TopicNode (name, level, objectives, mastery
    check, estimated hours), also reachable through the properties below.
    ``hours`` is the node's estimate adjusted for the learner's level, rounded
    up to the quarter hour. ``start_date``/``end_date`` are inclusive days;
    ``week_start``/``week_end`` are 1-based weeks from the plan's start date.
    ``because`` names the plan topic that pulled this one in (None for targets).
    A step whose topic has no offerable resource for the learner keeps its
    objectives and mastery check, with ``no_resource`` and its reason set.
    ``summary`` is the deterministic text unless a Phraser set
    ``phrased_summary``.
    """

    position: int
    node: TopicNode
    kind: StepKind
    hours: float
    start_date: date
    end_date: date
    week_start: int
    week_end: int
    because: str | None = None
    resources: tuple[RankedResource, ...] = ()
    flags: tuple[str, ...] = ()
    phrased_summary: str = ""
    #: Why the step has no resource ("" when it has some): a ``NoResource`` code
    #: and the learner-facing sentence (docs/planner.md, "Gaps in the catalog").
    no_resource: str = ""
    no_resource_reason: str = ""
    #: Whether the step ends on or before the deadline; None without a deadline.
    fits_deadline: bool | None = None
    #: The choice group this topic was chosen from ("" when none), the
    #: ``ChoiceReason`` code and the learner-facing sentence.
    chosen_from: str = ""
    choice_reason: str = ""
    choice_note: str = ""

    @property
    def topic(self) -> str:
        return self.node.slug

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def level(self) -> Level:
        return self.node.level

    @property
    def base_hours(self) -> float:
        return float(self.node.estimated_hours)

    @property
    def objectives(self) -> tuple[str, ...]:
        return self.node.objectives

    @property
    def mastery_kind(self) -> MasteryKind:
        return self.node.mastery_kind

    @property
    def mastery_description(self) -> str:
        return self.node.mastery_description

    @property
    def summary(self) -> str:
        from .wording import step_summary

        return self.phrased_summary or step_summary(self)


_new_object = object.__new__
#: The slot setters of PlanStep, in field order (see :func:`new_plan_step`).
(
    _set_position,
    _set_node,
    _set_kind,
    _set_hours,
    _set_start_date,
    _set_end_date,
    _set_week_start,
    _set_week_end,
    _set_because,
    _set_resources,
    _set_flags,
    _set_phrased_summary,
    _set_no_resource,
    _set_no_resource_reason,
    _set_fits_deadline,
    _set_chosen_from,
    _set_choice_reason,
    _set_choice_note,
) = (getattr(PlanStep, name).__set__ for name in PlanStep.__slots__)


def new_plan_step(
    position: int,
    node: TopicNode,
    kind: StepKind,
    hours: float,
    start_date: date,
    end_date: date,
    week_start: int,
    week_end: int,
    because: str | None,
    resources: tuple[RankedResource, ...],
    flags: tuple[str, ...],
    phrased_summary: str,
    no_resource: str,
    no_resource_reason: str,
    fits_deadline: bool | None,
    chosen_from: str,
    choice_reason: str,
    choice_note: str,
) -> PlanStep:
    """``PlanStep(...)`` with every field given, at about half the cost.

    The planner builds a step per topic of every plan (ten thousand for a
    whole catalog) and the frozen ``__init__`` goes through
    ``object.__setattr__`` once per field; this sets the slots directly. The
    result is the same frozen PlanStep (a test holds them equal).
    """
    step = _new_object(PlanStep)
    _set_position(step, position)
    _set_node(step, node)
    _set_kind(step, kind)
    _set_hours(step, hours)
    _set_start_date(step, start_date)
    _set_end_date(step, end_date)
    _set_week_start(step, week_start)
    _set_week_end(step, week_end)
    _set_because(step, because)
    _set_resources(step, resources)
    _set_flags(step, flags)
    _set_phrased_summary(step, phrased_summary)
    _set_no_resource(step, no_resource)
    _set_no_resource_reason(step, no_resource_reason)
    _set_fits_deadline(step, fits_deadline)
    _set_chosen_from(step, chosen_from)
    _set_choice_reason(step, choice_reason)
    _set_choice_note(step, choice_note)
    return step


@dataclass(frozen=True, slots=True)
class TrackOption:
    slug: str
    name: str
    hours: float


@dataclass(frozen=True, slots=True)
class Shortfall:
    """The deadline cannot be met: the numbers and the concrete ways out."""

    hours_needed: float
    hours_available: float
    weekly_hours_needed: float
    earliest_feasible_deadline: date
    narrower_tracks: tuple[TrackOption, ...] = ()

    def as_json(self) -> dict:
        """The shortfall as JSON-ready data (what a roadmap stores and the
        ``plan_roadmap`` command prints)."""
        return {
            "hours_needed": self.hours_needed,
            "hours_available": self.hours_available,
            "weekly_hours_needed": self.weekly_hours_needed,
            "earliest_feasible_deadline": self.earliest_feasible_deadline.isoformat(),
            "narrower_tracks": [
                {"slug": t.slug, "name": t.name, "hours": t.hours}
                for t in self.narrower_tracks
            ],
        }


@dataclass(frozen=True, slots=True)
class RemovedTopic:
    """A topic left out of the plan because the learner knows it, and why.

    ``via`` is the topic the reason goes through: the known (or level-placed)
    topic that requires this one; None when the reason is about the topic
    itself. ``hours`` is what it would have taken at the learner's pace;
    ``note`` the learner-facing sentence ("You said you know Loops, which
    needs Setup.").
    """

    topic: str
    reason: RemovalReason
    via: str | None
    hours: float
    note: str

    def as_json(self) -> dict:
        return {
            "topic": self.topic,
            "reason": str(self.reason),
            "via": self.via,
            "hours": self.hours,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """A scheduled roadmap. ``feasible`` is False exactly when ``shortfall`` is set.

    ``total_hours`` is the sum of the steps' hours; ``budget_hours`` the hours
    that fit before the deadline (None without one). ``dropped_recommended``
    lists recommended topics left out for time.
    """

    catalog_version: int
    subject: str
    track: str | None
    targets: tuple[str, ...]
    steps: tuple[PlanStep, ...]
    total_hours: float
    weekly_hours: float
    start_date: date
    end_date: date
    deadline: date | None
    budget_hours: float | None
    shortfall: Shortfall | None
    dropped_recommended: tuple[str, ...]
    known: tuple[str, ...]
    assumptions: tuple[str, ...] = ()
    #: The choice group decisions the plan was built with, by group slug.
    choices: tuple[Choice, ...] = ()
    #: Every topic the plan would hold but leaves out as known, with why
    #: (rank order); ``known`` lists only where the walk met them.
    removed: tuple[RemovedTopic, ...] = ()

    @property
    def feasible(self) -> bool:
        return self.shortfall is None


@dataclass(frozen=True, slots=True)
class Week:
    index: int
    start: date
    end: date
    hours: float
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Repair:
    """A validation rule that was broken and repaired."""

    rule: str
    step: str | None
    message: str


class PlanValidationError(ValueError):
    """A rule the plan breaks and no repair allows."""

    def __init__(self, rule: str, step: str | None, message: str) -> None:
        self.rule, self.step, self.message = rule, step, message
        super().__init__(f"[{rule}] {step or '-'}: {message}")


@dataclass(frozen=True, slots=True)
class StageTiming:
    stage: str
    ms: float


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """The pipeline's outcome: questions to ask, or a validated plan.

    ``plan`` is None while questions are pending (unless the caller asked the
    pipeline to assume the unanswered ones). ``timings`` are wall-clock
    milliseconds per stage, outside the deterministic data.
    """

    profile: NormalizedProfile
    assessment: Assessment
    plan: Plan | None
    repairs: tuple[Repair, ...] = ()
    timings: tuple[StageTiming, ...] = field(default=(), compare=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.assessment.pending

    def timings_ms(self) -> dict[str, float]:
        return {t.stage: t.ms for t in self.timings}
