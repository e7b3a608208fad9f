"""The learner: the normalized profile, goal matches, clarifying questions,
answers and placement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .catalog import Choice
from .vocabularies import (
    AgeRange,
    CostPreference,
    Format,
    GoalIntent,
    Language,
    Level,
    QuestionKind,
    frozen_map,
)


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
    #: Topics the learner said they like or want to use ("likes": "Go,
    #: PostgreSQL"), sorted slugs. They only steer choice groups (a liked
    #: member is chosen, docs/planner.md "Choice groups"); nothing is planned
    #: for them.
    liked_topics: tuple[str, ...] = ()


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
