"""Stage 2: what the planner does not know, and the 0-3 questions that reduce it.

The questioning is a replay: starting from the profile, the policy picks the
next question, looks its stable id up in the answers, applies the answer and
picks again, at most three times. So the outcome is a pure function of the
profile and the answers; answers to questions that are no longer on the path
(the profile changed) are ignored.

Policy, in order of priority:

1. goal: the free-text goal fits several tracks about equally (or none well);
2. placement: a learner who is not a beginner and marked nothing as known is
   placed on the longest required prerequisite chain of the targets by
   bisection, ``ceil(log2(L + 1))`` questions for a chain of ``L`` topics;
3. deadline: the required hours do not fit before the deadline.

Skipping, "not sure" and a "yes" below ``KNOWN_CONFIDENCE`` count as not known
(the conservative assumption). Whatever is unresolved after three questions is
assumed conservatively and said in ``Assessment.assumptions``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta

from .planning import (
    known_closure,
    narrower_tracks,
    plan_targets,
    required_closure,
    required_quarters,
    weekly_quarters_needed,
)
from .text import fold, phrase
from .types import (
    Answer,
    AnswerErrors,
    Assessment,
    CatalogGraph,
    Level,
    NormalizedProfile,
    Option,
    Placement,
    PrerequisiteKind,
    Question,
    QuestionKind,
)
from .wording import deadline_question, goal_question, hours_text, placement_question

MAX_QUESTIONS = 3
KNOWN_CONFIDENCE = 0.6
GOAL_MARGIN = 0.15
GOAL_CONFIDENT = 0.5
GOAL_OPTIONS = 3
MAX_WEEKLY_HOURS = 80.0

YES, NO, NOT_SURE = "yes", "no", "not_sure"
PLACEMENT_OPTIONS = (
    Option(YES, "Yes"),
    Option(NO, "No"),
    Option(NOT_SURE, "Not sure"),
)
_YES_NO = {
    **dict.fromkeys(("yes", "y", "true", "si", "oui", "ja", "sim"), YES),
    **dict.fromkeys(("no", "n", "false", "nope", "non", "nein", "nao"), NO),
    **dict.fromkeys(
        ("not sure", "not_sure", "unsure", "maybe", "idk", "dont know", "don t know"),
        NOT_SURE,
    ),
}


@dataclasses.dataclass(slots=True)
class _State:
    """The replay's working state (private and mutable; never leaves this module)."""

    profile: NormalizedProfile
    known: frozenset[str]
    goal_open: bool
    placement_open: bool
    deadline_open: bool
    placement: Placement | None = None
    assumptions: list[str] = dataclasses.field(default_factory=list)


def parse_answers(raw: Mapping[str, object]) -> dict[str, Answer]:
    """Answers as written in an answers file: id -> value, or id -> object.

    A value is an option value (``"yes"``, a track slug, ``"extend"``...),
    ``true``/``false``, or null for a skip; an object has ``value``,
    ``confidence`` (0-1) and ``skipped``. Raises AnswerErrors.
    """
    answers: dict[str, Answer] = {}
    errors: dict[str, list[str]] = {}
    for qid, item in sorted(raw.items()):
        try:
            answers[qid] = _answer(item)
        except ValueError as exc:
            errors[qid] = [str(exc)]
    if errors:
        raise AnswerErrors(errors)
    return answers


def _answer(item: object) -> Answer:
    if item is None:
        return Answer(skipped=True)
    if isinstance(item, bool):
        return Answer(YES if item else NO)
    if isinstance(item, str):
        return Answer(item)
    if not isinstance(item, Mapping) or set(item) - {"value", "confidence", "skipped"}:
        raise ValueError("Expected a value or {value, confidence, skipped}.")
    confidence = item.get("confidence", 1.0)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ValueError("confidence must be a number from 0 to 1.")
    if not 0 <= confidence <= 1:
        raise ValueError("confidence must be from 0 to 1.")
    value = item.get("value")
    if isinstance(value, bool):
        value = YES if value else NO
    if value is not None and not isinstance(value, str):
        raise ValueError("value must be text.")
    skipped = bool(item.get("skipped", False)) or value is None
    return Answer(value, float(confidence), skipped)


def next_questions(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    answers: Mapping[str, Answer] | None = None,
) -> tuple[Question, ...]:
    """The question(s) to ask now: empty when the planner knows enough.

    Each question depends on the previous answer, so this holds at most one.
    """
    return assess(profile, graph, answers).pending


