"""Reads of roadmaps, scoped to the user asking."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from wayfinder.errors import NotFound

from .models import Roadmap, RoadmapStep, RoadmapVersion, StepResource


def roadmap_list_for_owner(*, actor: AbstractBaseUser) -> QuerySet[Roadmap]:
    """The actor's roadmaps, newest first, with their current version."""
    return Roadmap.objects.filter(owner_id=actor.pk).select_related("current")


def roadmap_get_for_owner(*, roadmap_id: int, actor: AbstractBaseUser) -> Roadmap:
    """The actor's roadmap with its current version; NotFound for anyone
    else's (never a hint that it exists)."""
    roadmap = roadmap_list_for_owner(actor=actor).filter(pk=roadmap_id).first()
    if roadmap is None:
        raise NotFound("No such roadmap.")
    return roadmap


def version_steps(*, version: RoadmapVersion) -> list[RoadmapStep]:
    """A version's steps in order, each with its resources in rank order."""
    return list(
        RoadmapStep.objects.filter(version=version).prefetch_related(
            Prefetch(
                "resources",
                queryset=StepResource.objects.order_by("position").select_related(
                    "resource__provider"
                ),
            )
        )
    )
