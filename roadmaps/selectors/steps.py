"""Reads of a version's steps and their resources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from ..models import (
    ResourceFeedback,
    Roadmap,
    RoadmapStep,
    RoadmapVersion,
    StepResource,
)
from ..services.progress import blocked_by, step_next

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
