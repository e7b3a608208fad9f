"""Stage 5: the plan's invariants, repaired where a rule allows, else refused.

Rules (the ``rule`` of a Repair or a PlanValidationError):

- ``unknown-topic``: every step's topic exists in the snapshot (refused).
- ``duplicate-topic``: no topic twice (repaired: the first step stays).
- ``known-topic``: no step teaches a known topic (repaired: the step goes).
- ``broken-resource``: no attached resource has a broken primary link or is
  missing from the snapshot (repaired: the resource goes).
- ``step-content``: a step has objectives and a mastery check;
  ``step-resources``: a step has at least one resource. A recommended step
  that breaks either is dropped with the steps that require it; any other is
  refused.
- ``missing-prerequisite``: every required prerequisite of a step is in the
  plan or known (refused).
- ``prerequisite-order``: prerequisites come before dependents (repaired:
  steps re-sorted by topo rank).
- ``time-budget``: the steps' hours add up to the total, the schedule is the
  sweep of those hours, and a plan over its deadline budget carries a
  shortfall while one within it carries none (repaired: recomputed).
"""

from __future__ import annotations

import dataclasses

from .planning import schedule, shortfall
from .types import (
    Assessment,
    CatalogGraph,
    Plan,
    PlanStep,
    PlanValidationError,
    PrerequisiteKind,
    Repair,
    StepKind,
    TopicNode,
)


def validate(
    plan: Plan, graph: CatalogGraph, assessment: Assessment
) -> tuple[Plan, tuple[Repair, ...]]:
    """Check every rule; return the (possibly repaired) plan and the repairs made.

    Raises PlanValidationError(rule, step, message) for a violation no rule
    may repair.
    """
    repairs: list[Repair] = []
    steps = _screen(plan.steps, graph, assessment.known, repairs)
    steps, dropped = _drop_empty(steps, graph, repairs)
    steps = _order(steps, graph, assessment.known | set(plan.known), repairs)
    if dropped:
        plan = dataclasses.replace(
            plan,
            dropped_recommended=tuple(
                sorted(
                    set(plan.dropped_recommended) | set(dropped),
                    key=graph.topo_rank.__getitem__,
                )
            ),
        )
    return _retime(plan, steps, graph, assessment, repairs), tuple(repairs)


def _screen(
    steps: tuple[PlanStep, ...],
    graph: CatalogGraph,
    known: frozenset[str],
    repairs: list[Repair],
) -> list[PlanStep]:
    """One pass: unknown topics, duplicates, known topics, broken resources."""
    topics, offerable = graph.topics, graph.offerable
    seen: set[str] = set()
    kept = []
    for step in steps:
        topic = step.topic
        if topic not in topics:
            raise PlanValidationError("unknown-topic", topic, "not in the catalog")
        if topic in seen:
            repairs.append(Repair("duplicate-topic", topic, "second step removed"))
            continue
        seen.add(topic)
        if topic in known:
            repairs.append(Repair("known-topic", topic, "known topic removed"))
            continue
        for ranked in step.resources:
            if ranked.resource not in offerable:
                step = _without_broken(step, offerable)
                repairs.append(
                    Repair(
                        "broken-resource", topic, "broken or unknown resource removed"
                    )
                )
                break
        kept.append(step)
    return kept


def _without_broken(step: PlanStep, offerable: frozenset[str]) -> PlanStep:
    good = [r for r in step.resources if r.resource in offerable]
    renumbered = tuple(dataclasses.replace(r, rank=i) for i, r in enumerate(good, 1))
    return dataclasses.replace(step, resources=renumbered)


def _complete(node: TopicNode) -> bool:
    return bool(
        node.mastery_kind
        and node.mastery_description.strip()
        and "".join(node.objectives).strip()
    )


def _emptiness(step: PlanStep) -> tuple[str, str]:
    if not "".join(step.objectives).strip():
        return "step-content", "no learning objectives"
    if not step.mastery_kind or not step.mastery_description.strip():
        return "step-content", "no mastery check"
    return "step-resources", "no healthy resource"


