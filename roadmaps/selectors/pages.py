"""Reads the site's roadmap pages show: the dashboard, the path, the
regenerate page and an older version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, prefetch_related_objects

from wayfinder.errors import NotFound

from ..models import Roadmap, RoadmapStep, RoadmapVersion, StepResource, StepState
from ..schedule import ScheduleStatus, schedule_status
from ..services.progress import step_next
from .access import roadmap_get_for_owner, roadmap_list_for_owner
from .progress import roadmap_owned_read, version_steps_only
from .steps import (
    StepsRead,
    _step_resources_shown,
    _votes,
    steps_read,
    version_path_steps,
    version_steps,
)


@dataclass(frozen=True)
class RoadmapSummary:
    """One line of a learner's dashboard."""

    roadmap: Roadmap
    percent_done: int
    schedule: ScheduleStatus
    next_step: RoadmapStep | None


def roadmap_summaries_for_owner(
    *, actor: AbstractBaseUser, today: date
) -> list[RoadmapSummary]:
    """The actor's roadmaps, newest first, each with the share of its hours
    done, its schedule status and its next step: two queries whatever the
    number of roadmaps and steps (resources are not read)."""
    roadmaps = [r for r in roadmap_list_for_owner(actor=actor) if r.current]
    by_version: dict[int, list[RoadmapStep]] = {r.current_id: [] for r in roadmaps}
    for step in RoadmapStep.objects.filter(version_id__in=list(by_version)).defer(
        "summary", "objectives", "mastery_description", "notes", "mastery_note"
    ):
        by_version[step.version_id].append(step)
    summaries = []
    for roadmap in roadmaps:
        steps = by_version[roadmap.current_id]
        status = schedule_status(version=roadmap.current, steps=steps, today=today)
        total = status.hours_total or 1
        summaries.append(
            RoadmapSummary(
                roadmap=roadmap,
                percent_done=int(status.hours_done * 100 / total),
                schedule=status,
                next_step=step_next(steps),
            )
        )
    return summaries


@dataclass(frozen=True)
class RoadmapPath:
    """What the roadmap page shows: the roadmap (with ``catalog_version_now``),
    its current version's steps as the owner reads them (``read.votes`` on
    the open step's resources only), the schedule status on ``today``, and
    the open step's resources with their catalog rows (empty with no step
    open)."""

    roadmap: Roadmap
    read: StepsRead
    schedule: ScheduleStatus
    resources: list[StepResource]


def roadmap_path_for_owner(
    *,
    roadmap_id: int,
    actor: AbstractBaseUser,
    today: date,
    step_id: int | None = None,
    every_resource: bool = False,
) -> RoadmapPath:
    """The owner's roadmap with its current steps and schedule status: two
    queries whatever the number of steps; NotFound for anyone else.

    With ``step_id`` (a step of the version), that step's resources with
    their catalog rows and the owner's votes on them: two queries more. With
    ``every_resource``, every step's resources (their own columns, as
    :func:`version_path_steps` reads them): one query more. Otherwise a
    step's resources are not read: the path does not show them.
    """
    roadmap = roadmap_owned_read(roadmap_id=roadmap_id, actor=actor)
    if roadmap is None or roadmap.current is None:
        raise NotFound("No such roadmap.")
    if every_resource:
        steps = version_path_steps(version=roadmap.current)
    else:
        steps = version_steps_only(version=roadmap.current)
    resources: list[StepResource] = []
    votes: dict[int, bool] = {}
    opened = [s for s in steps if s.pk == step_id]
    if opened:
        prefetch_related_objects(
            opened, Prefetch("resources", queryset=_step_resources_shown())
        )
        resources = list(opened[0].resources.all())
        votes = _votes(actor, (r.resource_id for r in resources))
    read = steps_read(steps, votes)
    status = schedule_status(version=roadmap.current, steps=read.steps, today=today)
    return RoadmapPath(roadmap=roadmap, read=read, schedule=status, resources=resources)


@dataclass(frozen=True)
class RegenerationKeeps:
    """What a regeneration keeps of the current version (docs/roadmaps.md,
    "Regenerate"): done steps, pinned steps, steps with notes or a passed
    mastery check, and pinned resources as (step, resource) pairs. A step
    may be in more than one list."""

    completed: list[RoadmapStep]
    skipped: list[RoadmapStep]
    pinned: list[RoadmapStep]
    noted: list[RoadmapStep]
    mastered: list[RoadmapStep]
    pinned_resources: list[tuple[RoadmapStep, StepResource]]

    @property
    def nothing(self) -> bool:
        return not (
            self.completed
            or self.skipped
            or self.pinned
            or self.noted
            or self.mastered
            or self.pinned_resources
        )


def regeneration_keeps(*, steps: Sequence[RoadmapStep]) -> RegenerationKeeps:
    """What regenerating would keep of ``steps`` (a version's steps in order,
    their resources prefetched as ``version_steps`` reads them): no query."""
    return RegenerationKeeps(
        completed=[s for s in steps if s.state == StepState.COMPLETED],
        skipped=[s for s in steps if s.state == StepState.SKIPPED],
        pinned=[s for s in steps if s.pinned],
        noted=[s for s in steps if s.notes],
        mastered=[s for s in steps if s.mastery_passed_at is not None],
        pinned_resources=[(s, r) for s in steps for r in s.resources.all() if r.pinned],
    )


@dataclass(frozen=True)
class VersionRead:
    """An older version of a roadmap as its owner reads it: its steps (no
    votes: the page is read-only), the newest version's number and when the
    next version replaced this one (None for the newest)."""

    roadmap: Roadmap
    version: RoadmapVersion
    read: StepsRead
    latest: int
    replaced_at: datetime | None

    @property
    def is_current(self) -> bool:
        return self.version.pk == self.roadmap.current_id


def roadmap_version_for_owner(
    *, roadmap_id: int, number: int, actor: AbstractBaseUser
) -> VersionRead:
    """Version ``number`` of the actor's roadmap with its steps and resources:
    four queries whatever the number of steps; NotFound for anyone else's
    roadmap or a version that does not exist."""
    roadmap = roadmap_get_for_owner(roadmap_id=roadmap_id, actor=actor)
    if roadmap.current is None:
        raise NotFound("No such roadmap.")
    versions = {
        v.number: v
        for v in RoadmapVersion.objects.filter(
            roadmap_id=roadmap.pk, number__in=(number, number + 1)
        )
    }
    version = versions.get(number)
    if version is None:
        raise NotFound(f"This roadmap has no version {number}.")
    read = steps_read(version_steps(version=version), {})
    following = versions.get(number + 1)
    return VersionRead(
        roadmap=roadmap,
        version=version,
        read=read,
        latest=roadmap.current.number,
        replaced_at=following.created_at if following else None,
    )
