"""The roadmap pages' view models: path nodes with their state in words,
resource rows with "why this resource", the schedule line, and a version's
changes in titles. Pure functions of what the selectors read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf.locale import LANG_INFO

from sources.selectors import Suggestion
from wayfinder.errors import NotFound

from ..export import step_suggestions
from ..forms import StepNotesForm
from ..models import Roadmap, RoadmapStep, RoadmapVersion, StepResource, StepState
from ..schedule import AHEAD, BEHIND, FINISHED, ON_TRACK, ScheduleStatus
from ..selectors import (
    RoadmapPath,
    StepsRead,
    version_cache_key,
    version_resource_titles,
)

WHY = {
    "language": "in your language",
    "level": "at your level",
    "format": "a format you like",
    "cost": "fits your budget",
    "duration": "fits the time this step has",
    "quality": "rated well by learners and curators",
    "coverage": "covers the whole topic",
}
WHY_THRESHOLD = 0.75
STATE_LABELS = {
    "blocked": "Locked",
    "ready": "Ready to start",
    StepState.ACTIVE: "In progress",
    StepState.COMPLETED: "Completed",
    StepState.SKIPPED: "Skipped",
}
STATUS_LABELS = {ON_TRACK: "On track", AHEAD: "Ahead", FINISHED: "Finished"}


@dataclass(frozen=True)
class PathNode:
    step: RoadmapStep
    state: str
    label: str
    waiting_for: list[RoadmapStep]


@dataclass(frozen=True)
class ResourceRow:
    row: StepResource
    why: str
    duration: str
    language: str
    vote: bool | None


def path_nodes(read: StepsRead) -> list[PathNode]:
    nodes = []
    for step in read.steps:
        waiting = read.blocked_by(step)
        state = step.state
        if state == StepState.LOCKED:
            state = "blocked" if waiting else "ready"
        elif state == StepState.ACTIVE and step.started_at is None:
            # A new roadmap's first step is active before the learner has
            # begun it: it reads "Ready to start" until they do.
            state = "ready"
        nodes.append(PathNode(step, state, STATE_LABELS[state], waiting))
    return nodes


def _started(step: RoadmapStep | None) -> bool:
    """Whether the learner has begun ``step`` ("Continue" rather than
    "Start next step")."""
    return bool(step and step.state == StepState.ACTIVE and step.started_at is not None)


def _why(parts: dict) -> str:
    best = sorted(
        (value, name) for name, value in parts.items() if name in WHY and value
    )[::-1]
    reasons = [WHY[name] for value, name in best if value >= WHY_THRESHOLD][:3]
    return "Chosen because it is " + ", ".join(reasons) + "." if reasons else ""


def _duration(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    return " ".join(
        p for p in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if p
    )


def _language(code: str | None) -> str:
    return LANG_INFO.get(code or "", {}).get("name", code or "")


def _resources(rows: list[StepResource], votes: dict[int, bool]) -> list[ResourceRow]:
    return [
        ResourceRow(
            row=row,
            why=_why(row.score_parts),
            duration=_duration(row.resource.duration_minutes if row.resource else None),
            language=_language(row.resource.language if row.resource else None),
            vote=votes.get(row.resource_id),
        )
        for row in rows
    ]


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def schedule_line(status: ScheduleStatus) -> str:
    if status.status == BEHIND:
        return f"Behind by {_hours(-status.hours_delta)} hours"
    if status.status == AHEAD:
        return f"Ahead by {_hours(status.hours_delta)} hours"
    return STATUS_LABELS[status.status]


def path_key(path: RoadmapPath, nodes: list[PathNode], step_id: int | None) -> str:
    """Everything the path's HTML shows that can change, for its cached
    fragment (``roadmaps/partials/_path.html``): the version (its plan never
    changes once stored), the catalog (choice groups' names), the open step,
    and each step's state, pin and the steps it waits for."""
    shown = [
        (n.step.pk, n.state, n.step.pinned, [w.pk for w in n.waiting_for])
        for n in nodes
    ]
    digest = hashlib.sha256(repr((step_id, shown)).encode()).hexdigest()
    version_key = version_cache_key(
        version=path.roadmap.current,
        catalog_version=path.roadmap.catalog_version_now,
        prefix="roadmap-path",
    )
    return f"{version_key}:{digest}"


def page_context(path: RoadmapPath, step_id: int | None = None) -> dict[str, Any]:
    nodes = path_nodes(path.read)
    open_node = next((n for n in nodes if n.step.pk == step_id), None)
    if step_id is not None and open_node is None:
        raise NotFound("No such step in this roadmap.")
    return {
        "roadmap": path.roadmap,
        "version": path.roadmap.current,
        "notices": version_notices(path.roadmap.current),
        "schedule": path.schedule,
        "schedule_line": schedule_line(path.schedule),
        "nodes": nodes,
        "path_key": path_key(path, nodes, open_node.step.pk if open_node else None),
        "next_step": path.read.next_step,
        "next_started": _started(path.read.next_step),
        "node": open_node,
        "resources": _resources(path.resources, path.read.votes) if open_node else [],
        "suggestions": step_suggestions_for_panel(path, open_node),
        "notes_form": StepNotesForm(initial={"notes": open_node.step.notes})
        if open_node
        else None,
    }


def step_suggestions_for_panel(
    path: RoadmapPath, node: PathNode | None
) -> list[Suggestion]:
    """The open step's unreviewed suggestions (docs/sources.md "What learners
    see"): only for a step without curated resources; one query then, none
    otherwise."""
    if node is None:
        return []
    found = step_suggestions(roadmap=path.roadmap, steps=[node.step])
    return found.get(node.step.pk, [])


@dataclass(frozen=True)
class ResourceSwap:
    step: str
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class Changes:
    """A version's diff against the one it replaced, in titles and words."""

    number: int
    previous: int
    added: list[dict]
    removed: list[dict]
    moved: list[dict]
    resources: list[ResourceSwap]
    hours_before: str
    hours_after: str
    end_before: date
    end_after: date

    @property
    def steps_unchanged(self) -> bool:
        return not (self.added or self.removed or self.moved)


def version_changes(
    roadmap: Roadmap, version: RoadmapVersion, read: StepsRead
) -> Changes | None:
    """What changed in ``version`` (whose steps ``read`` holds): None for a
    first version. The titles of the resources swapped in and of those
    swapped out cost a query each (none when no resource was swapped)."""
    diff = version.diff
    if not diff:
        return None
    titles = {s.topic_slug: s.title for s in read.steps}
    kept_titles = version_resource_titles(
        roadmap=roadmap,
        number=version.number,
        slugs=(slug for swap in diff["resources"] for slug in swap["added"]),
    )
    gone = version_resource_titles(
        roadmap=roadmap,
        number=diff["from_version"],
        slugs=(slug for swap in diff["resources"] for slug in swap["removed"]),
    )
    return Changes(
        number=diff["to_version"],
        previous=diff["from_version"],
        added=diff["added"],
        removed=diff["removed"],
        moved=[
            {**m, "title": titles.get(m["topic"], m["topic"])} for m in diff["moved"]
        ],
        resources=[
            ResourceSwap(
                step=titles.get(swap["topic"], swap["topic"]),
                added=[kept_titles.get(r, r) for r in swap["added"]],
                removed=[gone.get(r, r) for r in swap["removed"]],
            )
            for swap in diff["resources"]
        ],
        hours_before=_hours(Decimal(str(diff["total_hours"]["before"]))),
        hours_after=_hours(Decimal(str(diff["total_hours"]["after"]))),
        end_before=date.fromisoformat(diff["end_date"]["before"]),
        end_after=date.fromisoformat(diff["end_date"]["after"]),
    )


#: Each kind of a version's notice (``roadmaps.services.roadmap_notices``):
#: its heading, in the order the section shows them.
NOTICE_TITLES = {
    "deadline_cut": "Your deadline",
    "no_resource": "Steps without a resource yet",
    "known_removed": "Left out because you know them",
    "dropped_recommended": "Left out to fit your deadline",
    "language_fallback": "Resources in other languages",
    "cost_fallback": "Paid resources",
    "assumption": "What we assumed",
    "repair": "Adjusted to keep the order sound",
}


@dataclass(frozen=True)
class NoticeGroup:
    """The notices of one kind: a heading, their sentences, and (for topics
    left out as known) each topic's own reason."""

    kind: str
    title: str
    messages: list[str]
    details: list[str]


def version_notices(version: RoadmapVersion) -> list[NoticeGroup]:
    """``version.notices`` grouped by kind under readable headings, the
    deadline first; notices of a kind this page does not know yet are shown
    under "Also" rather than dropped."""
    groups: dict[str, NoticeGroup] = {}
    for notice in version.notices or []:
        kind = notice.get("kind", "")
        message = str(notice.get("message") or "").strip()
        if not message:
            continue
        group = groups.setdefault(
            kind, NoticeGroup(kind, NOTICE_TITLES.get(kind, "Also"), [], [])
        )
        group.messages.append(message)
        group.details.extend(
            str(t["note"])
            for t in notice.get("topics") or []
            if isinstance(t, dict) and t.get("note")
        )
    order = list(NOTICE_TITLES)
    return sorted(
        groups.values(),
        key=lambda g: order.index(g.kind) if g.kind in order else len(order),
    )
