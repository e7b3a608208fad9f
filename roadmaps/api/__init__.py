"""Roadmaps over the API: their owner's, and read-only for the partners they
are shared with (404 to anyone else).

``/api/v1/roadmaps/``: the caller's roadmaps and those shared with it; each
one's steps with states, resources and the schedule status; progress actions
on steps; pins, notes, mastery marks and resource votes; versions with their
diffs; regeneration (a planning job), the JSON export and the shares.
docs/roadmaps.md describes the rules.

The viewset is in ``viewsets.py`` (``*.api.**`` may import any layer); its
serializers, inputs and the detail's cached steps beside it.
"""

from .detail import PLAN_CACHE_FORMAT, PlanPart, plan_part_get
from .serializers import StepResourceSerializer, StepSerializer
from .viewsets import RoadmapViewSet

__all__ = [
    "PLAN_CACHE_FORMAT",
    "PlanPart",
    "RoadmapViewSet",
    "StepResourceSerializer",
    "StepSerializer",
    "plan_part_get",
]
