"""Uncertainty: 0-3 adaptive questions, bisection, skips, stable ids."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

import pytest

from planner.domain import (
    MAX_QUESTIONS,
    Answer,
    AnswerErrors,
    CatalogGraph,
    QuestionKind,
    assess,
    next_questions,
    normalize,
    parse_answers,
    plan,
)

from . import CHAIN, TODAY, profile_raw, python_graph

GRAPH = python_graph()


def _flat(graph: CatalogGraph, level: str = "intermediate") -> CatalogGraph:
    """``graph`` with every topic at one level and two hours: nothing is placed
    by level for a learner at that level, and placement is a plain bisection."""
    return CatalogGraph.build(
        version=graph.version,
        subjects=graph.subjects.values(),
        topics=[
            dataclasses.replace(t, level=level, estimated_hours=2.0)
            for t in graph.topics.values()
        ],
        prerequisites=[
            (t, r, k) for t, pairs in graph.requires.items() for r, k in pairs
        ],
        tracks=graph.tracks.values(),
        resources=graph.resources.values(),
    )


FLAT = _flat(GRAPH)


def _profile(**overrides):
    return normalize(profile_raw(**overrides), GRAPH, TODAY)


def _interview(profile, oracle, *, graph=FLAT):
    """Answer every question with ``oracle(question)`` until none is left."""
    answers = {}
    asked = []
    for _ in range(10):
        pending = next_questions(profile, graph, answers)
        if not pending:
            break
        (question,) = pending
        asked.append(question)
        answers[question.id] = oracle(question)
    return asked, assess(profile, graph, answers)


def test_a_confident_profile_gets_zero_questions():
    profile = _profile(goals="python-oop", level="beginner", deadline="2026-12-31")
    assessment = assess(profile, GRAPH)
    assert assessment.pending == ()
    assert assessment.asked == ()
    assert assessment.known == frozenset()


def test_explicit_known_topics_make_placement_unnecessary():
    profile = _profile(level="intermediate", known_topics="python-loops")
    assessment = assess(profile, FLAT)
    assert assessment.pending == ()
    # Knowing loops implies knowing what loops require.
    assert assessment.known == set(CHAIN[:4])


def test_placement_asks_about_the_topic_that_settles_most_hours():
    # Seven topics of two hours on one chain: loops splits them 8 h / 8 h.
    profile = _profile(level="intermediate", goals="python-oop")
    (question,) = next_questions(profile, FLAT)
    assert question.topic == "python-loops"
    assert question.hours == 8.0
    assert question.reason == (
        "placement: this decides whether your plan includes Loops and the 3 "
        "topics it needs, about 8 hours"
    )


def test_knows_loops_but_not_functions_is_placed_within_three_questions():
    profile = _profile(level="some experience", goals="python-oop")
    known = set(CHAIN[: CHAIN.index("python-loops") + 1])
    asked, assessment = _interview(
        profile, lambda q: Answer("yes" if q.topic in known else "no")
    )
    assert len(asked) <= 3
    assert [q.topic for q in asked] == [
        "python-loops",
        "python-data-structures",
        "python-functions",
    ]
    assert asked[-1].text == (
        "Can you already write a function that takes arguments and returns a value?"
    )
    assert assessment.placement.confirmed == ("python-loops",)
    assert assessment.known == known
    steps = plan(assessment, FLAT).steps
    first_required = next(s for s in steps if s.kind != "recommended")
    assert first_required.topic == "python-functions"
    assert not known & {s.topic for s in steps}


@pytest.mark.parametrize("boundary", range(len(CHAIN) + 1))
def test_bisection_finds_every_boundary_in_ceil_log2_questions(boundary):
    profile = _profile(level="intermediate", goals="python-oop")
    known = set(CHAIN[:boundary])
    asked, assessment = _interview(
        profile, lambda q: Answer("yes" if q.topic in known else "no")
    )
    assert len(asked) == math.ceil(math.log2(len(CHAIN) + 1)) == 3
    assert assessment.placement.resolved
    assert assessment.known == known


def test_a_shorter_chain_needs_fewer_questions():
    # The target control-flow sits on a chain of three: two questions.
    profile = _profile(level="intermediate", goals="python-control-flow")
    asked, assessment = _interview(profile, lambda q: Answer("yes"))
    assert len(asked) == 2
    assert assessment.known == set(CHAIN[:3])


def test_question_ids_are_stable_and_carry_their_options():
    profile = _profile(level="intermediate", goals="python-oop")
    first = next_questions(profile, FLAT)
    again = next_questions(profile, FLAT)
    assert first == again
    (question,) = first
    assert question.id == "placement:python-loops"
    assert question.kind == QuestionKind.PLACEMENT
    assert question.order == 1
    assert [o.value for o in question.options] == ["yes", "no", "not_sure"]
    assert "about 8 hours" in question.reason


@pytest.mark.parametrize(
    "answer",
    [
        Answer(skipped=True),
        Answer("not sure"),
        Answer("yes", confidence=0.4),
        Answer("no"),
    ],
)
def test_skips_doubts_and_unsure_yeses_are_treated_as_not_known(answer):
    profile = _profile(level="intermediate", goals="python-oop")
    asked, assessment = _interview(profile, lambda q: answer)
    assert len(asked) == 3
    assert assessment.known == frozenset()
    assert plan(assessment, FLAT).steps[0].topic == "python-setup"


def test_assume_unanswered_settles_conservatively():
    profile = _profile(level="intermediate", goals="python-oop")
    answers = {"placement:python-loops": Answer("yes")}
    assessment = assess(profile, FLAT, answers, assume_unanswered=True)
    assert assessment.pending == ()
    assert len(assessment.asked) == MAX_QUESTIONS
    assert assessment.known == set(CHAIN[:4])


def test_answers_off_the_path_are_ignored():
    profile = _profile(level="intermediate", goals="python-oop")
    answers = {"placement:python-classes": Answer("yes"), "goal:python": Answer("x")}
    assert next_questions(profile, FLAT, answers)[0].id == "placement:python-loops"


def test_an_answer_outside_the_options_is_refused():
    profile = _profile(level="intermediate", goals="python-oop")
    with pytest.raises(AnswerErrors) as caught:
        assess(profile, FLAT, {"placement:python-loops": Answer("perhaps")})
    assert caught.value.errors == {
        "placement:python-loops": ("'perhaps' is not one of: yes, no, not_sure.",)
    }


def test_an_ambiguous_goal_is_asked_first_then_placement_fills_the_cap():
    profile = _profile(level="intermediate", goals="python programming with python")
    assert not profile.track_explicit
    (question,) = next_questions(profile, FLAT)
    assert question.id == "goal:python"
    assert question.kind == QuestionKind.GOAL
    assert len(question.options) == 4  # three tracks, then "just the basics"
    assert question.options[-1].value == "basics:python"

    def oracle(q):
        return Answer("python-oop") if q.kind == QuestionKind.GOAL else Answer("no")

    asked, assessment = _interview(profile, oracle)
    assert [q.kind for q in asked] == ["goal", "placement", "placement"]
    assert assessment.profile.track == "python-oop"
    assert not assessment.placement.resolved
    assert "Placement stopped after 3 questions" in assessment.assumptions[0]


def test_a_clear_goal_sentence_asks_nothing():
    profile = _profile(goals="I want to build web apps with Flask")
    assert next_questions(profile, GRAPH) == ()


def test_a_skipped_goal_question_assumes_the_best_match():
    profile = _profile(goals="python programming with python")
    asked, assessment = _interview(profile, lambda q: Answer(skipped=True))
    assert [q.kind for q in asked] == ["goal"]
    best = profile.goal_candidates[0].track
    assert assessment.profile.track == best
    assert assessment.assumptions[0].startswith("Assumed your goal is the track")


def _tight():
    # Python first steps needs 13 hours (12 required); 6 fit in two weeks at 3 a week.
    return _profile(goals="python-first-steps", weekly_hours=3, deadline="2026-01-18")


def test_an_infeasible_deadline_asks_with_concrete_options():
    (question,) = next_questions(_tight(), GRAPH)
    assert question.id == "deadline:2026-01-18"
    assert question.kind == QuestionKind.DEADLINE
    assert question.text == (
        "This roadmap needs about 12 hours, but only 6 hours fit before "
        "2026-01-18. What would you like to do?"
    )
    assert [(o.value, o.label) for o in question.options] == [
        ("extend", "Move the deadline to 2026-02-01"),
        ("more_hours", "Study 6 hours a week"),
        ("keep", "Keep my deadline and see what does not fit"),
    ]


@pytest.mark.parametrize(
    ("choice", "change"),
    [
        ("extend", {"deadline": date(2026, 2, 1)}),
        ("more_hours", {"weekly_hours": 6.0}),
    ],
)
def test_a_deadline_answer_makes_the_plan_feasible(choice, change):
    profile = _tight()
    assessment = assess(profile, GRAPH, {"deadline:2026-01-18": Answer(choice)})
    assert assessment.profile == dataclasses.replace(profile, **change)
    assert plan(assessment, GRAPH).feasible


def test_keeping_the_deadline_reports_the_shortfall():
    assessment = assess(_tight(), GRAPH, {"deadline:2026-01-18": Answer("keep")})
    result = plan(assessment, GRAPH)
    assert not result.feasible
    assert "Kept the deadline" in assessment.assumptions[0]


def test_a_narrower_track_is_offered_when_one_fits():
    profile = _profile(goals="python-oop", weekly_hours=5, deadline="2026-01-25")
    (question,) = next_questions(profile, GRAPH)
    values = [o.value for o in question.options]
    assert "narrow:python-first-steps" in values
    answers = {question.id: Answer("narrow:python-first-steps")}
    assessment = assess(profile, GRAPH, answers)
    assert assessment.profile.track == "python-first-steps"
    assert plan(assessment, GRAPH).feasible


def test_parse_answers_accepts_values_objects_and_skips():
    answers = parse_answers(
        {
            "placement:python-loops": "yes",
            "placement:python-functions": {"value": "no", "confidence": 0.7},
            "goal:python": None,
            "deadline:2026-01-18": {"skipped": True},
            "placement:python-classes": True,
        }
    )
    assert answers == {
        "placement:python-loops": Answer("yes"),
        "placement:python-functions": Answer("no", 0.7),
        "goal:python": Answer(skipped=True),
        "deadline:2026-01-18": Answer(None, 1.0, True),
        "placement:python-classes": Answer("yes"),
    }
    with pytest.raises(AnswerErrors) as caught:
        parse_answers({"a": {"value": "yes", "confidence": 3}, "b": 4})
    assert set(caught.value.errors) == {"a", "b"}
