"""Storing plans: a new roadmap (version 1), or a new version of one.

A plan becomes a ``RoadmapVersion`` with its steps (in plan order, with the
required and recommended prerequisite edges between them) and each step's
ranked resources. A new version of an existing roadmap carries the learner's
work over from the version it replaces (``carry.py``) and records the diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from catalog.models import Resource, ResourceLink
from planner.domain import (
    PLANNER_VERSION,
    SCORE_PARTS,
    CatalogGraph,
    Plan,
    PlanStep,
    PrerequisiteKind,
    Repair,
    StepKind,
)
from planner.domain.choices import member_edges
from planner.domain.wording import (
    deadline_cut_notice,
    gap_notice,
    removed_notice,
    step_summaries,
)
from taxonomy.enums import LinkKind
from taxonomy.models import Subject, Topic, Track
from taxonomy.selectors import catalog_version_current
from wayfinder.rows import Among, JSONText, rows_insert

from ..models import Roadmap, RoadmapStep, RoadmapVersion, StepResource, StepState
from .carry import Carried, carry_over, first_available_activate, version_diff

#: A ``RoadmapStep`` or ``StepResource`` row before it is stored (``rows.py``).
StepRow = dict[str, Any]
ResourceRow = dict[str, Any]

if TYPE_CHECKING:
    from learners.models import LearnerProfile

#: Slugs looked up per query; keeps ``IN`` lists inside every backend's limits.
LOOKUP_CHUNK = 5000
LANGUAGE_FALLBACK, COST_FALLBACK = "language_fallback", "cost_fallback"


def _decimal(value: float, places: int) -> Decimal:
    return Decimal(str(round(float(value), places)))


@transaction.atomic
def roadmap_create_from_plan(
    *,
    profile: LearnerProfile,
    plan: Plan,
    graph: CatalogGraph,
    input_profile_hash: str = "",
    repairs: Sequence[Repair] = (),
    llm: dict | None = None,
) -> Roadmap:
    """Store a validated plan as the profile owner's new roadmap, version 1.

    The version records the plan's dates, hours, feasibility, shortfall and
    notices (the language and cost fallbacks, the planner's assumptions,
    repairs, recommended topics dropped for time), what made it (catalog and
    planner versions, ``input_profile_hash``, ``llm``: the models that
    phrased text), its steps in plan order (the first active, the others
    locked) and each step's ranked resources with their score and parts. A
    constant number of queries for a plan of any size up to ``LOOKUP_CHUNK``
    topics (bulk inserts: ``COPY`` on PostgreSQL, see ``rows.py``).
    """
    track = (
        Track.objects.filter(slug=plan.track)
        .order_by()
        .values_list("pk", "name")
        .first()
        if plan.track
        else None
    )
    subject_id = profile.subject_id
    subject_name = profile.subject.name if profile.subject else plan.subject
    if profile.subject is not None and profile.subject.slug != plan.subject:
        # The goal question offered another subject's track and the learner
        # took it: the roadmap belongs to that subject (docs/planner.md, "Goals").
        other = Subject.objects.filter(slug=plan.subject).values_list("pk", "name")
        subject_id, subject_name = other.first() or (subject_id, subject_name)
    roadmap = Roadmap(
        owner_id=profile.owner_id,
        profile=profile,
        title=(f"{subject_name}: {track[1]}" if track else subject_name)[:200],
        subject_id=subject_id,
        subject_slug=plan.subject,
        subject_name=subject_name,
        track_id=track[0] if track else None,
    )
    roadmap.full_clean(exclude=["owner", "profile", "subject", "track", "current"])
    roadmap.save()
    version = _version_new(
        roadmap=roadmap,
        number=1,
        plan=plan,
        input_profile_hash=input_profile_hash,
        repairs=repairs,
        llm=llm,
    )
    _version_check_save(version)
    facts = _facts(plan, graph)
    steps = _step_rows(plan.steps, facts, graph)
    _edges_apply(steps, graph)
    first_available_activate(steps)
    _steps_insert(
        version=version, steps=steps, resources=_resource_rows(plan.steps, facts)
    )
    roadmap.current = version
    roadmap.save(update_fields=["current"])
    return roadmap


@transaction.atomic
def roadmap_version_create_from_plan(
    *,
    roadmap_id: int,
    plan: Plan,
    graph: CatalogGraph,
    input_profile_hash: str,
    repairs: Sequence[Repair] = (),
    llm: dict | None = None,
) -> RoadmapVersion:
    """Store a re-plan as the roadmap's next version and make it current.

    Under a row lock on the roadmap (so no progress change interleaves), the
    learner's work on the current version is carried over as it is now, not
    as it was when the planning job started: states and their times, pins,
    notes, mastery marks, pinned resources; done steps the plan no longer
    schedules are kept (``carried``). The new version records the diff
    against the one it replaces. The old version is left as it was.
    """
    roadmap = Roadmap.objects.select_for_update().get(pk=roadmap_id)
    old = roadmap.current
    old_steps = list(
        RoadmapStep.objects.filter(version=old).prefetch_related("resources")
    )
    version = _version_new(
        roadmap=roadmap,
        number=old.number + 1,
        plan=plan,
        input_profile_hash=input_profile_hash,
        repairs=repairs,
        llm=llm,
    )
    facts = _facts(plan, graph)
    carried: Carried = carry_over(
        planned=_step_rows(plan.steps, facts, graph),
        planned_resources=_resource_rows(plan.steps, facts),
        old_steps=old_steps,
    )
    _edges_apply(carried.steps, graph)
    first_available_activate(carried.steps)
    version.diff = version_diff(
        old=old, old_steps=old_steps, new=version, new_steps=carried
    )
    _version_check_save(version)
    _steps_insert(version=version, steps=carried.steps, resources=carried.resources)
    roadmap.current = version
    roadmap.save(update_fields=["current"])
    return version


def _version_new(
    *,
    roadmap: Roadmap,
    number: int,
    plan: Plan,
    input_profile_hash: str,
    repairs: Sequence[Repair],
    llm: dict | None,
) -> RoadmapVersion:
    return RoadmapVersion(
        roadmap=roadmap,
        number=number,
        catalog_version=plan.catalog_version,
        planner_version=PLANNER_VERSION,
        input_profile_hash=input_profile_hash,
        model_versions=dict(llm or {}),
        start_date=plan.start_date,
        end_date=plan.end_date,
        weekly_hours=_decimal(plan.weekly_hours, 1),
        total_hours=_decimal(plan.total_hours, 2),
        feasible=plan.feasible,
        shortfall=plan.shortfall.as_json() if plan.shortfall else None,
        notices=roadmap_notices(plan, repairs),
        changed_at=timezone.now(),
    )


def _version_check_save(version: RoadmapVersion) -> None:
    # The constraints (number from 1, unique per roadmap) hold by construction
    # and in the database; checking them here would cost three queries.
    version.full_clean(exclude=["roadmap"], validate_constraints=False)
    version.save()


def roadmap_notices(plan: Plan, repairs: Sequence[Repair] = ()) -> list[dict]:
    """What the learner should be told about how the plan was made, in order:
    the deadline cut and its options, the steps with no resource yet (one
    notice naming them all), per-step fallbacks, the topics left out as
    known (one notice, each topic with its reason), then assumptions, repairs
    and dropped topics."""
    notices: list[dict] = []
    if plan.shortfall is not None:
        notices.append(_deadline_cut(plan))
    gaps = [s for s in plan.steps if s.no_resource]
    if gaps:
        notices.append(
            {
                "kind": "no_resource",
                "steps": [s.topic for s in gaps],
                "message": gap_notice(gaps),
            }
        )
    for step in plan.steps:
        if LANGUAGE_FALLBACK in step.flags:
            notices.append(
                {
                    "kind": LANGUAGE_FALLBACK,
                    "step": step.topic,
                    "message": f"No resources for {step.name} in your language: "
                    "showing resources in other languages.",
                }
            )
        if COST_FALLBACK in step.flags:
            notices.append(
                {
                    "kind": COST_FALLBACK,
                    "step": step.topic,
                    "message": f"No free resources for {step.name}: showing paid ones.",
                }
            )
    if plan.removed:
        notices.append(
            {
                "kind": "known_removed",
                "hours": sum(r.hours for r in plan.removed),
                "topics": [r.as_json() for r in plan.removed],
                "message": removed_notice(plan),
            }
        )
    notices += [{"kind": "assumption", "message": text} for text in plan.assumptions]
    notices += [
        {"kind": "repair", "rule": r.rule, "step": r.step, "message": r.message}
        for r in repairs
    ]
    if plan.dropped_recommended:
        notices.append(
            {
                "kind": "dropped_recommended",
                "topics": list(plan.dropped_recommended),
                "message": "Recommended topics left out to fit the deadline.",
            }
        )
    return notices


def _deadline_cut(plan: Plan) -> dict:
    """The cut as a notice: which steps end after the deadline, and the three
    ways out (more hours a week, a later date, a narrower track when one fits)."""
    shortfall = plan.shortfall
    assert shortfall is not None  # noqa: S101 -- the caller checked
    options: list[dict] = [
        {"kind": "more_hours", "weekly_hours": shortfall.weekly_hours_needed},
        {
            "kind": "later_deadline",
            "deadline": shortfall.earliest_feasible_deadline.isoformat(),
        },
    ]
    options += [
        {"kind": "narrower_track", "track": t.slug, "name": t.name, "hours": t.hours}
        for t in shortfall.narrower_tracks
    ]
    return {
        "kind": "deadline_cut",
        "deadline": plan.deadline.isoformat() if plan.deadline else None,
        "steps_after_deadline": [
            s.topic for s in plan.steps if s.fits_deadline is False
        ],
        "options": options,
        "message": deadline_cut_notice(plan),
    }


@dataclass(frozen=True)
class ResourceDetail:
    """What a person reads about a resource: title, link, who, how, how long."""

    pk: int
    slug: str
    title: str
    url: str
    provider_slug: str
    provider_name: str
    format: str
    language: str
    duration_minutes: int


def resource_details(slugs: Iterable[str]) -> dict[str, ResourceDetail]:
    """The catalog's readable facts about ``slugs`` (the primary link as URL),
    by slug; slugs no longer in the catalog are left out. One query per
    ``LOOKUP_CHUNK`` slugs."""
    ordered = sorted(set(slugs))
    found: dict[str, ResourceDetail] = {}
    # A subquery per resource probes the partial unique index on primary
    # links; a join made PostgreSQL hash every link in the catalog. Unordered:
    # there is at most one primary link, and the model's ordering added a sort
    # per resource.
    primary_url = (
        ResourceLink.objects.filter(resource=OuterRef("pk"), kind=LinkKind.PRIMARY)
        .order_by()
        .values("url")[:1]
    )
    for chunk in _chunks(ordered):
        rows = (
            Resource.objects.order_by()
            .filter(Among(F("slug"), chunk))
            .annotate(primary_url=Subquery(primary_url))
            .values_list(
                "pk",
                "slug",
                "title",
                "primary_url",
                "provider__slug",
                "provider__name",
                "format",
                "language",
                "duration_minutes",
            )
        )
        for pk, slug, title, url, p_slug, p_name, fmt, lang, minutes in rows:
            found[slug] = ResourceDetail(
                pk, slug, title, url or "", p_slug, p_name, fmt, lang, minutes
            )
    return found


@dataclass(frozen=True)
class _Facts:
    """Row ids, titles and URLs of a plan's topics and resources, by slug."""

    topic_ids: Mapping[str, int | None]
    resources: Mapping[str, tuple[int | None, str, str]]


