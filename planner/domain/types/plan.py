"""The plan: steps with their ranked resources, removed topics, shortfalls,
validation repairs and the pipeline's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from .catalog import Choice, TopicNode
from .learner import Assessment, NormalizedProfile, Question
from .vocabularies import (
    Level,
    MasteryKind,
    RemovalReason,
    StepKind,
)

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
        from ..wording import step_summary

        return self.phrased_summary or step_summary(self)


class _DraftStep:
    """PlanStep's very slots, without its frozen ``__setattr__``: what
    :func:`new_plan_step` fills before it turns the object into a PlanStep.
    Its ``__init__`` takes every field of PlanStep, in order."""

    __slots__ = PlanStep.__slots__

    def __init__(
        self,
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
    ) -> None:
        self.position = position
        self.node = node
        self.kind = kind
        self.hours = hours
        self.start_date = start_date
        self.end_date = end_date
        self.week_start = week_start
        self.week_end = week_end
        self.because = because
        self.resources = resources
        self.flags = flags
        self.phrased_summary = phrased_summary
        self.no_resource = no_resource
        self.no_resource_reason = no_resource_reason
        self.fits_deadline = fits_deadline
        self.chosen_from = chosen_from
        self.choice_reason = choice_reason
        self.choice_note = choice_note


def new_plan_step(*fields: Any) -> PlanStep:
    """``PlanStep(*fields)`` (every field, in order: :class:`_DraftStep`'s
    arguments) at about a third of the cost.

    The planner builds a step per topic of every plan (ten thousand for a
    whole catalog) and the frozen ``__init__`` goes through
    ``object.__setattr__`` once per field. This fills a :class:`_DraftStep`
    (plain attribute stores, which the interpreter specialises for slots),
    then gives it PlanStep's class: the two classes have the same slots, so
    Python allows the swap, and from then on the object is a frozen PlanStep
    like any other (a test holds them equal, and frozen).
    """
    step = _DraftStep(*fields)
    step.__class__ = PlanStep  # type: ignore[assignment]
    return step  # type: ignore[return-value]


#: The slot setters of the fields :func:`attach_resources` sets.
_set_resources, _set_flags, _set_no_resource, _set_no_resource_reason = (
    getattr(PlanStep, name).__set__
    for name in ("resources", "flags", "no_resource", "no_resource_reason")
)


def attach_resources(
    step: PlanStep,
    resources: tuple[RankedResource, ...],
    flags: tuple[str, ...],
    no_resource: str,
    no_resource_reason: str,
) -> None:
    """Give a draft step its resources in place, as :func:`new_plan_step` sets
    its fields: only for a step no one else holds yet (the pipeline's own
    draft, ranked once and never seen without its resources), so a
    whole-catalog plan builds each of its ten thousand steps once, not twice.
    """
    _set_resources(step, resources)
    _set_flags(step, flags)
    _set_no_resource(step, no_resource)
    _set_no_resource_reason(step, no_resource_reason)


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
