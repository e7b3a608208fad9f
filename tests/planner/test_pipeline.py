"""The pipeline end to end, its timings and progress, wording and the Phraser."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from planner.domain import (
    STAGES,
    Answer,
    ProfileErrors,
    TopicNode,
    apply_phraser,
    run_from_profile,
    run_pipeline,
)
from planner.domain.wording import (
    lower_first,
    placement_question,
    step_summaries,
    summary_tail,
)

from . import TODAY, profile_raw, python_graph

GRAPH = python_graph()


def test_a_confident_profile_runs_every_stage_to_a_validated_plan():
    seen = []
    result = run_pipeline(
        profile_raw(), GRAPH, today=TODAY, on_stage=lambda *a: seen.append(a)
    )
    assert result.questions == ()
    assert result.plan is not None
    assert result.repairs == ()
    assert seen == [
        ("normalize", 0),
        ("uncertainty", 10),
        ("plan", 20),
        ("rank", 50),
        ("validate", 80),
    ]
    assert list(result.timings_ms()) == list(STAGES)[:5]
    assert all(ms >= 0 for ms in result.timings_ms().values())


def test_the_clock_is_injected():
    ticks = itertools.count()
    result = run_pipeline(
        profile_raw(), GRAPH, today=TODAY, clock=lambda: float(next(ticks))
    )
    assert set(result.timings_ms().values()) == {1000.0}


def test_pending_questions_stop_before_planning_unless_assumed():
    raw = profile_raw(level="intermediate", goals="python-oop")
    result = run_pipeline(raw, GRAPH, today=TODAY)
    assert result.plan is None
    # Placed past the beginner topics, the learner is asked about the rest.
    assert [q.id for q in result.questions] == ["placement:python-classes"]
    assert list(result.timings_ms()) == ["normalize", "uncertainty"]
    assumed = run_pipeline(raw, GRAPH, today=TODAY, assume_unanswered=True)
    assert assumed.plan is not None
    assert assumed.plan.steps[0].topic == "python-data-structures"


def test_answers_file_values_are_accepted_as_written():
    raw = profile_raw(level="intermediate", goals="python-oop")
    answers = {
        "placement:python-classes": "no",
        "placement:python-data-structures": {"value": "yes", "confidence": 0.9},
    }
    result = run_pipeline(raw, GRAPH, today=TODAY, answers=answers)
    assert result.plan is not None
    assert [s.topic for s in result.plan.steps] == ["python-testing", "python-classes"]
    assert result.plan.known[-1] == "python-data-structures"


def test_invalid_input_raises_profile_errors():
    with pytest.raises(ProfileErrors):
        run_pipeline(profile_raw(weekly_hours=0), GRAPH, today=TODAY)


def test_the_same_input_gives_the_same_output():
    raw = profile_raw(goals="python-oop", deadline="2026-02-15", language="es")
    first = run_pipeline(raw, GRAPH, today=TODAY)
    second = run_pipeline(raw, python_graph(), today=TODAY)
    assert first == second  # timings are left out of equality
    again = run_from_profile(first.profile, GRAPH, today=TODAY)
    assert again.plan == first.plan


def test_question_wording_comes_from_the_first_objective():
    topic = TopicNode(
        "t", "s", "Functions", "beginner", 1, ("Write a function that returns.",)
    )
    assert placement_question(topic) == "Can you already write a function that returns?"
    bare = TopicNode("t", "s", "Functions", "beginner", 1)
    assert placement_question(bare) == "Do you already know Functions?"
    assert lower_first("SQL joins") == "SQL joins"
    assert lower_first("Use SQL") == "use SQL"


def test_step_summaries_are_deterministic_text():
    step = run_pipeline(profile_raw(), GRAPH, today=TODAY).plan.steps[-1]
    assert step.summary == (
        "Functions, about 4 hours in weeks 2-3. You will write a function that "
        "takes arguments and returns a value; explain it to a friend. "
        "Mastery check (exercise): solve three functions exercises."
    )


def test_summaries_for_the_store_are_the_steps_own_and_keep_each_topics_text():
    graph = python_graph()
    steps = run_pipeline(profile_raw(), graph, today=TODAY).plan.steps
    assert step_summaries(steps, graph) == [s.summary for s in steps]
    kept = graph.memo[("summary tails",)]
    assert kept["python-functions"] == summary_tail(graph.topics["python-functions"])
    # A phrased summary is kept as phrased; a node that is not the snapshot's
    # own (an older snapshot's, with other objectives) gets its own text.
    phrased = dataclasses.replace(steps[0], phrased_summary="Start here.")
    older = dataclasses.replace(
        steps[-1],
        node=dataclasses.replace(steps[-1].node, objectives=("Call a function",)),
    )
    texts = step_summaries([phrased, older], graph)
    assert texts[0] == "Start here."
    assert texts[1] == older.summary
    assert "call a function" in texts[1] and texts[1] != steps[-1].summary


class _Phraser:
    name = "test-model-1"

    def __init__(self, questions=None, summaries=None, fail=False):
        self.questions, self.summaries, self.fail = questions, summaries, fail

    def phrase_questions(self, questions):
        if self.fail:
            raise TimeoutError("too slow")
        return self.questions(questions)

    def phrase_summaries(self, steps):
        if self.fail:
            raise TimeoutError("too slow")
        return self.summaries(steps)


def test_a_phraser_rewords_texts_but_never_structure():
    phraser = _Phraser(
        questions=lambda qs: [f"Q: {q.text}" for q in qs],
        summaries=lambda steps: [f"Learn {s.name}." for s in steps],
    )
    raw = profile_raw(level="intermediate", goals="python-oop")
    result = run_pipeline(raw, GRAPH, today=TODAY, phraser=phraser)
    assert result.questions[0].text.startswith("Q: Can you already")
    assert result.questions[0].id == "placement:python-classes"
    assert "wording" in result.timings_ms()

    plain = run_pipeline(profile_raw(), GRAPH, today=TODAY)
    phrased = run_pipeline(profile_raw(), GRAPH, today=TODAY, phraser=phraser)
    assert [s.summary for s in phrased.plan.steps][-1] == "Learn Functions."
    assert [(s.topic, s.resources) for s in phrased.plan.steps] == [
        (s.topic, s.resources) for s in plain.plan.steps
    ]


@pytest.mark.parametrize(
    "phraser",
    [
        _Phraser(fail=True),
        _Phraser(questions=lambda qs: [], summaries=lambda steps: ["too few"]),
        _Phraser(
            questions=lambda qs: ["" for _ in qs],
            summaries=lambda steps: ["x" * 1000 for _ in steps],
        ),
    ],
)
def test_any_phraser_failure_falls_back_to_the_deterministic_text(phraser):
    plain = run_pipeline(profile_raw(), GRAPH, today=TODAY)
    questions, plan, fallbacks = apply_phraser(phraser, (), plain.plan)
    assert plan == plain.plan
    assert fallbacks == len(plain.plan.steps)


def test_apply_phraser_without_a_phraser_is_the_identity():
    plain = run_pipeline(profile_raw(), GRAPH, today=TODAY)
    assert apply_phraser(None, (), plain.plan) == ((), plain.plan, 0)
    answered = {"placement:python-loops": Answer("yes")}
    assert run_pipeline(profile_raw(), GRAPH, today=TODAY, answers=answered) == plain


def test_the_pipeline_leaves_the_garbage_collector_alone():
    """Huey runs thread workers: a plan must not switch collection off for all."""
    import gc

    assert gc.isenabled()
    seen = []
    run_pipeline(
        profile_raw(),
        GRAPH,
        today=TODAY,
        assume_unanswered=True,
        on_stage=lambda stage, percent: seen.append((stage, gc.isenabled())),
    )
    assert {stage for stage, _ in seen} >= {"plan", "rank", "validate"}
    assert all(enabled for _, enabled in seen)
    assert gc.isenabled()
