"""Reads for a version whose plan is cached: only what changes while the
learner follows it (the API's roadmap detail)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from taxonomy.models import CatalogVersion
from taxonomy.selectors import catalog_version_cache_key

from ..models import (
    ResourceFeedback,
    Roadmap,
    RoadmapStep,
    RoadmapVersion,
    StepResource,
)
from .steps import StepsRead, steps_read

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
    # The vote is looked up by the step resource's catalog id, through the
    # votes' (learner, resource) index: joining the catalog's resource table
    # only to reach its feedback cost most of the query.
    vote = ResourceFeedback.objects.filter(
        learner_id=actor.pk, resource_id=OuterRef("resource_id")
    ).values("helpful")
    marked = (
        StepResource.objects.filter(step__version=version)
        .annotate(mine=Subquery(vote))
        .filter(Q(pinned=True) | Q(mine__isnull=False))
        .order_by()
        .values_list("pk", "pinned", "resource_id", "mine")
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
