"""Placement that shrinks the plan, on a hub-shaped synthetic catalog.

Knowing a topic implies its basis, a level places the learner past the plan's
topics below it, placement questions are chosen by the hours they settle, and
every topic the plan leaves out says why.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.domain import (
    Answer,
    CatalogGraph,
    Prerequisite,
    RemovalReason,
    SubjectNode,
    TopicNode,
    TrackNode,
    assess,
    normalize,
    plan,
    run_pipeline,
)
from planner.domain.planning import (
    known_closure,
    plan_targets,
    quarters,
    required_closure,
    required_quarters,
)
from planner.domain.synthetic import hub_catalog
from planner.domain.wording import removed_notice
from roadmaps.services.store import roadmap_notices

from . import CHAIN, TODAY, profile_raw, python_graph

#: Two subjects of twenty hubs (twenty topics each), no choice groups: every
#: topic a beginner's plan holds is reachable over plain prerequisites.
HUB = hub_catalog(topics=800, subjects=2, resources_per_topic=2, choice_groups=False)
GRAPH = HUB.graph()
#: Tracks aiming past the first half of the spine (where levels rise).
DEEP = tuple(
    slug
    for slug, track in sorted(GRAPH.tracks.items())
    if any(GRAPH.topics[t].level != "beginner" for t in track.targets)
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _raw(track: str, level: str, **extra: object) -> dict:
    node = GRAPH.tracks[track]
    return {
        "subject": node.subject,
        "level": level,
        "goals": track,
        "weekly_hours": 6,
        **extra,
    }


def _plan(track: str, level: str, answers: dict | None = None, **extra: object):
    result = run_pipeline(
        _raw(track, level, **extra),
        GRAPH,
        today=TODAY,
        answers=answers,
        assume_unanswered=True,
    )
    return result.plan


def test_the_hub_catalog_has_deep_tracks_and_bare_topics():
    assert len(DEEP) >= 6
    bare = [s for s in GRAPH.topics if not GRAPH.resources_by_topic.get(s)]
    assert bare  # topics nobody has found a resource for yet
    kinds = {k for pairs in GRAPH.requires.values() for _, k in pairs}
    assert kinds == {"required", "recommended"}


def test_an_intermediate_plan_is_substantially_smaller_than_a_beginners():
    for track in DEEP:
        beginner = _plan(track, "beginner")
        intermediate = _plan(track, "intermediate")
        advanced = _plan(track, "advanced")
        assert intermediate.total_hours <= 0.7 * beginner.total_hours, track
        assert len(intermediate.steps) < len(beginner.steps)
        assert advanced.total_hours <= intermediate.total_hours


def test_the_level_keeps_what_it_does_not_cover():
    # Nothing at or above the learner's level leaves the plan on the level's
    # word alone (only when nothing left in the plan leads to it any more),
    # and the targets always stay.
    for track in DEEP:
        beginner = {s.topic for s in _plan(track, "beginner").steps}
        result = _plan(track, "intermediate")
        kept = {s.topic for s in result.steps}
        why = {r.topic: r.reason for r in result.removed}
        for slug in beginner - kept:
            if GRAPH.topics[slug].level != "beginner":
                assert why[slug] == RemovalReason.UNNEEDED, (track, slug)
        assert set(GRAPH.tracks[track].targets) <= kept


def test_every_removed_topic_is_explained():
    for track in DEEP:
        beginner = {s.topic for s in _plan(track, "beginner").steps}
        result = _plan(track, "intermediate")
        kept = {s.topic for s in result.steps}
        removed = {r.topic: r for r in result.removed}
        assert removed.keys() == beginner - kept, track
        for item in result.removed:
            node = GRAPH.topics[item.topic]
            assert item.note
            assert (
                item.hours
                == quarters(node.estimated_hours, "intermediate", node.level) / 4
            )
            if item.reason == RemovalReason.LEVEL and item.via is None:
                assert node.level == "beginner"
                assert (
                    item.note
                    == f"Placed as intermediate: {node.name} is a beginner topic."
                )
            elif item.via is not None:
                assert item.topic in known_closure(GRAPH, [item.via]) or (
                    item.reason == RemovalReason.UNNEEDED
                )
        notices = roadmap_notices(result)
        (notice,) = [n for n in notices if n["kind"] == "known_removed"]
        assert [t["topic"] for t in notice["topics"]] == [
            r.topic for r in result.removed
        ]
        assert notice["message"] == removed_notice(result)
        assert notice["hours"] == sum(r.hours for r in result.removed)


@SETTINGS
@given(data=st.data())
def test_a_known_topics_prerequisites_never_appear(data):
    track = data.draw(st.sampled_from(DEEP))
    level = data.draw(st.sampled_from(("beginner", "intermediate", "advanced")))
    closure = sorted(required_closure(GRAPH, GRAPH.tracks[track].targets, frozenset()))
    known = data.draw(st.lists(st.sampled_from(closure), max_size=4, unique=True))
    result = _plan(track, level, known_topics=known)
    planned = {s.topic for s in result.steps}
    basis = known_closure(GRAPH, known)
    assert not planned & basis
    removed = {r.topic: r for r in result.removed}
    assert not planned & removed.keys()
    for slug in basis & set(closure):
        # Every known topic the plan would need is left out with a reason.
        assert slug in removed
        if slug in known:
            assert removed[slug].reason == RemovalReason.KNOWN
            assert removed[slug].note == f"You said you know {GRAPH.topics[slug].name}."


def test_you_said_you_know_x_which_needs_y():
    graph = python_graph()
    raw = profile_raw(goals="python-oop", known_topics="python-loops")
    result = run_pipeline(raw, graph, today=TODAY)
    notes = {r.topic: r.note for r in result.plan.removed}
    assert notes["python-loops"] == "You said you know Loops."
    assert notes["python-setup"] == "You said you know Loops, which needs Setup."
    planned = {s.topic for s in result.plan.steps}
    assert not planned & set(CHAIN[:4])


def test_a_placement_question_says_the_hours_it_decides_and_removes_them():
    for track in DEEP[:4]:
        profile = normalize(_raw(track, "intermediate"), GRAPH, TODAY)
        before = assess(profile, GRAPH)
        (question,) = before.pending
        assert question.hours is not None and question.hours > 0
        assert question.reason.startswith(
            f"placement: this decides whether your plan includes "
            f"{GRAPH.topics[question.topic].name}"
        )
        assert question.reason.endswith(f"about {question.hours:g} hours")
        after = assess(profile, GRAPH, {question.id: Answer("yes")})
        targets = plan_targets(profile, GRAPH)
        saved = required_quarters(
            GRAPH, targets, before.known, "intermediate"
        ) - required_quarters(GRAPH, targets, after.known, "intermediate")
        assert saved == question.hours * 4
        # A "no" keeps the topic, and a later question never asks about it again.
        refused = assess(profile, GRAPH, {question.id: Answer("no")})
        if refused.pending:
            assert refused.pending[0].topic != question.topic
        final = assess(
            profile, GRAPH, {question.id: Answer("no")}, assume_unanswered=True
        )
        assert question.topic in {s.topic for s in plan(final, GRAPH).steps}


def test_placement_asks_about_the_subject_and_settles_the_most_hours():
    for track in DEEP[:4]:
        profile = normalize(_raw(track, "advanced"), GRAPH, TODAY)
        assessment = assess(profile, GRAPH)
        (question,) = assessment.pending
        assert GRAPH.topics[question.topic].subject == profile.subject
        # Checked by brute force: no open topic of the subject settles more
        # hours in the worse case (a "yes" leaves out its down set, a "no"
        # keeps its up set), ties to the larger "yes".
        open_topics = frozenset(assessment.placement.open)

        def hours(slugs):
            topics = GRAPH.topics
            return sum(
                quarters(topics[s].estimated_hours, "advanced", topics[s].level)
                for s in slugs
            )

        down = {
            t: required_closure(GRAPH, [t], frozenset()).keys() & open_topics
            for t in open_topics
        }
        keys = {
            t: (
                min(hours(down[t]), hours(u for u in open_topics if t in down[u])),
                hours(down[t]),
            )  # fmt: skip
            for t in open_topics
            if GRAPH.topics[t].subject == profile.subject
        }
        assert keys[question.topic] == max(keys.values())
        assert question.hours * 4 == keys[question.topic][1]


def _tiny(level_of_b: str = "beginner") -> CatalogGraph:
    """b (beginner, needs i) and a (beginner, needs m from maths): one target t."""
    topics = [
        TopicNode("m", "maths", "Arithmetic", "intermediate", 2.0),
        TopicNode("a", "py", "Basics", "beginner", 2.0),
        TopicNode("i", "py", "Iterators", "intermediate", 2.0),
        TopicNode("b", "py", "Loops", level_of_b, 2.0),
        TopicNode("t", "py", "Target", "advanced", 2.0),
    ]
    edges = [
        Prerequisite("a", "m"),
        Prerequisite("b", "i"),
        Prerequisite("t", "a"),
        Prerequisite("t", "b"),
    ]
    return CatalogGraph.build(
        version=1,
        subjects=[SubjectNode("py", "Py"), SubjectNode("maths", "Maths")],
        topics=topics,
        prerequisites=edges,
        tracks=[TrackNode("py-t", "py", "To t", "", "skill", ("t",))],
    )


def test_a_beginner_topic_resting_on_harder_ones_stays_and_its_basis_is_known():
    graph = _tiny()
    raw = {"subject": "py", "level": "intermediate", "goals": "py-t", "weekly_hours": 5}
    profile = normalize(raw, graph, TODAY)
    assessment = assess(profile, graph, assume_unanswered=True)
    # "a" is placed with what it needs from maths; "b" needs an intermediate
    # topic, so a good teacher keeps it (and "i") in the plan.
    assert assessment.placed_by_level == {"a", "m"}
    result = plan(assessment, graph)
    assert [s.topic for s in result.steps if s.topic in "bit"] == ["i", "b", "t"]
    notes = {r.topic: r.note for r in result.removed}
    assert notes == {
        "a": "Placed as intermediate: Basics is a beginner topic.",
        "m": "Placed as intermediate: Basics is a beginner topic, which needs "
        "Arithmetic.",
    }


def test_a_beginner_is_placed_nowhere():
    graph = _tiny()
    raw = {"subject": "py", "level": "beginner", "goals": "py-t", "weekly_hours": 5}
    assessment = assess(normalize(raw, graph, TODAY), graph)
    assert assessment.placed_by_level == frozenset()
    assert plan(assessment, graph).removed == ()


def test_marking_a_step_known_on_regeneration_uses_the_same_closure():
    # What a regeneration adds: the done steps become known topics.
    from planner.services.profiles import Replan

    track = DEEP[0]
    profile = normalize(_raw(track, "beginner"), GRAPH, TODAY)
    first = plan(assess(profile, GRAPH), GRAPH)
    middle = first.steps[len(first.steps) // 2].topic
    again = Replan(done=(middle,), start_date=date(2026, 2, 1)).applied(profile, GRAPH)
    second = plan(assess(again, GRAPH), GRAPH)
    planned = {s.topic for s in second.steps}
    assert not planned & known_closure(GRAPH, [middle])
    removed = {r.topic: r for r in second.removed}
    assert removed[middle].reason == RemovalReason.KNOWN
    for slug in known_closure(GRAPH, [middle]) - {middle}:
        assert removed[slug].reason == RemovalReason.IMPLIED
        assert removed[slug].via == middle
