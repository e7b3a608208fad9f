"""Deterministic English texts for questions and steps, and the optional Phraser.

The core always writes its own wording. A :class:`Phraser` (an LLM adapter
outside the core) may rephrase the texts afterwards through
:func:`apply_phraser`; it sees only texts and can never change structure
(which questions, which steps, in which order, with which resources). Any
failure or invalid output falls back to the deterministic text, item by item.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from .types import Plan, PlanStep, Question, TopicNode

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


def step_summary(step: PlanStep) -> str:
    """``"Functions, about 5 hours in week 3. You will ...; ... Mastery check: ..."``."""
    if step.week_start == step.week_end:
        when = f"week {step.week_start}"
    else:
        when = f"weeks {step.week_start}-{step.week_end}"
    parts = [f"{step.name}, about {hours_text(step.hours)} in {when}."]
    objectives = [_clause(o) for o in step.objectives if o.strip()]
    if objectives:
        parts.append(f"You will {'; '.join(objectives[:SUMMARY_OBJECTIVES])}.")
    if step.mastery_description.strip():
        kind = str(step.mastery_kind).replace("_", " ")
        parts.append(f"Mastery check ({kind}): {_clause(step.mastery_description)}.")
    return " ".join(parts)


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
