"""Reads of roadmaps, scoped to the user asking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from guardian.shortcuts import get_objects_for_user

from learners.roles import user_role
from wayfinder.errors import NotFound

from .models import (
    ResourceFeedback,
    Roadmap,
    RoadmapStep,
    RoadmapUserObjectPermission,
    RoadmapVersion,
    StepResource,
    StepState,
)
from .schedule import ScheduleStatus, schedule_status
from .services.progress import blocked_by, step_next

#: What a share grants a partner on one roadmap: reading it and exporting it.
SHARE_PERMISSIONS = ("view_roadmap", "export_roadmap")


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


def roadmap_ids_shared_with(
    *, actor: AbstractBaseUser, permissions: tuple[str, ...] = ("view_roadmap",)
) -> QuerySet[Roadmap]:
    """The ids of the roadmaps shared with ``actor`` holding every one of
    ``permissions``, as a subquery (lazy: no query until it is used).

    Only a partner holds grants, and only grants count: curators hold
    ``view_roadmap`` globally for the admin, so global permissions and the
    superuser flag are ignored on purpose (never ``user.has_perm(perm, obj)``).
    Anyone who is not a partner (now) is shared nothing.
    """
    if user_role(actor) != "partner":
        return Roadmap.objects.none().values("pk")
    return get_objects_for_user(
        actor,
        [f"roadmaps.{codename}" for codename in permissions],
        klass=Roadmap,
        use_groups=False,
        with_superuser=False,
        accept_global_perms=False,
    ).values("pk")


def roadmap_list_for_reader(*, actor: AbstractBaseUser) -> QuerySet[Roadmap]:
    """The roadmaps ``actor`` may read: its own and those shared with it (a
    partner), newest first, with their current version. One query whatever
    the number of grants (plus one for the actor's groups)."""
    if not actor.is_authenticated:
        return Roadmap.objects.none()
    return Roadmap.objects.filter(
        Q(owner_id=actor.pk) | Q(pk__in=roadmap_ids_shared_with(actor=actor))
    ).select_related("current")


def roadmap_shares_list(*, roadmap: Roadmap) -> list[RoadmapUserObjectPermission]:
    """The grants on ``roadmap``, one row per partner and permission, by
    partner username (one query)."""
    return list(
        RoadmapUserObjectPermission.objects.filter(
            content_object=roadmap, permission__codename__in=SHARE_PERMISSIONS
        )
        .select_related("user", "permission")
        .order_by("user__username", "user_id", "permission__codename")
    )


#: The catalog columns a step's resource shows (page, panel, API, export): the
#: rest of the resource row (descriptions, search text) is never read here, and
#: loading it was half the time of a roadmap read.
STEP_RESOURCE_CATALOG_FIELDS = (
    "resource__slug",
    "resource__format",
    "resource__language",
    "resource__duration_minutes",
    "resource__difficulty",
    "resource__cost",
    "resource__provider__name",
    # The export names each resource's provider by slug and links it.
    "resource__provider__slug",
    "resource__provider__url",
)


def version_steps(*, version: RoadmapVersion) -> list[RoadmapStep]:
    """A version's steps in order, each with its resources in rank order."""
    step_resource_fields = [
        f.attname for f in StepResource._meta.concrete_fields if f.name != "step"
    ]
    return list(
        RoadmapStep.objects.filter(version=version).prefetch_related(
            Prefetch(
                "resources",
                queryset=StepResource.objects.order_by("position")
                .select_related("resource__provider")
                .only("step", *step_resource_fields, *STEP_RESOURCE_CATALOG_FIELDS),
            )
        )
    )


@dataclass(frozen=True)
class StepsRead:
    """A version's steps as a reader sees them: in order with their resources,
    each step's state and id by topic slug, the reader's votes by resource id,
    and the next step to work on (None when every step is done)."""

    steps: list[RoadmapStep]
    states: dict[str, str]
    step_ids: dict[str, int]
    votes: dict[int, bool]
    next_step: RoadmapStep | None

    def blocked_by(self, step: RoadmapStep) -> list[RoadmapStep]:
        """The required steps of ``step`` not done yet."""
        by_slug = {s.topic_slug: s for s in self.steps}
        return [by_slug[t] for t in blocked_by(step, self.states) if t in by_slug]


def version_steps_read(
    *, version: RoadmapVersion, actor: AbstractBaseUser
) -> StepsRead:
    """A version's steps with resources, and ``actor``'s votes on them: three
    queries whatever the number of steps."""
    steps = version_steps(version=version)
    resource_ids = {r.resource_id for s in steps for r in s.resources.all()}
    votes = dict(
        ResourceFeedback.objects.filter(
            learner_id=actor.pk, resource_id__in=resource_ids
        ).values_list("resource_id", "helpful")
    )
    return StepsRead(
        steps=steps,
        states={s.topic_slug: s.state for s in steps},
        step_ids={s.topic_slug: s.pk for s in steps},
        votes=votes,
        next_step=step_next(steps),
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
    """What the roadmap page shows: the roadmap, its current version's steps
    as the owner reads them, and the schedule status on ``today``."""

    roadmap: Roadmap
    read: StepsRead
    schedule: ScheduleStatus


def roadmap_path_for_owner(
    *, roadmap_id: int, actor: AbstractBaseUser, today: date
) -> RoadmapPath:
    """The owner's roadmap with its current steps, votes and schedule status:
    four queries whatever the number of steps; NotFound for anyone else."""
    roadmap = roadmap_get_for_owner(roadmap_id=roadmap_id, actor=actor)
    if roadmap.current is None:
        raise NotFound("No such roadmap.")
    read = version_steps_read(version=roadmap.current, actor=actor)
    status = schedule_status(version=roadmap.current, steps=read.steps, today=today)
    return RoadmapPath(roadmap=roadmap, read=read, schedule=status)


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
    steps = version_steps(version=version)
    read = StepsRead(
        steps=steps,
        states={s.topic_slug: s.state for s in steps},
        step_ids={s.topic_slug: s.pk for s in steps},
        votes={},
        next_step=step_next(steps),
    )
    following = versions.get(number + 1)
    return VersionRead(
        roadmap=roadmap,
        version=version,
        read=read,
        latest=roadmap.current.number,
        replaced_at=following.created_at if following else None,
    )


def version_resource_titles(
    *, roadmap: Roadmap, number: int, slugs: Iterable[str]
) -> dict[str, str]:
    """The titles version ``number`` of ``roadmap`` gave these resource slugs
    (for a diff's removed resources): one query, none without slugs."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    return dict(
        StepResource.objects.filter(
            step__version__roadmap_id=roadmap.pk,
            step__version__number=number,
            resource_slug__in=wanted,
        ).values_list("resource_slug", "title")
    )
