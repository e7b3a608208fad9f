"""Deterministic English texts for questions and steps, and the optional Phraser.

The core always writes its own wording. A :class:`Phraser` (an LLM adapter
outside the core) may rephrase the texts afterwards through
:func:`apply_phraser`; it sees only texts and can never change structure
(which questions, which steps, in which order, with which resources). Any
failure or invalid output falls back to the deterministic text, item by item.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from .types import (
    AgeRange,
    CatalogGraph,
    NoResource,
    Plan,
    PlanStep,
    Question,
    RemovalReason,
    TopicNode,
)

PHRASE_MAX_CHARS = 400
SUMMARY_OBJECTIVES = 3


def lower_first(text: str) -> str:
    """``"Define a function"`` -> ``"define a function"``; acronyms stay (``"SQL"``)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _clause(text: str) -> str:
    return lower_first(text.strip().rstrip(".!?;:").strip())


def hours_text(hours: float) -> str:
    return "1 hour" if hours == 1 else f"{hours:g} hours"


def placement_question(topic: TopicNode) -> str:
    """ "Can you already <first objective>?", or "Do you already know <name>?"."""
    objectives = [o for o in topic.objectives if o.strip()]
    if objectives:
        return f"Can you already {_clause(objectives[0])}?"
    return f"Do you already know {topic.name}?"


def placement_reason(topic: TopicNode, needs: int, hours: float) -> str:
    """Why a placement question is asked: the hours of the plan it decides."""
    basis = ""
    if needs:
        basis = " and the topic" if needs == 1 else f" and the {needs} topics"
        basis += " it needs"
    return (
        f"placement: this decides whether your plan includes {topic.name}{basis}, "
        f"about {hours_text(hours)}"
    )


def removed_note(
    reason: str,
    topic: TopicNode,
    via: TopicNode | None,
    level: str,
    via_reason: str | None = None,
) -> str:
    """Why a known topic is left out of the plan, in one sentence."""
    if reason == RemovalReason.KNOWN:
        return f"You said you know {topic.name}."
    if reason == RemovalReason.PLACEMENT:
        return f"You confirmed you know {topic.name}."
    if reason == RemovalReason.LEVEL:
        if via is None:
            return f"Placed as {level}: {topic.name} is {_a(topic.level)} topic."
        return (
            f"Placed as {level}: {via.name} is {_a(via.level)} topic, "
            f"which needs {topic.name}."
        )
    if reason == RemovalReason.UNNEEDED:
        if via is None:
            return f"Only topics you know lead to {topic.name}."
        return f"{topic.name} is only there for {via.name}, which you know."
    if via is None:
        return f"You know topics that need {topic.name}."
    said = "confirmed" if via_reason == RemovalReason.PLACEMENT else "said"
    return f"You {said} you know {via.name}, which needs {topic.name}."


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def removed_notice(plan: Plan) -> str:
    """One sentence on what the plan leaves out as known; "" when nothing."""
    if not plan.removed:
        return ""
    count = dict.fromkeys(RemovalReason, 0)
    for item in plan.removed:
        count[item.reason] += 1
    hours = sum(item.hours for item in plan.removed)
    parts = []
    stated = count[RemovalReason.KNOWN] + count[RemovalReason.PLACEMENT]
    if stated:
        parts.append(f"{stated} you told us you know")
    if count[RemovalReason.IMPLIED]:
        parts.append(f"{count[RemovalReason.IMPLIED]} that those need")
    if count[RemovalReason.LEVEL]:
        parts.append(f"{count[RemovalReason.LEVEL]} below your level")
    if count[RemovalReason.UNNEEDED]:
        parts.append(f"{count[RemovalReason.UNNEEDED]} only those lead to")
    total = len(plan.removed)
    return (
        f"Left out {total} topic{'s' if total > 1 else ''} because of what you "
        f"already know (about {hours_text(hours)}): {', '.join(parts)}. "
        "Each one says why; mark a step as known to leave out more."
    )


def goal_question() -> str:
    return "Which of these is closest to what you want to learn?"


def deadline_question(
    hours_needed: float, hours_available: float, deadline: date
) -> str:
    return (
        f"This roadmap needs about {hours_text(hours_needed)}, but only "
        f"{hours_text(hours_available)} fit before {deadline.isoformat()}. "
        "What would you like to do?"
    )


def step_summary(step: PlanStep, tail: str | None = None) -> str:
    """``"Functions, about 5 hours in week 3. You will ...; ... Mastery check: ..."``.

    ``tail`` is :func:`summary_tail` of the step's topic when the caller
    already has it (:func:`step_summaries`)."""
    if step.week_start == step.week_end:
        when = f"week {step.week_start}"
    else:
        when = f"weeks {step.week_start}-{step.week_end}"
    head = f"{step.name}, about {hours_text(step.hours)} in {when}."
    return head + (summary_tail(step.node) if tail is None else tail)


def summary_tail(node: TopicNode) -> str:
    """What a step's summary says of its topic alone, each sentence after a
    space: ``" You will ...; ... Mastery check (kind): ..."``, or ``""``."""
    text = ""
    objectives = [_clause(o) for o in node.objectives if o.strip()]
    if objectives:
        text += f" You will {'; '.join(objectives[:SUMMARY_OBJECTIVES])}."
    if node.mastery_description.strip():
        kind = str(node.mastery_kind).replace("_", " ")
        text += f" Mastery check ({kind}): {_clause(node.mastery_description)}."
    return text


