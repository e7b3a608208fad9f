"""Reads of roadmaps, scoped to the user asking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    FilteredRelation,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from guardian.shortcuts import get_objects_for_user

from learners.roles import user_role
from taxonomy.models import CatalogVersion
from taxonomy.selectors import catalog_version_cache_key
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


def _step_resource_fields(*, exclude: tuple[str, ...] = ()) -> list[str]:
    return [
        f.attname
        for f in StepResource._meta.concrete_fields
        if f.name != "step" and f.name not in exclude
    ]


def _step_resources_shown() -> QuerySet[StepResource]:
    """Step resources in rank order with the catalog columns a step shows."""
    return (
        StepResource.objects.order_by("position")
        .select_related("resource__provider")
        .only("step", *_step_resource_fields(), *STEP_RESOURCE_CATALOG_FIELDS)
    )


def version_steps(*, version: RoadmapVersion) -> list[RoadmapStep]:
    """A version's steps in order, each with its resources in rank order."""
    return list(
        RoadmapStep.objects.filter(version=version).prefetch_related(
            Prefetch("resources", queryset=_step_resources_shown())
        )
    )


def version_path_steps(*, version: RoadmapVersion) -> list[RoadmapStep]:
    """A version's steps in order, each with its resources' own columns (no
    catalog row, no score parts): what the regenerate page reads of every
    step (the pinned resources it keeps). Two queries."""
    own = _step_resource_fields(exclude=("score_parts",))
    return list(
        RoadmapStep.objects.filter(version=version).prefetch_related(
            Prefetch(
                "resources",
                queryset=StepResource.objects.order_by("position").only("step", *own),
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

    @cached_property
    def _by_slug(self) -> dict[str, RoadmapStep]:
        return {s.topic_slug: s for s in self.steps}

    def blocked_by(self, step: RoadmapStep) -> list[RoadmapStep]:
        """The required steps of ``step`` not done yet."""
        by_slug = self._by_slug
        return [by_slug[t] for t in blocked_by(step, self.states) if t in by_slug]


def steps_read(steps: list[RoadmapStep], votes: dict[int, bool]) -> StepsRead:
    """``steps`` (a version's, in order) as a reader sees them: no query."""
    return StepsRead(
        steps=steps,
        states={s.topic_slug: s.state for s in steps},
        step_ids={s.topic_slug: s.pk for s in steps},
        votes=votes,
        next_step=step_next(steps),
    )


def _votes(actor: AbstractBaseUser, resource_ids: Iterable[int | None]) -> dict:
    """``actor``'s votes on these catalog resources, by resource id: one query."""
    return dict(
        ResourceFeedback.objects.filter(
            learner_id=actor.pk, resource_id__in={r for r in resource_ids if r}
        ).values_list("resource_id", "helpful")
    )


def version_steps_read(
    *, version: RoadmapVersion, actor: AbstractBaseUser
) -> StepsRead:
    """A version's steps with resources, and ``actor``'s votes on them: three
    queries whatever the number of steps."""
    steps = version_steps(version=version)
    votes = _votes(actor, (r.resource_id for s in steps for r in s.resources.all()))
    return steps_read(steps, votes)


# -- reads for a version whose plan is cached -------------------------------------------
#: The step columns progress changes (``roadmaps.services.progress``) and
#: those the schedule, the next step and "blocked by" need: with the rest of
#: a version cached (it never changes), every request reads only these.
STEP_PROGRESS_FIELDS = (
    "version",
    "position",
    "topic_slug",
    "requires",
    "hours",
    "start_date",
    "end_date",
    "mastery_kind",
    "mastery_description",
    "state",
    "pinned",
    "notes",
    "started_at",
    "completed_at",
    "skipped_at",
    "mastery_passed_at",
    "mastery_note",
)


def with_catalog_version(queryset: QuerySet[Roadmap]) -> QuerySet[Roadmap]:
    """``queryset`` with the catalog's version now as each roadmap's
    ``catalog_version_now``, read in the same query (for
    :func:`version_cache_key`; 1 before any catalog change, as
    ``taxonomy.selectors.catalog_version_current`` says)."""
    now = CatalogVersion.objects.filter(pk=1).values("value")[:1]
    return queryset.annotate(catalog_version_now=Coalesce(Subquery(now), Value(1)))


def version_cache_key(
    *, version: RoadmapVersion, catalog_version: int, prefix: str
) -> str:
    """A cache key for what is derived from ``version``'s plan and the
    catalog's rows at ``catalog_version`` (no query).

    A version's steps and resources never change once stored, except their
    progress fields (:data:`STEP_PROGRESS_FIELDS`, resource pins); the
    catalog rows they show (provider, format, language) move the catalog
    version. The version's creation time keeps a reused id (another test
    database, a restored dump) from reading an older version's entry.
    """
    stamp = int(version.created_at.timestamp() * 1_000_000)
    return catalog_version_cache_key(f"{prefix}:{version.pk}:{stamp}", catalog_version)


@dataclass(frozen=True)
class ProgressRead:
    """A version's progress as a reader sees it: its steps with only
    :data:`STEP_PROGRESS_FIELDS` loaded (``read.steps``), the reader's votes,
    and the ids of its pinned step resources."""

    read: StepsRead
    pinned_resources: frozenset[int]


def version_progress_read(
    *, version: RoadmapVersion, actor: AbstractBaseUser
) -> ProgressRead:
    """What changes in a version while the learner follows it: the steps'
    progress fields, the pinned step resources, and ``actor``'s votes on the
    version's resources. Two narrow queries whatever the number of steps."""
    steps = list(
        RoadmapStep.objects.filter(version=version).only(*STEP_PROGRESS_FIELDS)
    )
    marked = (
        StepResource.objects.filter(step__version=version)
        .annotate(
            mine=FilteredRelation(
                "resource__feedback",
                condition=Q(resource__feedback__learner_id=actor.pk),
            )
        )
        .filter(Q(pinned=True) | Q(mine__isnull=False))
        .values_list("pk", "pinned", "resource_id", "mine__helpful")
    )
    pinned, votes = set(), {}
    for pk, is_pinned, resource_id, helpful in marked:
        if is_pinned:
            pinned.add(pk)
        if helpful is not None:
            votes[resource_id] = helpful
    return ProgressRead(
        read=steps_read(steps, votes), pinned_resources=frozenset(pinned)
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
    roadmap = (
        with_catalog_version(roadmap_list_for_owner(actor=actor))
        .filter(pk=roadmap_id)
        .first()
    )
    if roadmap is None or roadmap.current is None:
        raise NotFound("No such roadmap.")
    if every_resource:
        steps = version_path_steps(version=roadmap.current)
    else:
        steps = list(RoadmapStep.objects.filter(version=roadmap.current))
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
