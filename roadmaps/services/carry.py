"""What a new version keeps from the one it replaces, and the diff between them.

Pure functions: the old version comes as model instances, the new one as
unsaved rows (``{attname: value}``, see ``rows.py``) that the store inserts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models import DONE_STATES, RoadmapStep, RoadmapVersion, StepResource, StepState

Row = dict[str, Any]

#: The learner's own fields on a step, copied to the step's next version.
LEARNER_FIELDS = (
    "state",
    "pinned",
    "notes",
    "started_at",
    "completed_at",
    "skipped_at",
    "mastery_passed_at",
    "mastery_note",
)
#: The plan's fields on a step, copied when a step is kept without a plan.
PLAN_FIELDS = (
    "topic_id",
    "topic_slug",
    "title",
    "summary",
    "objectives",
    "mastery_kind",
    "mastery_description",
    "hours",
    "start_date",
    "end_date",
    "first_week",
    "last_week",
    "recommended",
    "no_resource",
    "no_resource_reason",
    "chosen_from",
    "choice_reason",
    "choice_note",
)
RESOURCE_FIELDS = (
    "resource_id",
    "resource_slug",
    "title",
    "url",
    "score",
    "score_parts",
    "language_fallback",
    "pinned",
)


@dataclass
class Carried:
    """The new version's step rows in order, and each step's resource rows."""

    steps: list[Row]
    resources: list[list[Row]]


def _kept_without_plan(step: RoadmapStep) -> bool:
    """A step the learner has made theirs: it survives a re-plan that drops it."""
    return (
        step.state in DONE_STATES
        or step.pinned
        or bool(step.notes)
        or step.mastery_passed_at is not None
    )


def _copy_step(old: RoadmapStep) -> Row:
    step = {name: getattr(old, name) for name in (*PLAN_FIELDS, *LEARNER_FIELDS)}
    step["carried"] = True
    return step


def _copy_resource(old: StepResource) -> Row:
    return {name: getattr(old, name) for name in RESOURCE_FIELDS}


def carry_over(
    *,
    planned: Sequence[Row],
    planned_resources: Sequence[Sequence[Row]],
    old_steps: Sequence[RoadmapStep],
) -> Carried:
    """The new version's steps: first the old steps the plan no longer has
    but the learner made theirs (done, pinned, noted or with a passed
    mastery check), in their old order; then the planned steps, each with
    the learner's fields of its old step and the old step's pinned resources
    ahead of the newly ranked ones. Positions are renumbered from 1."""
    old_by_topic = {s.topic_slug: s for s in old_steps}
    planned_topics = {s["topic_slug"] for s in planned}
    steps: list[Row] = []
    resources: list[list[Row]] = []
    for old in old_steps:
        if old.topic_slug not in planned_topics and _kept_without_plan(old):
            steps.append(_copy_step(old))
            resources.append([_copy_resource(r) for r in old.resources.all()])
    for step, ranked in zip(planned, planned_resources, strict=True):
        old = old_by_topic.get(step["topic_slug"])
        if old is not None:
            step.update({name: getattr(old, name) for name in LEARNER_FIELDS})
            ranked = _pinned_first(old.resources.all(), ranked)
        steps.append(step)
        resources.append(list(ranked))
    for position, (step, rows) in enumerate(zip(steps, resources, strict=True), 1):
        step["position"] = position
        for rank, row in enumerate(rows, 1):
            row["position"] = rank
    return Carried(steps=steps, resources=resources)


def _pinned_first(old: Sequence[StepResource], ranked: Sequence[Row]) -> list[Row]:
    pinned = [r for r in old if r.pinned]
    slugs = {r.resource_slug for r in pinned}
    return [_copy_resource(r) for r in pinned] + [
        r for r in ranked if r["resource_slug"] not in slugs
    ]


def first_available_activate(steps: Sequence[Row]) -> None:
    """Make the first step the learner can take active, unless one already is."""
    if any(s["state"] == StepState.ACTIVE for s in steps):
        return
    done = {s["topic_slug"] for s in steps if s["state"] in DONE_STATES}
    for step in steps:
        if step["state"] == StepState.LOCKED and set(step["requires"]) <= done:
            step["state"] = StepState.ACTIVE.value
            return


def version_diff(
    *,
    old: RoadmapVersion,
    old_steps: Sequence[RoadmapStep],
    new: RoadmapVersion,
    new_steps: Carried,
) -> dict:
    """What changed from ``old`` to ``new``: steps added, removed, kept (same
    position) and moved (old and new position), resources swapped per step
    present in both, hours and end date before and after."""
    before = {s.topic_slug: s for s in old_steps}
    after = {s["topic_slug"]: s for s in new_steps.steps}
    resources_after = {
        s["topic_slug"]: rows
        for s, rows in zip(new_steps.steps, new_steps.resources, strict=True)
    }
    diff: dict = {
        "from_version": old.number,
        "to_version": new.number,
        "added": [],
        "removed": [],
        "kept": [],
        "moved": [],
        "resources": [],
        "total_hours": {
            "before": float(old.total_hours),
            "after": float(new.total_hours),
        },
        "end_date": {
            "before": old.end_date.isoformat(),
            "after": new.end_date.isoformat(),
        },
    }
    for slug, step in after.items():
        if slug not in before:
            diff["added"].append(
                {"topic": slug, "title": step["title"], "position": step["position"]}
            )
    for slug, step in before.items():
        if slug not in after:
            diff["removed"].append(
                {"topic": slug, "title": step.title, "position": step.position}
            )
            continue
        moved_to = after[slug]["position"]
        if moved_to == step.position:
            diff["kept"].append({"topic": slug, "position": moved_to})
        else:
            diff["moved"].append({"topic": slug, "from": step.position, "to": moved_to})
        was = [r.resource_slug for r in step.resources.all()]
        now = [r["resource_slug"] for r in resources_after[slug]]
        if set(was) != set(now):
            diff["resources"].append(
                {
                    "topic": slug,
                    "added": [r for r in now if r not in was],
                    "removed": [r for r in was if r not in now],
                }
            )
    return diff
