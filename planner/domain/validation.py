"""Stage 5: the plan's invariants, repaired where a rule allows, else refused.

Only broken structure refuses a plan; a gap in the catalog never does.

Rules (the ``rule`` of a Repair or a PlanValidationError):

- ``unknown-topic``: every step's topic exists in the snapshot (refused).
- ``duplicate-topic``: no topic twice (repaired: the first step stays).
- ``known-topic``: no step teaches a known topic (repaired: the step goes).
- ``broken-resource``: no attached resource has a broken primary link or is
  missing from the snapshot (repaired: the resource goes).
- ``step-content``: a step has objectives and a mastery check (the catalog's
  models require both, so only data written around them breaks this). A
  recommended step that breaks it is dropped with the steps that require it;
  any other is refused.
- ``missing-prerequisite``: every required prerequisite of a step is in the
  plan or known (refused).
- ``prerequisite-order``: prerequisites come before dependents (repaired:
  steps put back in the planner's teaching order).
- ``time-budget``: the steps' hours add up to the total, the schedule is the
  sweep of those hours, and a plan over its deadline budget carries a
  shortfall while one within it carries none (repaired: recomputed).

Not rules: a step without resources stays, marked with ``no_resource`` and
its reason (set here when a repair emptied it), and each step's
``fits_deadline`` says whether it ends by the deadline (the cut).
"""

from __future__ import annotations

import dataclasses
from itertools import chain
from operator import attrgetter, is_, itemgetter

from .choices import prerequisite_slugs
from .planning import schedule, shortfall, teaching_order
from .types import (
    Assessment,
    CatalogGraph,
    NoResource,
    Plan,
    PlanStep,
    PlanValidationError,
    PrerequisiteKind,
    Repair,
    StepKind,
    TopicNode,
)
from .wording import no_resource_reason


def validate(
    plan: Plan, graph: CatalogGraph, assessment: Assessment, *, fresh: bool = False
) -> tuple[Plan, tuple[Repair, ...]]:
    """Check every rule; return the (possibly repaired) plan and the repairs made.

    Steps without resources are kept and marked; each step's ``fits_deadline``
    is set. Raises PlanValidationError(rule, step, message) for broken
    structure no rule may repair, with a message saying what the learner can do.

    ``fresh`` says ``plan`` comes straight from ``planning.plan`` and
    ``ranking.rank`` (the pipeline): its positions, hours, schedule and
    shortfall are then the sweep's by construction (the property tests hold
    the pipeline's output to them) and are re-swept only when another rule
    removed or moved a step. Any other plan is swept in full.
    """
    repairs: list[Repair] = []
    steps = _screen(plan.steps, graph, assessment.known, repairs)
    steps, dropped = _drop_incomplete(steps, graph, repairs)
    steps = _mark_gaps(steps, assessment.profile.age_range)
    steps = _order(steps, graph, assessment.known | set(plan.known), repairs, plan)
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
    if not (fresh and _unchanged(steps, plan.steps)):
        plan = _retime(plan, steps, graph, assessment, repairs)
    return mark_cut(plan), tuple(repairs)


def _unchanged(steps: list[PlanStep], before: tuple[PlanStep, ...]) -> bool:
    return len(steps) == len(before) and all(
        a is b for a, b in zip(steps, before, strict=True)
    )


def _screen(
    steps: tuple[PlanStep, ...],
    graph: CatalogGraph,
    known: frozenset[str],
    repairs: list[Repair],
) -> list[PlanStep]:
    """One pass: unknown topics, duplicates, known topics, broken resources."""
    topics, offerable = graph.topics, graph.offerable
    if _screens_pass(steps, graph, known):
        return list(steps)
    seen: set[str] = set()
    kept = []
    for step in steps:
        topic = step.node.slug  # not the property: this loop runs per step
        if topic not in topics:
            raise PlanValidationError(
                "unknown-topic", topic, "not in the catalog any more: plan again"
            )
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


_SLUG = attrgetter("node.slug")
_NODE = attrgetter("node")
_RESOURCES = attrgetter("resources")
_RESOURCE = itemgetter(0)  # RankedResource.resource


def _screens_pass(
    steps: tuple[PlanStep, ...], graph: CatalogGraph, known: frozenset[str]
) -> bool:
    """Whether no step breaks a rule :func:`_screen` repairs or refuses: the
    usual case, checked a whole set at a time instead of step by step (and
    iterated by ``map``, not a comprehension: a whole-catalog plan has ten
    thousand steps and thirty thousand resources)."""
    slugs = list(map(_SLUG, steps))
    unique = set(slugs)
    return (
        len(unique) == len(slugs)
        and graph.topics.keys() >= unique
        and known.isdisjoint(unique)
        and graph.offerable.issuperset(
            map(_RESOURCE, chain.from_iterable(map(_RESOURCES, steps)))
        )
    )


def _without_broken(step: PlanStep, offerable: frozenset[str]) -> PlanStep:
    good = [r for r in step.resources if r.resource in offerable]
    renumbered = tuple(r._replace(rank=i) for i, r in enumerate(good, 1))
    return dataclasses.replace(step, resources=renumbered)


def _complete(node: TopicNode) -> bool:
    return bool(
        node.mastery_kind
        and node.mastery_description.strip()
        and "".join(node.objectives).strip()
    )


