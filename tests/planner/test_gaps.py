"""A gap in the catalog never refuses the whole plan; the deadline cut.

Pure core, no database: a topic with nothing to offer this learner stays in
the plan with its objectives and mastery check, marked with why; only broken
structure refuses a plan; a deadline that is too tight marks which steps fit.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.domain import (
    PlanValidationError,
    ProfileErrors,
    normalize,
    run_pipeline,
    validate,
)
from planner.domain.normalize import language_gap
from planner.domain.types import NoResource
from planner.domain.wording import deadline_cut_notice, gap_notice, positions_text

from . import CHAIN, TODAY, profile_raw, python_graph, resource

LOOPS_RESOURCES = ("python-loops-docs", "python-loops-video", "python-loops-course")


def _plan(graph, **overrides):
    result = run_pipeline(
        profile_raw(**overrides), graph, today=TODAY, assume_unanswered=True
    )
    assert result.plan is not None
    return result


def _step(plan, topic):
    return next(s for s in plan.steps if s.topic == topic)


def test_a_topic_with_no_resource_keeps_its_step_marked_for_a_spanish_learner():
    graph = python_graph(drop_resources=LOOPS_RESOURCES)

    plan = _plan(graph, language="es").plan

    assert [s.topic for s in plan.steps if s.topic in CHAIN] == list(CHAIN[:5])
    loops = _step(plan, "python-loops")
    assert loops.resources == ()
    assert loops.no_resource == NoResource.NONE
    assert loops.no_resource_reason == "No resource for this topic yet"
    assert loops.objectives[0] == "Repeat work with for and while loops"
    assert loops.mastery_description == "Solve three loops exercises"
    # Every other step still has resources (English ones, flagged as such).
    others = [s for s in plan.steps if s.topic != "python-loops"]
    assert all(s.resources and not s.no_resource for s in others)
    assert all("language_fallback" in s.flags for s in others)


def test_one_notice_names_every_step_without_a_resource():
    style = ("python-style-docs", "python-style-video", "python-style-course")
    graph = python_graph(drop_resources=(*LOOPS_RESOURCES, *style))
    plan = _plan(graph).plan
    gaps = [s for s in plan.steps if s.no_resource]

    assert {s.topic for s in gaps} == {"python-loops", "python-style"}
    text = gap_notice(gaps)
    assert text.startswith("No resource yet for 2 steps: ")
    assert "Loops (no resource for this topic yet)" in text
    assert "Style and PEP 8 (no resource for this topic yet)" in text
    assert "These steps stay in your roadmap" in text


def test_every_broken_link_is_the_reason_when_resources_exist_but_none_works():
    broken = tuple(
        resource(f"loops-dead-{i}", "python-loops", link_health="broken")
        for i in range(2)
    )
    graph = python_graph(drop_resources=LOOPS_RESOURCES, extra_resources=broken)

    loops = _step(_plan(graph).plan, "python-loops")

    assert (loops.no_resource, loops.no_resource_reason) == (
        NoResource.BROKEN,
        "Every resource's link is broken",
    )


def test_a_child_gets_the_step_marked_when_nothing_serves_their_age():
    # One child resource in the subject: the subject serves children, but
    # only for setup; every other step has nothing for a child.
    kids = resource("setup-for-kids", "python-setup", age_ranges=("child",))
    graph = python_graph(extra_resources=(kids,))

    plan = _plan(graph, age_range="7").plan

    setup = _step(plan, "python-setup")
    assert [r.resource for r in setup.resources] == ["setup-for-kids"]
    loops = _step(plan, "python-loops")
    assert loops.no_resource == NoResource.AGE
    assert loops.no_resource_reason == "No resource for ages under 13 yet"


def test_a_seven_year_old_learning_python_is_told_at_onboarding():
    # No resource of the Python catalog serves children: normalize refuses the
    # age with a message naming the subject, before any planning.
    with pytest.raises(ProfileErrors) as caught:
        normalize(profile_raw(age_range="7"), python_graph(), TODAY)
    (message,) = caught.value.errors["age_range"]
    assert "Python programming" in message and "ages under 13" in message


def test_a_language_the_subject_does_not_serve_is_told_not_refused():
    graph = python_graph()
    # The Python catalog of these tests is in English only.
    assert language_gap(graph, "python", "en") == ""
    assert language_gap(graph, "python", "ja") == (
        "Python programming has no resources in Japanese yet: your plan will "
        "use resources in other languages."
    )
    assert language_gap(graph, "no-such-subject", "ja") == ""
    # Planning goes on, with every resource flagged as another language's.
    plan = _plan(graph, language="ja").plan
    assert plan.steps and all("language_fallback" in s.flags for s in plan.steps)


def test_broken_structure_still_refuses_with_a_message_to_act_on():
    result = _plan(python_graph())
    holed = dataclasses.replace(
        result.plan,
        steps=tuple(s for s in result.plan.steps if s.topic != "python-loops"),
    )
    with pytest.raises(PlanValidationError) as caught:
        validate(holed, python_graph(), result.assessment)
    assert caught.value.rule == "missing-prerequisite"
    assert caught.value.message.endswith("plan again, or mark python-loops as known")


# -- the deadline cut ---------------------------------------------------------------
def test_a_tight_deadline_marks_the_cut_and_gives_the_three_ways_out():
    deadline = TODAY + timedelta(days=20)  # 3 weeks at 2 h a week: 6 hours
    result = _plan(
        python_graph(),
        goals="python-oop",
        weekly_hours=2,
        deadline=deadline.isoformat(),
    )
    plan = result.plan

    assert not plan.feasible
    fits = [s.fits_deadline for s in plan.steps]
    assert fits[0] is True and fits[-1] is False
    assert fits == sorted(fits, reverse=True), "the cut is one place in the plan"
    assert all(s.fits_deadline == (s.end_date <= deadline) for s in plan.steps)
    shortfall = plan.shortfall
    text = deadline_cut_notice(plan)
    first_late = next(s.position for s in plan.steps if not s.fits_deadline)
    assert text.startswith(f"Steps {positions_text(range(1, first_late))} fit before")
    assert f"study {shortfall.weekly_hours_needed:g} hours a week instead of 2" in text
    assert f"move the deadline to {shortfall.earliest_feasible_deadline}" in text
    if shortfall.narrower_tracks:
        assert f"\u201c{shortfall.narrower_tracks[0].name}\u201d" in text


def test_without_a_deadline_no_step_is_cut():
    plan = _plan(python_graph()).plan
    assert {s.fits_deadline for s in plan.steps} == {None}
    assert deadline_cut_notice(plan) == ""


def test_a_met_deadline_marks_every_step_as_fitting():
    plan = _plan(python_graph(), deadline=(TODAY + timedelta(days=90)).isoformat()).plan
    assert plan.feasible
    assert {s.fits_deadline for s in plan.steps} == {True}


def test_positions_read_as_ranges():
    assert positions_text([1, 2, 3, 5, 7, 8]) == "1-3, 5 and 7-8"
    assert positions_text([4]) == "4"


# -- property: no plan is refused for a missing resource ------------------------------
ALL_TOPICS = (*CHAIN, "python-style", "python-debugging", "python-testing")


@settings(max_examples=60, deadline=None)
@given(
    emptied=st.sets(st.sampled_from(ALL_TOPICS)),
    broken=st.sets(st.sampled_from(ALL_TOPICS)),
    goal=st.sampled_from(("python-first-steps", "python-oop", "python-data")),
    language=st.sampled_from(("en", "es")),
    weekly=st.sampled_from((1, 5)),
    with_deadline=st.booleans(),
)
def test_no_plan_is_refused_for_a_missing_resource(
    emptied, broken, goal, language, weekly, with_deadline
):
    kinds = ("docs", "video", "course")
    dropped = tuple(f"{t}-{k}" for t in emptied | broken for k in kinds)
    dead = tuple(resource(f"{t}-dead", t, link_health="broken") for t in sorted(broken))
    graph = python_graph(drop_resources=dropped, extra_resources=dead)
    deadline = (TODAY + timedelta(days=30)).isoformat() if with_deadline else None

    plan = _plan(
        graph, goals=goal, language=language, weekly_hours=weekly, deadline=deadline
    ).plan

    for step in plan.steps:
        if step.topic in emptied | broken:
            assert step.resources == () and step.no_resource_reason
            expected = NoResource.BROKEN if step.topic in broken else NoResource.NONE
            assert step.no_resource == expected
        else:
            assert step.resources and not step.no_resource
        assert step.objectives and step.mastery_description