def _facts(plan: Plan, graph: CatalogGraph) -> _Facts:
    """What the stored rows record of the catalog: from the snapshot the plan
    was made from while the catalog has not moved since (one query: the
    version), else read from the catalog as it is now (two). Either way a
    row deleted before this transaction commits leaves its id in the stored
    row (the keys are unchecked, ``models.UNCHECKED``), which every reader
    takes for a row that left the catalog."""
    slugs = {r.resource for step in plan.steps for r in step.resources}
    if graph.version == plan.catalog_version == catalog_version_current():
        resources = {}
        for slug in slugs:
            node = graph.resources.get(slug)
            if node is not None and node.row_id:
                resources[slug] = (node.row_id, node.title, node.url)
        topics = {
            s.topic: node.row_id
            for s in plan.steps
            if (node := graph.topics.get(s.topic)) is not None and node.row_id
        }
        if len(resources) == len(slugs) and len(topics) == len(plan.steps):
            return _Facts(topics, resources)
    # A snapshot not read from this database (tests, benchmarks) or a catalog
    # that moved since the plan: the catalog's rows as they are now.
    details = resource_details(slugs)
    topic_ids: dict[str, int | None] = {}
    for chunk in _chunks([s.topic for s in plan.steps]):
        topic_ids.update(
            Topic.objects.order_by()
            .filter(Among(F("slug"), chunk))
            .values_list("slug", "pk")
        )
    return _Facts(
        topic_ids, {slug: (d.pk, d.title, d.url) for slug, d in details.items()}
    )


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start : start + LOOKUP_CHUNK]