def step_summaries(steps: Iterable[PlanStep], graph: CatalogGraph) -> list[str]:
    """Each step's ``summary`` (the phrased one when a Phraser set it), with
    what it says of the topic (:func:`summary_tail`) kept per snapshot in
    ``graph.memo``: a stored roadmap writes hundreds of summaries, and their
    objectives and mastery check are the same for every learner. A step whose
    node is not the snapshot's own (an older snapshot's) gets its own text."""
    tails = graph.memo.get(("summary tails",))
    if tails is None:
        tails = graph.memo[("summary tails",)] = {}
    topics = graph.topics
    out = []
    for step in steps:
        if step.phrased_summary:
            out.append(step.phrased_summary)
            continue
        node = step.node
        if topics.get(node.slug) is node:
            tail = tails.get(node.slug)
            if tail is None:
                tail = tails[node.slug] = summary_tail(node)
            out.append(step_summary(step, tail))
        else:
            out.append(step_summary(step))
    return out


AGE_WORDS = {AgeRange.CHILD: "ages under 13", AgeRange.TEEN: "ages 13 to 17"}


def no_resource_reason(code: str, age_range: str | None = None) -> str:
    """The sentence a learner reads on a step with no resource yet."""
    if code == NoResource.BROKEN:
        return "Every resource's link is broken"
    if code == NoResource.AGE:
        ages = AGE_WORDS.get(age_range, "your age range")  # type: ignore[call-overload]
        return f"No resource for {ages} yet"
    return "No resource for this topic yet"


def gap_notice(steps: Sequence[PlanStep]) -> str:
    """One sentence naming every step that has no resource yet, with its reason."""
    named = "; ".join(f"{s.name} ({lower_first(s.no_resource_reason)})" for s in steps)
    these = "This step stays" if len(steps) == 1 else "These steps stay"
    return (
        f"No resource yet for {len(steps)} step{'s' if len(steps) > 1 else ''}: "
        f"{named}. {these} in your roadmap with objectives and a mastery check; "
        "resources will follow as the catalog grows."
    )


def positions_text(positions: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3 and 5"``: consecutive positions as ranges."""
    runs: list[list[int]] = []
    for p in positions:
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in runs]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def deadline_cut_notice(plan: Plan) -> str:
    """Where the deadline cuts the plan and the ways to finish everything in time."""
    shortfall = plan.shortfall
    if shortfall is None or plan.deadline is None:
        return ""
    late = [s for s in plan.steps if s.fits_deadline is False]
    fit = [s.position for s in plan.steps if s.fits_deadline]
    late_hours = sum(s.hours for s in late)
    head = (
        f"Steps {positions_text(fit)} fit before {plan.deadline.isoformat()}; "
        if fit
        else f"No step fits before {plan.deadline.isoformat()}; "
    )
    head += (
        f"step{'s' if len(late) > 1 else ''} "
        f"{positions_text([s.position for s in late])} "
        f"({hours_text(late_hours)}) end{'' if len(late) > 1 else 's'} after it."
    )
    options = [
        f"study {hours_text(shortfall.weekly_hours_needed)} a week instead of "
        f"{hours_text(plan.weekly_hours)}",
        f"move the deadline to {shortfall.earliest_feasible_deadline.isoformat()}",
    ]
    options += [
        f"switch to the narrower track \u201c{t.name}\u201d ({hours_text(t.hours)})"
        for t in shortfall.narrower_tracks
    ]
    return f"{head} To finish in time: {', or '.join(options)}."


class Phraser(Protocol):
    """Rephrases texts; implemented outside the core (for instance over an LLM).

    Each method returns one text per item, in order; the adapter owns its time
    budget, retries and schema checks. ``name`` (model and version) is what the
    roadmap records.
    """

    name: str

    def phrase_questions(self, questions: Sequence[Question]) -> Sequence[str]: ...

    def phrase_summaries(self, steps: Sequence[PlanStep]) -> Sequence[str]: ...


def _valid(text: object) -> bool:
    return isinstance(text, str) and 0 < len(text.strip()) <= PHRASE_MAX_CHARS


def _phrased(call, items: Sequence) -> list[str | None]:
    """The phraser's text per item where valid, None where the default stays."""
    if not items:
        return []
    try:
        texts = list(call(items))
    except Exception:  # noqa: BLE001 -- any adapter failure means the default wording
        return [None] * len(items)
    if len(texts) != len(items):
        return [None] * len(items)
    return [t.strip() if _valid(t) else None for t in texts]


def apply_phraser(
    phraser: Phraser | None,
    questions: Sequence[Question] = (),
    plan: Plan | None = None,
) -> tuple[tuple[Question, ...], Plan | None, int]:
    """Rephrase question texts and step summaries.

    Returns the questions, the plan and how many texts kept their default
    wording because the phraser failed or answered something invalid.
    """
    questions = tuple(questions)
    if phraser is None:
        return questions, plan, 0
    texts = _phrased(phraser.phrase_questions, questions)
    fallbacks = texts.count(None)
    questions = tuple(
        q if t is None else dataclasses.replace(q, text=t)
        for q, t in zip(questions, texts, strict=True)
    )
    if plan is None or not plan.steps:
        return questions, plan, fallbacks
    summaries = _phrased(phraser.phrase_summaries, plan.steps)
    fallbacks += summaries.count(None)
    if summaries.count(None) < len(summaries):
        plan = dataclasses.replace(
            plan,
            steps=tuple(
                s if t is None else dataclasses.replace(s, phrased_summary=t)
                for s, t in zip(plan.steps, summaries, strict=True)
            ),
        )
    return questions, plan, fallbacks
