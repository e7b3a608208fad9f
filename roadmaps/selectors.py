"""Reads of roadmaps, scoped to the learner who owns them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from .models import Roadmap, RoadmapStep


def roadmap_list_for_owner(*, owner: AbstractBaseUser) -> QuerySet[Roadmap]:
    """The owner's roadmaps, newest first, with subject and track."""
    return Roadmap.objects.filter(owner=owner).select_related("subject", "track")


def roadmap_get_for_owner(*, owner: AbstractBaseUser, roadmap_id: int) -> Roadmap:
    """One roadmap with its steps and their resources in three queries.

    Raises ``Roadmap.DoesNotExist`` for another learner's roadmap.
    """
    steps = RoadmapStep.objects.order_by("position").prefetch_related("resources")
    return (
        roadmap_list_for_owner(owner=owner)
        .prefetch_related(Prefetch("steps", queryset=steps))
        .get(pk=roadmap_id)
    )
