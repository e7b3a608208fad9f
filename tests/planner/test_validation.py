"""Validation: each rule, repaired where allowed, refused with rule and step otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from planner.domain import (
    PlanValidationError,
    assess,
    normalize,
    plan,
    rank,
    validate,
)

from . import TODAY, profile_raw, python_graph, resource

BROKEN = resource("loops-broken", "python-loops", link_health="broken")
GRAPH = python_graph(extra_resources=(BROKEN,))


def _setup(**overrides):
    profile = normalize(profile_raw(**overrides), GRAPH, TODAY)
    assessment = assess(profile, GRAPH, assume_unanswered=True)
    ranked = rank(plan(assessment, GRAPH), assessment.profile, GRAPH, today=TODAY)
    return ranked, assessment


def _with_steps(result, steps):
    return dataclasses.replace(result, steps=tuple(steps))


def _edit(result, slug, **changes):
    return _with_steps(
        result,
        [
            dataclasses.replace(s, **changes) if s.topic == slug else s
            for s in result.steps
        ],
    )


def _edit_node(result, topic_slug, **changes):
    step = next(s for s in result.steps if s.topic == topic_slug)
    return _edit(result, topic_slug, node=dataclasses.replace(step.node, **changes))


def _rules(repairs):
    return [(r.rule, r.step) for r in repairs]


def test_a_sound_plan_passes_untouched():
    result, assessment = _setup()
    checked, repairs = validate(result, GRAPH, assessment)
    assert repairs == ()
    assert checked is result


def test_a_fresh_plan_is_still_screened_and_swept_again_after_a_repair():
    result, assessment = _setup()
    assert validate(result, GRAPH, assessment, fresh=True) == (result, ())
    knows_style = dataclasses.replace(assessment, known=frozenset({"python-style"}))
    checked, repairs = validate(result, GRAPH, knows_style, fresh=True)
    assert ("known-topic", "python-style") in _rules(repairs)
    assert (checked, repairs) == validate(result, GRAPH, knows_style)
    assert [s.position for s in checked.steps] == list(range(1, len(checked.steps) + 1))


def test_steps_out_of_order_are_re_sorted_and_rescheduled():
    result, assessment = _setup()
    shuffled = _with_steps(result, reversed(result.steps))
    checked, repairs = validate(shuffled, GRAPH, assessment)
    assert _rules(repairs) == [("prerequisite-order", "python-functions")]
    assert checked == result

    swapped = list(result.steps)
    at = [s.topic for s in swapped]
    i, j = at.index("python-variables"), at.index("python-control-flow")
    swapped[i], swapped[j] = swapped[j], swapped[i]  # control flow before variables
    swapped = [dataclasses.replace(s, position=i) for i, s in enumerate(swapped, 1)]
    checked, repairs = validate(_with_steps(result, swapped), GRAPH, assessment)
    assert _rules(repairs) == [
        ("prerequisite-order", "python-control-flow"),
        ("time-budget", None),
    ]
    assert checked == result


def test_a_duplicate_topic_is_removed():
    result, assessment = _setup()
    doubled = _with_steps(result, [*result.steps, result.steps[-1]])
    checked, repairs = validate(doubled, GRAPH, assessment)
    assert ("duplicate-topic", "python-functions") in _rules(repairs)
    assert checked.steps == result.steps
    assert checked.total_hours == result.total_hours


def test_a_known_topic_is_removed():
    result, assessment = _setup()
    knows_style = dataclasses.replace(assessment, known=frozenset({"python-style"}))
    checked, repairs = validate(result, GRAPH, knows_style)
    assert _rules(repairs)[0] == ("known-topic", "python-style")
    assert "python-style" not in {s.topic for s in checked.steps}
    assert checked.total_hours == result.total_hours - 1


def test_a_broken_resource_is_detached_and_the_rest_renumbered():
    result, assessment = _setup()
    loops = next(s for s in result.steps if s.topic == "python-loops")
    broken = loops.resources[0]._replace(resource="loops-broken")
    tampered = _edit(result, "python-loops", resources=(broken, *loops.resources[1:]))
    checked, repairs = validate(tampered, GRAPH, assessment)
    assert _rules(repairs) == [("broken-resource", "python-loops")]
    fixed = next(s for s in checked.steps if s.topic == "python-loops")
    assert [r.resource for r in fixed.resources] == [
        r.resource for r in loops.resources[1:]
    ]
    assert [r.rank for r in fixed.resources] == [1, 2]


def test_a_recommended_step_without_resources_stays_marked():
    result, assessment = _setup()
    checked, repairs = validate(
        _edit(result, "python-style", resources=()), GRAPH, assessment
    )
    assert repairs == ()
    style = next(s for s in checked.steps if s.topic == "python-style")
    assert style.no_resource == "broken"
    assert style.no_resource_reason == "Every resource's link is broken"
    assert checked.dropped_recommended == ()
    assert [s.topic for s in checked.steps] == [s.topic for s in result.steps]


def test_a_required_step_without_resources_stays_with_its_content():
    result, assessment = _setup(goals="python-oop")
    emptied = _edit(result, "python-debugging", resources=())
    checked, _ = validate(emptied, GRAPH, assessment)
    debugging = next(s for s in checked.steps if s.topic == "python-debugging")
    assert debugging.resources == ()
    assert debugging.objectives and debugging.mastery_description
    assert debugging.no_resource_reason
    assert "python-testing" in {s.topic for s in checked.steps}


def test_a_step_whose_only_resources_are_repaired_away_says_links_are_broken():
    result, assessment = _setup()
    loops = next(s for s in result.steps if s.topic == "python-loops")
    only_broken = (loops.resources[0]._replace(resource="loops-broken"),)
    checked, repairs = validate(
        _edit(result, "python-loops", resources=only_broken), GRAPH, assessment
    )
    assert _rules(repairs) == [("broken-resource", "python-loops")]
    fixed = next(s for s in checked.steps if s.topic == "python-loops")
    assert (fixed.resources, fixed.no_resource) == ((), "broken")


def test_a_mark_on_a_step_that_has_resources_is_cleared():
    result, assessment = _setup()
    marked = _edit(
        result, "python-loops", no_resource="none", no_resource_reason="stale"
    )
    checked, _ = validate(marked, GRAPH, assessment)
    loops = next(s for s in checked.steps if s.topic == "python-loops")
    assert (loops.no_resource, loops.no_resource_reason) == ("", "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"objectives": ("  ",)}, "no learning objectives"),
        ({"mastery_description": ""}, "no mastery check"),
    ],
)
def test_a_required_step_without_content_fails(change, message):
    result, assessment = _setup()
    with pytest.raises(PlanValidationError) as caught:
        validate(_edit_node(result, "python-functions", **change), GRAPH, assessment)
    assert caught.value.rule == "step-content"
    assert caught.value.message.startswith(f"{message}: ")
    assert "choose another goal, or try again later" in caught.value.message


def test_a_recommended_step_without_content_is_dropped_with_its_dependents():
    result, assessment = _setup(goals="python-oop")
    emptied = _edit_node(result, "python-debugging", mastery_description=" ")
    checked, repairs = validate(emptied, GRAPH, assessment)
    assert ("step-content", "python-testing") in _rules(repairs)
    assert {"python-debugging", "python-testing"}.isdisjoint(
        s.topic for s in checked.steps
    )
    assert {"python-debugging", "python-testing"} <= set(checked.dropped_recommended)


def test_a_missing_prerequisite_fails():
    result, assessment = _setup()
    holed = _with_steps(result, [s for s in result.steps if s.topic != "python-loops"])
    with pytest.raises(PlanValidationError) as caught:
        validate(holed, GRAPH, assessment)
    assert caught.value.rule == "missing-prerequisite"
    assert caught.value.step == "python-functions"
    assert "mark python-loops as known" in caught.value.message


def test_an_unknown_topic_fails():
    result, assessment = _setup()
    with pytest.raises(PlanValidationError, match=r"\[unknown-topic\] ghost"):
        validate(_edit_node(result, "python-loops", slug="ghost"), GRAPH, assessment)


def test_hours_that_do_not_add_up_are_recomputed():
    result, assessment = _setup()
    tampered = dataclasses.replace(
        _edit(result, "python-loops", hours=9.0), total_hours=1.0
    )
    checked, repairs = validate(tampered, GRAPH, assessment)
    assert _rules(repairs) == [("time-budget", None)]
    assert checked.total_hours == sum(s.hours for s in checked.steps) == 19
    assert checked.end_date > result.end_date


def test_a_plan_over_budget_without_a_shortfall_gets_one():
    result, assessment = _setup(goals="python-oop", deadline="2026-01-25")
    assert result.shortfall is not None
    hidden = dataclasses.replace(result, shortfall=None)
    checked, repairs = validate(hidden, GRAPH, assessment)
    assert _rules(repairs) == [("time-budget", None)]
    assert checked.shortfall == result.shortfall