def step_edges(
    topics: Iterable[str], requires: Mapping[str, Sequence[tuple[str, str]]]
) -> dict[str, tuple[list[str], list[str]]]:
    """Each topic's direct required and recommended prerequisites among
    ``topics`` (a known topic between two steps is satisfied, so no edge goes
    through it)."""
    present = set(topics)
    edges: dict[str, tuple[list[str], list[str]]] = {}
    for slug in present:
        required, recommended = [], []
        for other, kind in requires.get(slug, ()):
            if other in present:
                wanted = kind == PrerequisiteKind.REQUIRED
                (required if wanted else recommended).append(other)
        edges[slug] = (sorted(required), sorted(recommended))
    return edges


def _edges_apply(steps: Sequence[StepRow], graph: CatalogGraph) -> None:
    # A group edge counts as an edge to the chosen member(s) among the steps.
    edges = step_edges((s["topic_slug"] for s in steps), member_edges(graph))
    for step in steps:
        step["requires"], step["recommends"] = edges[step["topic_slug"]]


def _steps_insert(
    *,
    version: RoadmapVersion,
    steps: Sequence[StepRow],
    resources: Sequence[Sequence[ResourceRow]],
) -> None:
    """Insert the version's steps, then each step's resources (same order)."""
    for step in steps:
        step["version_id"] = version.pk
    step_ids = rows_insert(RoadmapStep, steps, ids=True)
    for step_id, rows in zip(step_ids, resources, strict=True):
        for row in rows:
            row["step_id"] = step_id
    rows_insert(StepResource, [row for rows in resources for row in rows])


