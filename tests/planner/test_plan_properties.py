"""Properties of whole plans on hub-shaped synthetic catalogs.

tests/planner/test_gaps.py and test_order.py hold the same properties on
small random DAGs; here they meet the shapes of the public roadmaps: hubs
with twenty subtopics, optional prerequisites, choice groups and topics
nobody has found a resource for yet, across seeds, learners and tracks.
"""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.domain import CatalogGraph, run_pipeline
from planner.domain.choices import chosen_view
from planner.domain.planning import _reach, removed_topics
from planner.domain.synthetic import hub_catalog

from . import TODAY

SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@cache
def _graph(seed: int, groups: bool) -> CatalogGraph:
    catalog = hub_catalog(
        topics=400, subjects=1, resources_per_topic=2, choice_groups=groups, seed=seed
    )
    return catalog.graph()


@st.composite
def learners(draw):
    graph = _graph(draw(st.integers(0, 3)), draw(st.booleans()))
    track = draw(st.sampled_from(sorted(graph.tracks)))
    raw = {
        "subject": graph.tracks[track].subject,
        "goals": track,
        "level": draw(st.sampled_from(("beginner", "intermediate", "advanced"))),
        "weekly_hours": draw(st.sampled_from((2, 5, 12))),
        "language": draw(st.sampled_from(("en", "es", "fr", "de"))),
        "age_range": draw(st.sampled_from(("adult", "teen"))),
        "cost": draw(st.sampled_from(("any", "free only"))),
    }
    if draw(st.booleans()):
        raw["deadline"] = "2026-03-01"
    return graph, raw


@SETTINGS
@given(learners())
def test_no_plan_is_refused_for_a_missing_resource(case):
    graph, raw = case
    result = run_pipeline(raw, graph, today=TODAY, assume_unanswered=True)
    assert result.plan is not None
    for step in result.plan.steps:
        if not graph.resources_by_topic.get(step.topic):
            assert step.no_resource == "none"
            assert step.no_resource_reason
            assert step.objectives  # the step still says what to learn
        if not step.resources:
            assert step.no_resource


@SETTINGS
@given(learners())
def test_the_curated_order_is_kept_where_prerequisites_allow(case):
    # The hub catalog's positions agree with its prerequisites (a hub and its
    # subtopics come after what they need), so the plan keeps them exactly.
    graph, raw = case
    result = run_pipeline(raw, graph, today=TODAY, assume_unanswered=True)
    positions = [s.node.position for s in result.plan.steps]
    assert positions == sorted(positions)
    placed = {s.topic: s.position for s in result.plan.steps}
    for step in result.plan.steps:
        for req, _ in graph.requires.get(step.topic, ()):
            if req in placed:
                assert placed[req] < step.position


@SETTINGS
@given(learners())
def test_what_a_plan_leaves_out_is_walked_once_only_when_nothing_was_dropped(case):
    # planning.plan hands its own topics to removed_topics as the topics the
    # targets reach without a known one, when it dropped nothing for time:
    # they must be exactly that walk's, and the removed topics the same.
    graph, raw = case
    result = run_pipeline(raw, graph, today=TODAY, assume_unanswered=True)
    assessment, plan = result.assessment, result.plan
    view = chosen_view(graph, assessment.profile)
    if not plan.dropped_recommended:
        reached = _reach(view, plan.targets, assessment.known)
        assert {s.topic for s in plan.steps} == set(reached)
    assert plan.removed == removed_topics(view, assessment, plan.targets)
