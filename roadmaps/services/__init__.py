"""Writes of roadmaps: storing plans as versions, the learner's progress, pins
and notes, resource feedback (exports: ``roadmaps.services.export``)."""

from .feedback import resource_feedback_set
from .progress import (
    StepChange,
    blocked_by,
    step_complete,
    step_mastery_set,
    step_next,
    step_resource_pin,
    step_skip,
    step_start,
    step_undo,
    step_update,
)
from .store import (
    LOOKUP_CHUNK,
    roadmap_create_from_plan,
    roadmap_notices,
    roadmap_version_create_from_plan,
    step_edges,
)

__all__ = [
    "LOOKUP_CHUNK",
    "StepChange",
    "blocked_by",
    "resource_feedback_set",
    "roadmap_create_from_plan",
    "roadmap_notices",
    "roadmap_version_create_from_plan",
    "step_complete",
    "step_edges",
    "step_mastery_set",
    "step_next",
    "step_resource_pin",
    "step_skip",
    "step_start",
    "step_undo",
    "step_update",
]
