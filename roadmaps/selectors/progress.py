"""Reads for a version whose plan is cached: only what changes while the
learner follows it (the API's roadmap detail). The detail's reads run on
every request with other ids: their SQL is compiled once
(:class:`~roadmaps.selectors.prepared.PreparedRows`)."""

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
from .access import roadmap_list_for_reader
from .prepared import PreparedRows, concrete_attnames, instance_from_row
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


_ROADMAP_NAMES = [f.attname for f in Roadmap._meta.concrete_fields]
_VERSION_NAMES = [f.attname for f in RoadmapVersion._meta.concrete_fields]
_VERSION_PK = _VERSION_NAMES.index(RoadmapVersion._meta.pk.attname)
#: The largest id PostgreSQL's bigint holds: a larger one names no row.
_MAX_ID = 2**63 - 1

#: An owner's roadmap with its current version (as ``select_related`` reads
#: it) and the catalog version now: the detail's read for its owner.
_OWNED_ROADMAP = PreparedRows(
    lambda roadmap_id, owner_id: (
        with_catalog_version(Roadmap.objects.filter(pk=roadmap_id, owner_id=owner_id))
        .order_by()
        .values_list(
            *_ROADMAP_NAMES,
            *(f"current__{name}" for name in _VERSION_NAMES),
            "catalog_version_now",
        )
    ),
    arity=2,
)


def _roadmap_from_row(row: tuple) -> Roadmap:
    split = len(_ROADMAP_NAMES)
    roadmap = instance_from_row(Roadmap, _ROADMAP_NAMES, row[:split])
    current = row[split : split + len(_VERSION_NAMES)]
    version = (
        None
        if current[_VERSION_PK] is None
        else instance_from_row(RoadmapVersion, _VERSION_NAMES, current)
    )
    Roadmap.current.field.set_cached_value(roadmap, version)
    roadmap.catalog_version_now = row[-1]
    return roadmap


def roadmap_owned_read(*, roadmap_id: int, actor: AbstractBaseUser) -> Roadmap | None:
    """``actor``'s roadmap ``roadmap_id`` with its current version and the
    catalog's version now as ``catalog_version_now`` (what
    ``with_catalog_version(roadmap_list_for_owner(...))`` reads), or None when
    ``actor`` does not own it: one query, compiled once."""
    if not actor.is_authenticated or not 0 < roadmap_id <= _MAX_ID:
        return None
    rows = _OWNED_ROADMAP.rows(roadmap_id, actor.pk)
    return _roadmap_from_row(rows[0]) if rows else None


_STEP_NAMES = [f.attname for f in RoadmapStep._meta.concrete_fields]
#: A version's steps in order, every column.
_STEPS = PreparedRows(
    lambda version_id: RoadmapStep.objects.filter(version_id=version_id).values_list(
        *_STEP_NAMES
    ),
    arity=1,
)


def version_steps_only(*, version: RoadmapVersion) -> list[RoadmapStep]:
    """``version``'s steps in order, without their resources: one query,
    compiled once."""
    return [
        instance_from_row(RoadmapStep, _STEP_NAMES, row)
        for row in _STEPS.rows(version.pk)
    ]


def roadmap_detail_for_reader(
    *, roadmap_id: int, actor: AbstractBaseUser
) -> Roadmap | None:
    """Roadmap ``roadmap_id`` if ``actor`` may read it (see
    ``roadmap_list_for_reader``), with its current version and the catalog's
    version now as ``catalog_version_now``; None otherwise.

    One query for the roadmap's owner (who may read it whatever their role);
    anyone else's role and grants are asked after it (two or three more).
    """
    if not actor.is_authenticated:
        return None
    owned = roadmap_owned_read(roadmap_id=roadmap_id, actor=actor)
    if owned is not None:
        return owned
    readable = roadmap_list_for_reader(actor=actor).filter(pk=roadmap_id)
    return with_catalog_version(readable).first()


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


_STEP_PROGRESS_NAMES = concrete_attnames(RoadmapStep, STEP_PROGRESS_FIELDS)
#: A version's steps in order, only their :data:`STEP_PROGRESS_FIELDS`.
_PROGRESS_STEPS = PreparedRows(
    lambda version_id: RoadmapStep.objects.filter(version_id=version_id).values_list(
        *_STEP_PROGRESS_NAMES
    ),
    arity=1,
)


def _marked(version_id: int, learner_id: int) -> QuerySet:
    # The vote is looked up by the step resource's catalog id, through the
    # votes' (learner, resource) index: joining the catalog's resource table
    # only to reach its feedback cost most of the query.
    vote = ResourceFeedback.objects.filter(
        learner_id=learner_id, resource_id=OuterRef("resource_id")
    ).values("helpful")
    return (
        StepResource.objects.filter(step__version_id=version_id)
        .annotate(mine=Subquery(vote))
        .filter(Q(pinned=True) | Q(mine__isnull=False))
        .order_by()
        .values_list("pk", "pinned", "resource_id", "mine")
    )


#: A version's step resources the reader pinned or voted on, with the vote.
_MARKED = PreparedRows(_marked, arity=2)


def version_progress_read(
    *, version: RoadmapVersion, actor: AbstractBaseUser
) -> ProgressRead:
    """What changes in a version while the learner follows it: the steps'
    progress fields, the pinned step resources, and ``actor``'s votes on the
    version's resources. Two narrow queries whatever the number of steps."""
    steps = [
        instance_from_row(RoadmapStep, _STEP_PROGRESS_NAMES, row)
        for row in _PROGRESS_STEPS.rows(version.pk)
    ]
    pinned, votes = set(), {}
    for pk, is_pinned, resource_id, helpful in _MARKED.rows(version.pk, actor.pk):
        if is_pinned:
            pinned.add(pk)
        if helpful is not None:
            votes[resource_id] = helpful
    return ProgressRead(
        read=steps_read(steps, votes), pinned_resources=frozenset(pinned)
    )
