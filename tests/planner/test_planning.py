"""Planning: closure, order, hours, schedule, recommended topics and shortfalls."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from planner.domain import (
    Shortfall,
    StepKind,
    TrackOption,
    assess,
    normalize,
    plan,
    weeks,
)
from planner.domain.planning import quarters, quarters_by_topic, schedule
from planner.domain.types import PlanStep, new_plan_step

from . import CHAIN, TODAY, profile_raw, python_graph

GRAPH = python_graph()


def _plan(**overrides):
    profile = normalize(profile_raw(**overrides), GRAPH, TODAY)
    return plan(assess(profile, GRAPH, assume_unanswered=True), GRAPH)


def test_a_beginner_plan_is_the_required_chain_plus_recommended_topics():
    result = _plan()
    assert [(s.topic, s.kind) for s in result.steps] == [
        ("python-setup", StepKind.REQUIRED),
        ("python-variables", StepKind.REQUIRED),
        ("python-control-flow", StepKind.REQUIRED),
        ("python-loops", StepKind.REQUIRED),
        # The short side prerequisite comes right before the topic needing it.
        ("python-style", StepKind.RECOMMENDED),
        ("python-functions", StepKind.TARGET),
    ]
    assert [s.position for s in result.steps] == [1, 2, 3, 4, 5, 6]
    assert result.total_hours == 13 == sum(s.hours for s in result.steps)
    assert result.targets == ("python-functions",)
    assert result.feasible
    assert result.budget_hours is None
    style = result.steps[4]
    assert style.because == "python-functions"
    assert style.objectives == ("Format code the PEP 8 way", "Explain it to a friend")
    assert style.mastery_description == "Solve three style and pep 8 exercises"


def test_hours_are_adjusted_for_the_level_and_rounded_up_to_quarters():
    beginner = {s.topic: s.hours for s in _plan(goals="python-oop").steps}
    assert beginner["python-data-structures"] == 5.0  # intermediate topic x1.25
    assert beginner["python-classes"] == 6.25
    assert beginner["python-loops"] == 3.0
    expert = _plan(goals="python-oop", level="expert", known_topics="python-setup")
    hours = {s.topic: (s.base_hours, s.hours) for s in expert.steps}
    assert hours["python-classes"] == (5.0, 4.5)
    assert quarters(2, "advanced", "beginner") == 7  # 1.6 rounded up
    assert quarters(1, "beginner", "advanced") == 6
    assert quarters(0.01, "advanced", "beginner") == 1


def test_steps_are_scheduled_in_dated_weeks():
    result = _plan()
    first, *_, last = result.steps
    assert (first.start_date, first.end_date) == (TODAY, TODAY + timedelta(days=1))
    # 13 hours at 5 a week: 18.2 days, so the nineteenth day is the last.
    assert last.end_date == result.end_date == TODAY + timedelta(days=18)
    assert (last.week_start, last.week_end) == (2, 3)
    for before, after in zip(result.steps, result.steps[1:], strict=False):
        assert before.start_date <= after.start_date
        assert before.end_date <= after.end_date
    calendar = weeks(result)
    assert [w.index for w in calendar] == [1, 2, 3]
    assert [w.hours for w in calendar] == [5.0, 5.0, 3.0]
    assert calendar[1].steps == (
        "python-loops",
        "python-style",
        "python-functions",
    )
    assert calendar[2].start == date(2026, 1, 19)


def test_schedule_is_one_linear_sweep():
    spans = schedule([4] * 100_000, TODAY, 1)  # a quarter hour a week
    assert spans[-1][3] == 400_000
    assert spans[0] == (TODAY, TODAY + timedelta(days=27), 1, 4)


def test_known_topics_and_their_prerequisites_are_left_out():
    result = _plan(known_topics="Loops")
    assert [s.topic for s in result.steps] == ["python-style", "python-functions"]
    assert result.known == ("python-loops",)


def test_goal_topics_join_the_track_targets():
    result = _plan(goals=["python-first-steps", "python-testing"])
    assert result.targets == ("python-functions", "python-testing")
    topics = [s.topic for s in result.steps]
    assert topics.index("python-debugging") < topics.index("python-testing")
    assert topics.index("python-functions") < topics.index("python-testing")


def test_everything_known_gives_an_empty_plan():
    result = _plan(known_topics="python-functions, python-style")
    assert result.steps == ()
    assert result.total_hours == 0
    assert result.end_date == TODAY


def test_a_tight_deadline_drops_recommended_topics_first():
    # 12 required hours fit in 17 days at 5 a week; the recommended hour does not.
    result = _plan(deadline=(TODAY + timedelta(days=16)).isoformat())
    assert result.feasible
    assert result.budget_hours == 12
    assert result.total_hours == 12
    assert result.dropped_recommended == ("python-style",)
    assert "python-style" not in {s.topic for s in result.steps}
    assert result.end_date <= result.deadline


def test_a_deadline_that_cannot_be_met_reports_a_shortfall_with_options():
    result = _plan(goals="python-oop", deadline="2026-01-25")
    assert not result.feasible
    assert result.dropped_recommended == ("python-style", "python-testing")
    assert result.total_hours == 23.25 > result.budget_hours == 15
    assert result.shortfall == Shortfall(
        hours_needed=23.25,
        hours_available=15.0,
        weekly_hours_needed=8.0,  # 7.75 rounded up to the half hour
        earliest_feasible_deadline=date(2026, 2, 6),
        narrower_tracks=(
            TrackOption("python-first-steps", "Python first steps", 12.0),
        ),
    )
    # The plan is still whole, and its end is the earliest feasible deadline.
    assert [s.topic for s in result.steps] == list(CHAIN)
    assert result.end_date == result.shortfall.earliest_feasible_deadline


def test_each_step_is_marked_with_the_cut_as_it_is_built():
    result = _plan(goals="python-oop", deadline="2026-01-25")
    fits = [s.fits_deadline for s in result.steps]
    assert fits == [s.end_date <= result.deadline for s in result.steps]
    assert True in fits and False in fits
    assert {s.fits_deadline for s in _plan().steps} == {None}


def test_the_fast_step_constructor_builds_the_same_frozen_step():
    step = _plan(goals="python-oop", deadline="2026-01-25").steps[-1]
    values = [getattr(step, f.name) for f in dataclasses.fields(PlanStep)]
    built = new_plan_step(*values)
    assert type(built) is PlanStep
    assert built == PlanStep(*values) and hash(built) == hash(step)
    assert dataclasses.replace(built, hours=1.0).hours == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.hours = 2.0  # type: ignore[misc]


def test_no_narrower_track_when_none_fits():
    result = _plan(goals="python-oop", deadline="2026-01-11")
    assert result.shortfall.narrower_tracks == ()
    assert result.shortfall.hours_available == 5


@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced"])
def test_the_snapshot_keeps_each_levels_quarter_hours_per_topic(level):
    table = quarters_by_topic(GRAPH, level)
    assert table == {
        slug: quarters(node.estimated_hours, level, node.level)
        for slug, node in GRAPH.topics.items()
    }
    assert quarters_by_topic(GRAPH, level) is table  # once per snapshot and level
