"""Writes of roadmaps: storing a plan the planner produced."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import FilteredRelation, Q

from catalog.models import Resource
from planner.domain import Plan, PlanStep, Repair, StepKind
from taxonomy.enums import LinkKind
from taxonomy.models import Topic, Track

from .models import Roadmap, RoadmapStep, StepResource, StepState

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
    catalog_version: int,
    repairs: Sequence[Repair] = (),
    llm: dict | None = None,
) -> Roadmap:
    """Store a validated plan as the profile owner's roadmap.

    Creates the Roadmap (dates, hours, feasibility, shortfall, notices: the
    language and cost fallbacks, the planner's assumptions, repairs and
    recommended topics dropped for time; ``llm``: which phraser wrote texts),
    its steps in plan order (the first active, the others locked) and each
    step's ranked resources with their score and score parts. A constant
    number of queries for a plan of typical size (bulk inserts; slug lookups
    in chunks of ``LOOKUP_CHUNK``). The planning job that asked for it points
    at the roadmap, not the other way round.
    """
    track = (
        Track.objects.filter(slug=plan.track)
        .order_by()
        .values_list("pk", "name")
        .first()
        if plan.track
        else None
    )
    subject_name = profile.subject.name if profile.subject else plan.subject
    roadmap = Roadmap(
        owner_id=profile.owner_id,
        profile=profile,
        title=(f"{subject_name}: {track[1]}" if track else subject_name)[:200],
        subject_id=profile.subject_id,
        subject_slug=plan.subject,
        subject_name=subject_name,
        track_id=track[0] if track else None,
        catalog_version=catalog_version,
        start_date=plan.start_date,
        end_date=plan.end_date,
        weekly_hours=_decimal(plan.weekly_hours, 1),
        total_hours=_decimal(plan.total_hours, 2),
        feasible=plan.feasible,
        shortfall=plan.shortfall.as_json() if plan.shortfall else None,
        notices=roadmap_notices(plan, repairs),
        llm=dict(llm or {}),
    )
    roadmap.full_clean(exclude=["owner", "profile", "subject", "track"])
    roadmap.save()
    steps = RoadmapStep.objects.bulk_create(_steps(roadmap, plan.steps))
    StepResource.objects.bulk_create(_resources(plan.steps, steps))
    return roadmap


def roadmap_notices(plan: Plan, repairs: Sequence[Repair] = ()) -> list[dict]:
    """What the learner should be told about how the plan was made, in order:
    per-step fallbacks, then assumptions, repairs and dropped topics."""
    notices: list[dict] = []
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


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start : start + LOOKUP_CHUNK]


def _steps(roadmap: Roadmap, plan_steps: Sequence[PlanStep]) -> list[RoadmapStep]:
    slugs = [s.topic for s in plan_steps]
    topic_ids: dict[str, int] = {}
    for chunk in _chunks(slugs):
        topic_ids.update(
            Topic.objects.order_by().filter(slug__in=chunk).values_list("slug", "pk")
        )
    return [
        RoadmapStep(
            roadmap=roadmap,
            position=step.position,
            topic_id=topic_ids.get(step.topic),
            topic_slug=step.topic,
            title=step.name[:200],
            summary=step.summary,
            objectives=list(step.objectives),
            mastery_kind=step.mastery_kind,
            mastery_description=step.mastery_description,
            hours=_decimal(step.hours, 2),
            start_date=step.start_date,
            end_date=step.end_date,
            first_week=step.week_start,
            last_week=step.week_end,
            recommended=step.kind == StepKind.RECOMMENDED,
            state=StepState.ACTIVE if index == 0 else StepState.LOCKED,
        )
        for index, step in enumerate(plan_steps)
    ]


def _resources(
    plan_steps: Sequence[PlanStep], rows: Sequence[RoadmapStep]
) -> list[StepResource]:
    slugs = sorted({r.resource for step in plan_steps for r in step.resources})
    found: dict[str, tuple[int, str, str | None]] = {}
    for chunk in _chunks(slugs):
        primary = FilteredRelation("links", condition=Q(links__kind=LinkKind.PRIMARY))
        found.update(
            (slug, (pk, title, url))
            for slug, pk, title, url in Resource.objects.order_by()
            .annotate(primary_link=primary)
            .filter(slug__in=chunk)
            .values_list("slug", "pk", "title", "primary_link__url")
        )
    out = []
    for step, row in zip(plan_steps, rows, strict=True):
        for ranked in step.resources:
            pk, title, url = found.get(ranked.resource, (None, ranked.resource, ""))
            parts = {k: round(v, 4) for k, v in ranked.score.parts.items()}
            parts["variety_penalty"] = round(ranked.score.variety_penalty, 4)
            out.append(
                StepResource(
                    step=row,
                    position=ranked.rank,
                    resource_id=pk,
                    resource_slug=ranked.resource,
                    title=title[:255],
                    url=url or "",
                    score=_decimal(ranked.score.total, 4),
                    score_parts=parts,
                    language_fallback=LANGUAGE_FALLBACK in ranked.flags,
                )
            )
    return out
