"""Stage 2: what the planner does not know, and the 0-3 questions that reduce it.

The questioning is a replay: starting from the profile, the policy picks the
next question, looks its stable id up in the answers, applies the answer and
picks again, at most three times. So the outcome is a pure function of the
profile and the answers; answers to questions that are no longer on the path
(the profile changed) are ignored.

Policy, in order of priority:

1. goal: the free-text goal fits several tracks about equally (or none well);
2. placement: a learner who is not a beginner is first placed past the
   plan's topics below the level (:func:`planning.level_placement`); one who
   also marked nothing as known is then asked about the topic whose answer
   settles the most hours of the plan either way (a bisection by hours over
   the plan's closure, ``ceil(log2(L + 1))`` questions for a chain of ``L``
   topics of equal hours);
3. deadline: the required hours do not fit before the deadline.

Skipping, "not sure" and a "yes" below ``KNOWN_CONFIDENCE`` count as not known
(the conservative assumption). Whatever is unresolved after three questions is
assumed conservatively and said in ``Assessment.assumptions``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta

from . import choices, goals
from .planning import (
    known_closure,
    level_placement,
    narrower_tracks,
    plan_targets,
    quarters_by_topic,
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
from .wording import (
    deadline_question,
    goal_question,
    hours_text,
    placement_question,
    placement_reason,
)

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
    #: Whether the level placement ran (once the goal, hence the targets, is set).
    placed: bool = False
    placed_by_level: frozenset[str] = frozenset()
    #: Choice group slug -> the member answered (None: skipped).
    choice_answers: dict[str, str | None] = dataclasses.field(default_factory=dict)
    #: The last inputs and results of the choice stages, reused while equal.
    choice_memo: dict[str, tuple] = dataclasses.field(default_factory=dict)


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
    base = graph
    while len(asked) < MAX_QUESTIONS:
        graph = _with_choices(state, base)
        question = _next_ranked(state, graph, order=len(asked) + 1)
        if question is None:
            break
        answer = answers.get(question.id)
        if answer is None and not assume_unanswered:
            pending = (question,)
            break
        answer = answer or Answer(skipped=True)
        _apply(state, graph, question, answer)
        asked.append((question, answer))
    graph = _with_choices(state, base)
    if not pending:
        _place_by_level(state, graph)
        _settle(state, graph)
    return Assessment(
        profile=state.profile,
        known=state.known,
        placement=state.placement,
        asked=tuple(asked),
        pending=pending,
        assumptions=tuple(state.assumptions),
        placed_by_level=state.placed_by_level,
    )


def _initial_state(profile: NormalizedProfile, graph: CatalogGraph) -> _State:
    ambiguous = goals.goal_unclear(profile, graph)
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
    _place_by_level(state, graph)
    if state.placement_open:
        if state.placement is None:
            targets = plan_targets(state.profile, graph)
            closure = required_closure(graph, targets, state.known)
            rank = graph.topo_rank.__getitem__
            state.placement = Placement(tuple(sorted(closure, key=rank)))
        if not state.placement.resolved:
            return _placement_question(state, graph, order)
        state.placement_open = False
    if state.deadline_open:
        question = _deadline_question(state, graph, order)
        if question is not None:
            return question
        state.deadline_open = False
    return None


def _place_by_level(state: _State, graph: CatalogGraph) -> None:
    """Once the targets are settled, mark known what the level places the
    learner past (docs/planner.md, "Placement")."""
    if state.placed or state.goal_open:
        return
    state.placed = True
    profile = state.profile
    placed = level_placement(
        graph,
        plan_targets(profile, graph),
        state.known,
        profile.subject,
        profile.level,
    )
    state.placed_by_level = placed
    state.known = state.known | placed


def placement_bisect(
    graph: CatalogGraph, open_topics: tuple[str, ...], level: str, subject: str
) -> tuple[str, int, int] | None:
    """The open topic whose answer settles the most hours either way.

    A "yes" leaves the topic and what it needs out of the plan (its down
    set within ``open_topics``); a "no" keeps it and everything needing it
    (its up set). The topic maximising the smaller of the two hours is asked,
    ties to the larger down set, then to rank order; on a chain of equal
    hours that is the middle, as in a bisection. Only topics of ``subject``
    are asked about while any is open (a Python learner is not quizzed on
    HTML; a "yes" still leaves out what the topic needs from other subjects).
    ``open_topics`` must be in rank order. Returns (topic, quarters a yes
    removes, how many topics it needs), or None when nothing is open. Down
    and up sets are bitsets (Python ints), weighed per distinct hour value
    with ``int.bit_count``.
    """
    if not open_topics:
        return None
    index = {slug: i for i, slug in enumerate(open_topics)}
    topics, requires, required_by = graph.topics, graph.requires, graph.required_by
    hours_q = quarters_by_topic(graph, level)
    masks: dict[int, int] = {}
    down: list[int] = []
    for i, slug in enumerate(open_topics):
        q = hours_q[slug]
        masks[q] = masks.get(q, 0) | 1 << i
        bits = 1 << i
        for req, kind in requires.get(slug, ()):
            j = index.get(req)
            if j is not None and kind == PrerequisiteKind.REQUIRED:
                bits |= down[j]
        down.append(bits)
    up = [0] * len(open_topics)
    for i in range(len(open_topics) - 1, -1, -1):
        bits = 1 << i
        for dep, kind in required_by.get(open_topics[i], ()):
            j = index.get(dep)
            if j is not None and kind == PrerequisiteKind.REQUIRED:
                bits |= up[j]
        up[i] = bits
    weights = tuple(masks.items())

    def weigh(bits: int) -> int:
        return sum(q * (bits & mask).bit_count() for q, mask in weights)

    asked = [i for i, s in enumerate(open_topics) if topics[s].subject == subject]
    best, best_key = 0, (-1, -1)
    for i in asked or range(len(open_topics)):
        yes = weigh(down[i])
        key = (min(yes, weigh(up[i])), yes)
        if key > best_key:
            best, best_key = i, key
    return open_topics[best], best_key[1], down[best].bit_count() - 1


def _up_set(graph: CatalogGraph, topic: str, within: frozenset[str]) -> set[str]:
    """``topic`` and every topic of ``within`` that needs it (required edges)."""
    found = {topic}
    queue = [topic]
    for slug in queue:
        for dep, kind in graph.required_by.get(slug, ()):
            if kind == PrerequisiteKind.REQUIRED and dep in within and dep not in found:
                found.add(dep)
                queue.append(dep)
    return found


def _goal_question(state: _State, graph: CatalogGraph, order: int) -> Question:
    # The options and reason live with the goal matching (goals.py).
    return Question(
        id=f"goal:{state.profile.subject}",
        kind=QuestionKind.GOAL,
        order=order,
        text=goal_question(),
        reason=goals.goal_reason(state.profile, graph),
        options=goals.goal_options(state.profile, graph),
    )


def _placement_question(state: _State, graph: CatalogGraph, order: int) -> Question:
    placement = state.placement
    profile = state.profile
    found = placement_bisect(graph, placement.open, profile.level, profile.subject)
    assert found is not None  # noqa: S101 -- the caller checked it is not resolved
    slug, yes_q, needs = found
    topic = graph.topics[slug]
    return Question(
        id=f"placement:{slug}",
        kind=QuestionKind.PLACEMENT,
        order=order,
        text=placement_question(topic),
        reason=placement_reason(topic, needs, yes_q / 4),
        options=PLACEMENT_OPTIONS,
        topic=slug,
        hours=yes_q / 4,
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
        value = choice or question.options[0].value
        if choice is None:
            state.assumptions.append(goals.goal_answer_label(graph, value))
        state.profile = goals.goal_answer_applied(state.profile, graph, value)
    elif question.kind == QuestionKind.PLACEMENT:
        placement = state.placement
        if choice == YES and answer.confidence >= KNOWN_CONFIDENCE:
            state.known = state.known | known_closure(graph, [question.topic])
            state.placement = Placement(
                tuple(s for s in placement.open if s not in state.known),
                (*placement.confirmed, question.topic),
            )
        else:
            settled = _up_set(graph, question.topic, frozenset(placement.open))
            state.placement = dataclasses.replace(
                placement, open=tuple(s for s in placement.open if s not in settled)
            )
    elif question.kind == QuestionKind.CHOICE:
        _apply_choice(state, graph, question, choice)
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


# -- choice groups (planner.domain.choices decides; these hook it into the replay)
def _with_choices(state: _State, graph: CatalogGraph) -> CatalogGraph:
    """Decide every group the plan meets on the effective profile; return the
    graph whose group edges lead to the chosen members."""
    if not graph.groups:
        return graph
    picked = tuple(c for c in state.profile.choices if c.reason == "picked")
    key = (dataclasses.replace(state.profile, choices=picked), state.choice_answers)
    last = state.choice_memo.get("resolve")
    if last is not None and last[0] == key:
        state.profile = dataclasses.replace(state.profile, choices=last[1])
    else:
        state.profile = choices.with_choices(state.profile, graph, state.choice_answers)
        state.choice_memo["resolve"] = (
            (key[0], dict(state.choice_answers)),
            state.profile.choices,
        )
    return choices.chosen_view(graph, state.profile)


def _next_ranked(state: _State, graph: CatalogGraph, order: int) -> Question | None:
    """The policy's next question, or a choice group's when that one decides
    more hours than the placement question (always before the deadline one,
    whose numbers depend on the choice; never before the goal one)."""
    question = _next(state, graph, order)
    if not graph.groups or (question and question.kind == QuestionKind.GOAL):
        return question
    key = (state.profile, state.known, dict(state.choice_answers))
    last = state.choice_memo.get("question")
    if last is not None and last[0] == key:
        found = last[1]
    else:
        found = choices.choice_question(
            state.profile, graph, state.known, order, state.choice_answers
        )
        state.choice_memo["question"] = (key, found)
    if found is None:
        return question
    choice, stake = found
    if choice.order != order:
        choice = dataclasses.replace(choice, order=order)
    if (
        question is None
        or question.kind != QuestionKind.PLACEMENT
        or stake > (question.hours or 0)
    ):
        return choice
    return question


def _apply_choice(
    state: _State, graph: CatalogGraph, question: Question, choice: str | None
) -> None:
    slug = choices.group_of(question)
    state.choice_answers[slug] = choice
    if choice is None:
        group = graph.groups[slug]
        said = known_closure(graph, state.profile.known_topics)
        assumed = choices.choose(state.profile, graph, group, said)
        names = ", ".join(graph.topics[m].name for m in assumed.members)
        state.assumptions.append(f"Assumed {names} for {group.name} ({assumed.note}).")


def _settle(state: _State, graph: CatalogGraph) -> None:
    """Conservative assumptions for what questioning left open."""
    placement = state.placement
    if placement is not None and not placement.resolved:
        doubt = len(placement.open)
        first = graph.topics[placement.open[0]].name
        state.assumptions.append(
            f"Placement stopped after {MAX_QUESTIONS} questions: assumed you still "
            f"need the {doubt} topic{'s' if doubt > 1 else ''} in doubt, starting "
            f"at {first}."
        )
    elif state.placement_open and placement is None:
        state.assumptions.append("Placement was not asked: assumed nothing is known.")