def _step_rows(
    plan_steps: Sequence[PlanStep], facts: _Facts, graph: CatalogGraph
) -> list[StepRow]:
    """The plan's steps as ``RoadmapStep`` rows, locked, without their
    version and edges (set by the caller)."""
    topic_ids = facts.topic_ids
    return [
        {
            "position": step.position,
            "topic_id": topic_ids.get(step.topic),
            "topic_slug": step.topic,
            "title": step.name[:200],
            "summary": summary,
            "objectives": list(step.objectives),
            "mastery_kind": str(step.mastery_kind),
            "mastery_description": step.mastery_description,
            "hours": _decimal(step.hours, 2),
            "start_date": step.start_date,
            "end_date": step.end_date,
            "first_week": step.week_start,
            "last_week": step.week_end,
            "recommended": step.kind == StepKind.RECOMMENDED,
            "no_resource": str(step.no_resource),
            "no_resource_reason": step.no_resource_reason[:200],
            "fits_deadline": step.fits_deadline,
            "chosen_from": step.chosen_from,
            "choice_reason": str(step.choice_reason),
            "choice_note": step.choice_note[:200],
            "state": StepState.LOCKED.value,
        }
        for step, summary in zip(
            plan_steps, step_summaries(plan_steps, graph), strict=True
        )
    ]


def _resource_rows(
    plan_steps: Sequence[PlanStep], facts: _Facts
) -> list[list[ResourceRow]]:
    """Each step's ranked resources as ``StepResource`` rows (one list per
    step, without the step), with what the catalog says of them (``_facts``)."""
    found = facts.resources
    # The learner's parts (language to age) are one tuple per kind of
    # resource, shared by most of a plan's resources: rounded and encoded
    # once each, into a template for the resource's own parts (duration,
    # quality, coverage, variety penalty), which are written with four
    # decimals. The JSON text is written directly (``JSONText``), which costs
    # a fifth of encoding a dict per resource; ``"%.4f" % x`` reads back as
    # ``round(x, 4)``, at a third of the cost of ``repr(round(x, 4))``. The
    # score goes the same way, as the text of its Decimal.
    templates: dict[tuple[float, ...], str] = {}
    per_step = []
    for step in plan_steps:
        rows = []
        for ranked in step.resources:
            template = templates.get(ranked.profile_parts)
            if template is None:
                profile = "".join(
                    f'"{name}": {round(value, 4)!r}, '
                    for name, value in zip(
                        SCORE_PARTS[:-3], ranked.profile_parts, strict=True
                    )
                )
                template = templates[ranked.profile_parts] = (
                    f'{{{profile}"duration": %.4f, "quality": %.4f, '
                    '"coverage": %.4f, "variety_penalty": %.4f}'
                )
            pk, title, url = found.get(ranked.resource) or (None, ranked.resource, "")
            rows.append(
                {
                    "position": ranked.rank,
                    "resource_id": pk,
                    "resource_slug": ranked.resource,
                    "title": title[:255],
                    "url": url or "",
                    "score": f"{ranked.total:.4f}",
                    "score_parts": JSONText(
                        template
                        % (
                            ranked.duration,
                            ranked.quality,
                            ranked.coverage,
                            ranked.variety_penalty,
                        )
                    ),
                    "language_fallback": LANGUAGE_FALLBACK in ranked.flags,
                }
            )
        per_step.append(rows)
    return per_step