def _drop_empty(
    steps: list[PlanStep], graph: CatalogGraph, repairs: list[Repair]
) -> tuple[list[PlanStep], list[str]]:
    """Drop empty recommended steps and their dependents; refuse other empty steps."""
    empty = [s for s in steps if not s.resources or not _complete(s.node)]
    if not empty:
        return steps, []
    kinds = {s.topic: s.kind for s in steps}
    gone: set[str] = set()
    for step in empty:
        if step.topic in gone:
            continue
        rule, message = _emptiness(step)
        if step.kind != StepKind.RECOMMENDED:
            raise PlanValidationError(rule, step.topic, message)
        group = _dependents_in_plan(step.topic, kinds, graph)
        stuck = sorted(t for t in group if kinds[t] != StepKind.RECOMMENDED)
        if stuck:
            raise PlanValidationError(
                rule, step.topic, f"{message}, and {', '.join(stuck)} require it"
            )
        repairs.append(Repair(rule, step.topic, f"{message}: recommended step dropped"))
        for slug in sorted(group - {step.topic}, key=graph.topo_rank.__getitem__):
            repairs.append(Repair(rule, slug, f"dropped with {step.topic}"))
        gone |= group
    return [s for s in steps if s.topic not in gone], sorted(gone)


def _dependents_in_plan(topic: str, kinds: dict, graph: CatalogGraph) -> set[str]:
    found = {topic}
    stack = [topic]
    while stack:
        for dep, kind in graph.required_by.get(stack.pop(), ()):
            if kind == PrerequisiteKind.REQUIRED and dep in kinds and dep not in found:
                found.add(dep)
                stack.append(dep)
    return found


def _order(
    steps: list[PlanStep],
    graph: CatalogGraph,
    known: set[str] | frozenset[str],
    repairs: list[Repair],
) -> list[PlanStep]:
    """Refuse a missing required prerequisite; re-sort by rank if one comes late."""
    position = {s.topic: i for i, s in enumerate(steps)}
    late = None
    requires = graph.requires
    for i, step in enumerate(steps):
        for req, kind in requires.get(step.topic, ()):
            at = position.get(req)
            if at is None:
                if kind == PrerequisiteKind.REQUIRED and req not in known:
                    raise PlanValidationError(
                        "missing-prerequisite",
                        step.topic,
                        f"requires {req}, not planned",
                    )
            elif at > i and late is None:
                late = (step.topic, req)
    if late is None:
        return steps
    repairs.append(Repair("prerequisite-order", late[0], f"moved after {late[1]}"))
    return sorted(steps, key=lambda s: graph.topo_rank[s.topic])


def _retime(
    plan: Plan,
    steps: list[PlanStep],
    graph: CatalogGraph,
    assessment: Assessment,
    repairs: list[Repair],
) -> Plan:
    """Positions, hours, schedule and deadline arithmetic, recomputed if stale."""
    new_steps, total_q, retimed = _reschedule(steps, plan)
    end = new_steps[-1].end_date if new_steps else plan.start_date
    budget_q = None if plan.budget_hours is None else round(plan.budget_hours * 4)
    over = budget_q is not None and total_q > budget_q
    stale = (
        retimed
        or total_q / 4 != plan.total_hours
        or end != plan.end_date
        or (plan.shortfall is None) == over
    )
    if not stale:
        if len(new_steps) == len(plan.steps) and all(
            a is b for a, b in zip(new_steps, plan.steps, strict=True)
        ):
            return plan
        return dataclasses.replace(plan, steps=tuple(new_steps))
    repairs.append(Repair("time-budget", None, "hours, schedule and budget recomputed"))
    planned = {s.topic for s in new_steps}
    return dataclasses.replace(
        plan,
        steps=tuple(new_steps),
        total_hours=total_q / 4,
        end_date=end,
        shortfall=shortfall(graph, assessment, planned, total_q) if over else None,
    )


def _reschedule(steps: list[PlanStep], plan: Plan) -> tuple[list[PlanStep], int, bool]:
    """The steps with positions, quarter-hour hours and dates as the sweep gives them.

    Returns them, the total in quarter hours and whether any step changed.
    """
    step_q = [max(1, -(-round(s.hours * 4 * 1000) // 1000)) for s in steps]
    spans = schedule(step_q, plan.start_date, round(plan.weekly_hours * 4))
    out = []
    changed = False
    for i, (step, q, span) in enumerate(zip(steps, step_q, spans, strict=True), 1):
        start, end, week_start, week_end = span
        if (
            step.position != i
            or step.hours * 4 != q
            or step.start_date != start
            or step.end_date != end
            or step.week_start != week_start
            or step.week_end != week_end
        ):
            changed = True
            step = dataclasses.replace(
                step,
                position=i,
                hours=q / 4,
                start_date=start,
                end_date=end,
                week_start=week_start,
                week_end=week_end,
            )
        out.append(step)
    return out, sum(step_q), changed