def assess(
    profile: NormalizedProfile,
    graph: CatalogGraph,
    answers: Mapping[str, Answer] | None = None,
    *,
    assume_unanswered: bool = False,
) -> Assessment:
    """Replay the questioning over ``answers`` (question id -> Answer).

    Returns the Assessment: the effective profile, the known topics, the
    placement, the answered questions and the pending one. With
    ``assume_unanswered`` a pending question is treated as skipped, so the
    result is final. Raises AnswerErrors for an answer that fits no option.
    """
    answers = dict(answers or {})
    state = _initial_state(profile, graph)
    asked: list[tuple[Question, Answer]] = []
    pending: tuple[Question, ...] = ()
    while len(asked) < MAX_QUESTIONS:
        question = _next(state, graph, order=len(asked) + 1)
        if question is None:
            break
        answer = answers.get(question.id)
        if answer is None and not assume_unanswered:
            pending = (question,)
            break
        answer = answer or Answer(skipped=True)
        _apply(state, graph, question, answer)
        asked.append((question, answer))
    if not pending:
        _settle(state)
    return Assessment(
        profile=state.profile,
        known=state.known,
        placement=state.placement,
        asked=tuple(asked),
        pending=pending,
        assumptions=tuple(state.assumptions),
    )


def _initial_state(profile: NormalizedProfile, graph: CatalogGraph) -> _State:
    candidates = profile.goal_candidates
    ambiguous = (
        not profile.track_explicit
        and len(candidates) >= 2
        and (
            candidates[1].score >= candidates[0].score - GOAL_MARGIN
            or candidates[0].score < GOAL_CONFIDENT
        )
    )
    return _State(
        profile=profile,
        known=known_closure(graph, profile.known_topics),
        goal_open=ambiguous,
        placement_open=profile.level != Level.BEGINNER and not profile.known_topics,
        deadline_open=profile.deadline is not None,
    )


def _next(state: _State, graph: CatalogGraph, order: int) -> Question | None:
    if state.goal_open:
        return _goal_question(state, graph, order)
    if state.placement_open:
        if state.placement is None:
            chain = placement_chain(
                graph, plan_targets(state.profile, graph), state.known
            )
            state.placement = Placement(chain, 0, len(chain))
        if not state.placement.resolved:
            return _placement_question(state.placement, graph, order)
        state.placement_open = False
    if state.deadline_open:
        question = _deadline_question(state, graph, order)
        if question is not None:
            return question
        state.deadline_open = False
    return None


def placement_chain(
    graph: CatalogGraph, targets: tuple[str, ...], known: frozenset[str]
) -> tuple[str, ...]:
    """The longest required chain below the targets, first prerequisite first.

    Ties go to the chain found first in rank order, so the choice is stable.
    """
    closure = required_closure(graph, targets, known)
    rank, requires = graph.topo_rank, graph.requires
    length: dict[str, int] = {}
    parent: dict[str, str | None] = {}
    for slug in sorted(closure, key=rank.__getitem__):
        best, via = 1, None
        for req, kind in requires.get(slug, ()):
            if (
                kind == PrerequisiteKind.REQUIRED
                and req in length
                and length[req] >= best
            ):
                best, via = length[req] + 1, req
        length[slug], parent[slug] = best, via
    if not length:
        return ()
    node: str | None = max(length, key=length.__getitem__)
    chain = []
    while node is not None:
        chain.append(node)
        node = parent[node]
    return tuple(reversed(chain))


def _goal_question(state: _State, graph: CatalogGraph, order: int) -> Question:
    options = tuple(
        Option(m.track, graph.tracks[m.track].name)
        for m in state.profile.goal_candidates[:GOAL_OPTIONS]
    )
    return Question(
        id=f"goal:{state.profile.subject}",
        kind=QuestionKind.GOAL,
        order=order,
        text=goal_question(),
        reason="goal: your goal matches several tracks about equally well",
        options=options,
    )


def _placement_question(
    placement: Placement, graph: CatalogGraph, order: int
) -> Question:
    middle = (placement.low + placement.high) // 2
    topic = graph.topics[placement.chain[middle]]
    remaining = placement.high - placement.low + 1
    return Question(
        id=f"placement:{topic.slug}",
        kind=QuestionKind.PLACEMENT,
        order=order,
        text=placement_question(topic),
        reason=(
            f"placement: {remaining} possible starting points on the path to "
            f"{graph.topics[placement.chain[-1]].name}; this answer halves them"
        ),
        options=PLACEMENT_OPTIONS,
        topic=topic.slug,
    )


def _deadline_numbers(state: _State, graph: CatalogGraph) -> tuple[int, int, int, int]:
    """(hours needed, budget, days, weekly) in quarter hours, required topics only."""
    profile = state.profile
    days = (profile.deadline - profile.start_date).days + 1
    weekly_q = round(profile.weekly_hours * 4)
    targets = plan_targets(profile, graph)
    needed = required_quarters(graph, targets, state.known, profile.level)
    return needed, weekly_q * days // 7, days, weekly_q