def _complete_topics(graph: CatalogGraph) -> frozenset[str]:
    """The snapshot's topics with objectives and a mastery check: once per
    snapshot (the catalog's models require both, so this is nearly all)."""
    found = graph.memo.get(("complete topics",))
    if found is None:
        found = graph.memo[("complete topics",)] = frozenset(
            slug for slug, node in graph.topics.items() if _complete(node)
        )
    return found


def _all_complete(steps: list[PlanStep], graph: CatalogGraph) -> bool:
    """Whether every step teaches one of the snapshot's own complete topics
    (its very node, not an older one of the same slug): the usual case,
    checked at C speed; any other step is looked at one by one."""
    slugs = list(map(_SLUG, steps))
    return _complete_topics(graph).issuperset(slugs) and all(
        map(is_, map(_NODE, steps), map(graph.topics.__getitem__, slugs))
    )


def _missing_content(step: PlanStep) -> str:
    if not "".join(step.objectives).strip():
        return "no learning objectives"
    return "no mastery check"


def _drop_incomplete(
    steps: list[PlanStep], graph: CatalogGraph, repairs: list[Repair]
) -> tuple[list[PlanStep], list[str]]:
    """Drop recommended steps without content, and their dependents; refuse
    other steps without content (the catalog must be fixed first)."""
    if _all_complete(steps, graph):
        return steps, []
    empty = [s for s in steps if not _complete(s.node)]
    if not empty:
        return steps, []
    kinds = {s.topic: s.kind for s in steps}
    gone: set[str] = set()
    fix = (
        "the catalog must give this topic objectives and a mastery check before "
        "it can be planned: choose another goal, or try again later"
    )
    for step in empty:
        if step.topic in gone:
            continue
        message = _missing_content(step)
        if step.kind != StepKind.RECOMMENDED:
            raise PlanValidationError("step-content", step.topic, f"{message}: {fix}")
        group = _dependents_in_plan(step.topic, kinds, graph)
        stuck = sorted(t for t in group if kinds[t] != StepKind.RECOMMENDED)
        if stuck:
            raise PlanValidationError(
                "step-content",
                step.topic,
                f"{message}, and {', '.join(stuck)} require it: {fix}",
            )
        repairs.append(
            Repair("step-content", step.topic, f"{message}: recommended step dropped")
        )
        for slug in sorted(group - {step.topic}, key=graph.topo_rank.__getitem__):
            repairs.append(Repair("step-content", slug, f"dropped with {step.topic}"))
        gone |= group
    return [s for s in steps if s.topic not in gone], sorted(gone)


def _mark_gaps(steps: list[PlanStep], age_range: str | None) -> list[PlanStep]:
    """A step without resources keeps its place, marked with why; a step with
    resources carries no such mark. A step a repair emptied had only broken
    or unknown resources."""
    out = []
    for step in steps:
        if step.resources and step.no_resource:
            step = dataclasses.replace(step, no_resource="", no_resource_reason="")
        elif not step.resources and not step.no_resource:
            code = NoResource.BROKEN
            step = dataclasses.replace(
                step,
                no_resource=code,
                no_resource_reason=no_resource_reason(code, age_range),
            )
        out.append(step)
    return out


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
    plan: Plan,
) -> list[PlanStep]:
    """Refuse a missing required prerequisite; if one comes late, put the steps
    back in the planner's teaching order (``planning.teaching_order``)."""
    if _in_prerequisite_order(steps, graph, known):
        return steps
    position = {s.node.slug: i for i, s in enumerate(steps)}
    late = None
    requires = graph.requires
    for i, step in enumerate(steps):
        for req, kind in requires.get(step.node.slug, ()):
            at = position.get(req)
            if at is None:
                if kind == PrerequisiteKind.REQUIRED and req not in known:
                    raise PlanValidationError(
                        "missing-prerequisite",
                        step.topic,
                        f"requires {req}, which is neither planned nor marked "
                        f"known: plan again, or mark {req} as known",
                    )
            elif at > i and late is None:
                late = (step.topic, req)
    if late is None:
        return steps
    repairs.append(Repair("prerequisite-order", late[0], f"moved after {late[1]}"))
    by_topic = {s.topic: s for s in steps}
    order = teaching_order(graph, by_topic, plan.targets, plan.subject, plan.track)
    return [by_topic[t] for t in order]


def _in_prerequisite_order(
    steps: list[PlanStep], graph: CatalogGraph, known: set[str] | frozenset[str]
) -> bool:
    """Whether every prerequisite of every step (both kinds) is known or an
    earlier step, and no step is known: then :func:`_order` has nothing to
    refuse or repair. The usual case, one set check a step."""
    before = prerequisite_slugs(graph)
    slugs = list(map(_SLUG, steps))
    if not known.isdisjoint(slugs):
        return False
    seen = set(known)
    covered, add, needs = seen.issuperset, seen.add, before.get
    for slug in slugs:
        reqs = needs(slug)
        if reqs is not None and not covered(reqs):
            return False
        add(slug)
    return True


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
        if _unchanged(new_steps, plan.steps):
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


def mark_cut(plan: Plan) -> Plan:
    """Set each step's ``fits_deadline``: whether it ends on or before the
    deadline (None without one). The plan itself when already marked."""
    deadline = plan.deadline
    fits = [None if deadline is None else s.end_date <= deadline for s in plan.steps]
    if all(s.fits_deadline is f for s, f in zip(plan.steps, fits, strict=True)):
        return plan
    return dataclasses.replace(
        plan,
        steps=tuple(
            s if s.fits_deadline is f else dataclasses.replace(s, fits_deadline=f)
            for s, f in zip(plan.steps, fits, strict=True)
        ),
    )
