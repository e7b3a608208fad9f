"""The planner's vocabularies: mirrors of ``taxonomy.enums`` value for value
(a test holds them equal), then the planner's own."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType


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