def _deadline_options(state: _State, graph: CatalogGraph) -> tuple[Option, ...]:
    profile = state.profile
    needed, budget, days, weekly_q = _deadline_numbers(state, graph)
    earliest = profile.start_date + timedelta(days=-(-needed * 7 // weekly_q) - 1)
    weekly_needed = weekly_quarters_needed(needed, days) / 4
    options = [Option("extend", f"Move the deadline to {earliest.isoformat()}")]
    if weekly_needed <= MAX_WEEKLY_HOURS:
        options.append(Option("more_hours", f"Study {weekly_needed:g} hours a week"))
    planned = set(required_closure(graph, plan_targets(profile, graph), state.known))
    for track in narrower_tracks(graph, profile, state.known, planned, budget):
        label = f"Aim for {track.name} instead (about {hours_text(track.hours)})"
        options.append(Option(f"narrow:{track.slug}", label))
    options.append(Option("keep", "Keep my deadline and see what does not fit"))
    return tuple(options)


def _deadline_question(
    state: _State, graph: CatalogGraph, order: int
) -> Question | None:
    profile = state.profile
    needed, budget, _, _ = _deadline_numbers(state, graph)
    if needed <= budget:
        return None
    return Question(
        id=f"deadline:{profile.deadline.isoformat()}",
        kind=QuestionKind.DEADLINE,
        order=order,
        text=deadline_question(needed / 4, budget / 4, profile.deadline),
        reason="deadline: the required topics do not fit before the deadline",
        options=_deadline_options(state, graph),
    )


def _choice(question: Question, answer: Answer) -> str | None:
    """The option value an answer picks (None for a skip); raises AnswerErrors."""
    if answer.skipped or answer.value is None:
        return None
    value = answer.value.strip()
    if question.kind == QuestionKind.PLACEMENT:
        value = _YES_NO.get(phrase(value), value)
    for option in question.options:
        if value == option.value or fold(value) == fold(option.label):
            return option.value
    choices = ", ".join(o.value for o in question.options)
    raise AnswerErrors({question.id: [f"{answer.value!r} is not one of: {choices}."]})


def _apply(
    state: _State, graph: CatalogGraph, question: Question, answer: Answer
) -> None:
    choice = _choice(question, answer)
    if question.kind == QuestionKind.GOAL:
        state.goal_open = False
        track = choice or question.options[0].value
        if choice is None:
            state.assumptions.append(
                f"Assumed your goal is the track {graph.tracks[track].name}."
            )
        state.profile = dataclasses.replace(
            state.profile, track=track, track_explicit=True
        )
    elif question.kind == QuestionKind.PLACEMENT:
        placement = state.placement
        middle = (placement.low + placement.high) // 2
        if choice == YES and answer.confidence >= KNOWN_CONFIDENCE:
            state.placement = dataclasses.replace(placement, low=middle + 1)
            state.known = state.known | known_closure(graph, [question.topic])
        else:
            state.placement = dataclasses.replace(placement, high=middle)
    else:
        state.deadline_open = False
        _apply_deadline(state, graph, question, choice)


def _apply_deadline(
    state: _State, graph: CatalogGraph, question: Question, choice: str | None
) -> None:
    labels = {o.value: o.label for o in question.options}
    profile = state.profile
    needed, _, days, weekly_q = _deadline_numbers(state, graph)
    if choice == "extend":
        deadline = profile.start_date + timedelta(days=-(-needed * 7 // weekly_q) - 1)
        state.profile = dataclasses.replace(profile, deadline=deadline)
    elif choice == "more_hours":
        weekly = weekly_quarters_needed(needed, days) / 4
        state.profile = dataclasses.replace(profile, weekly_hours=weekly)
    elif choice is not None and choice.startswith("narrow:"):
        track = choice.removeprefix("narrow:")
        state.profile = dataclasses.replace(
            profile, track=track, track_explicit=True, goal_topics=()
        )
    if choice is None or choice == "keep":
        state.assumptions.append("Kept the deadline: what does not fit is reported.")
    else:
        state.assumptions.append(f"Deadline answer: {labels[choice]}.")


def _settle(state: _State) -> None:
    """Conservative assumptions for what questioning left open."""
    placement = state.placement
    if placement is not None and not placement.resolved:
        first = placement.chain[placement.low]
        state.assumptions.append(
            f"Placement stopped after {MAX_QUESTIONS} questions: assumed you start at "
            f"{first} (the earliest topic still in doubt)."
        )
    elif state.placement_open and placement is None:
        state.assumptions.append("Placement was not asked: assumed nothing is known.")
