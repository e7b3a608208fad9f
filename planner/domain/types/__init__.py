"""The plain data of the planner's pure core.

Everything here is a frozen, slotted dataclass or a ``StrEnum`` (but
:class:`RankedResource`, a named tuple for speed); nothing imports Django. The
vocabularies mirror ``taxonomy.enums`` value for value (a test holds them
equal), so a string read from the database compares equal to the member:
``Level.BEGINNER == "beginner"``. The Django side may pass plain strings where
a vocabulary is expected.

Reading order, one module each: ``vocabularies``, ``catalog`` (the nodes and
:class:`CatalogGraph`, the snapshot built once per catalog version),
``learner`` (the :class:`NormalizedProfile`, questions and answers) and
``plan`` (the :class:`Plan` with its steps and ranked resources); everything
public is re-exported here.
"""

from __future__ import annotations

from .catalog import (
    CatalogGraph,
    CatalogGraphError,
    Choice,
    ChoiceGroupNode,
    GroupPrerequisite,
    Names,
    Offer,
    Prerequisite,
    ResourceNode,
    SubjectNode,
    TopicNode,
    TrackNode,
)
from .learner import (
    Answer,
    AnswerErrors,
    Assessment,
    GoalMatch,
    NormalizedProfile,
    Option,
    Placement,
    ProfileErrors,
    Question,
)
from .plan import (
    SCORE_PARTS,
    PipelineResult,
    Plan,
    PlanStep,
    PlanValidationError,
    RankedResource,
    RemovedTopic,
    Repair,
    ScoreBreakdown,
    Shortfall,
    StageTiming,
    TrackOption,
    Week,
    attach_resources,
    new_plan_step,
)
from .vocabularies import (
    LANGUAGE_NAMES,
    LEVEL_RANK,
    AgeRange,
    ChoiceReason,
    Cost,
    CostPreference,
    Format,
    GoalIntent,
    GoalKind,
    Language,
    Level,
    LinkHealth,
    MasteryKind,
    NoResource,
    PrerequisiteKind,
    QuestionKind,
    RemovalReason,
    StepKind,
    frozen_map,
)

__all__ = [
    "AgeRange",
    "Answer",
    "AnswerErrors",
    "Assessment",
    "CatalogGraph",
    "CatalogGraphError",
    "Choice",
    "ChoiceGroupNode",
    "ChoiceReason",
    "Cost",
    "CostPreference",
    "Format",
    "GoalIntent",
    "GoalKind",
    "GoalMatch",
    "GroupPrerequisite",
    "LANGUAGE_NAMES",
    "LEVEL_RANK",
    "Language",
    "Level",
    "LinkHealth",
    "MasteryKind",
    "Names",
    "NoResource",
    "NormalizedProfile",
    "Offer",
    "Option",
    "PipelineResult",
    "Placement",
    "Plan",
    "PlanStep",
    "PlanValidationError",
    "Prerequisite",
    "PrerequisiteKind",
    "ProfileErrors",
    "Question",
    "QuestionKind",
    "RankedResource",
    "RemovalReason",
    "RemovedTopic",
    "Repair",
    "ResourceNode",
    "SCORE_PARTS",
    "ScoreBreakdown",
    "Shortfall",
    "StageTiming",
    "StepKind",
    "SubjectNode",
    "TopicNode",
    "TrackNode",
    "TrackOption",
    "Week",
    "frozen_map",
    "attach_resources",
    "new_plan_step",
]
