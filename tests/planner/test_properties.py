"""Properties over random catalogs (DAGs) and random learners.

Every plan the pipeline returns keeps its invariants; the questioning never
asks more than three questions whatever the answers; the output does not
depend on the order the catalog was read in.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from planner.domain import (
    MAX_QUESTIONS,
    Answer,
    CatalogGraph,
    Cost,
    Prerequisite,
    PrerequisiteKind,
    SubjectNode,
    TopicNode,
    TrackNode,
    assess,
    next_questions,
    normalize,
    run_pipeline,
    weeks,
)
from planner.domain.catalog import age_allows

from . import TODAY, resource

LEVELS = ("beginner", "intermediate", "advanced")
TRACK_WORDS = ("web", "data", "games", "science", "basics", "testing")
SETTINGS = settings(max_examples=120, deadline=None)


@st.composite
def catalogs(draw) -> dict:
    """Plain catalog data: a random DAG (edges only to lower numbers) and resources."""
    size = draw(st.integers(min_value=1, max_value=24))
    topics = [
        TopicNode(
            slug=f"t{i}",
            subject="s",
            name=f"Topic {i}",
            level=draw(st.sampled_from(LEVELS)),
            estimated_hours=draw(st.sampled_from((0.5, 1, 1.5, 2, 3, 4.2))),
            objectives=(f"Do thing {i}",),
            mastery_kind="quiz",
            mastery_description=f"Quiz {i}",
        )
        for i in range(size)
    ]
    edges = [
        Prerequisite(
            f"t{i}",
            f"t{j}",
            draw(st.sampled_from(("required", "required", "recommended"))),
        )
        for i in range(1, size)
        for j in sorted(draw(st.sets(st.integers(max(0, i - 6), i - 1), max_size=3)))
    ]
    # A sparse catalog may leave a topic with nothing to offer (the step stays,
    # marked); otherwise every topic's first resource is healthy.
    sparse = draw(st.booleans())
    resources = [
        resource(
            f"t{i}-r{k}",
            f"t{i}",
            provider=draw(st.sampled_from(("p0", "p1", "p2"))),
            format=draw(st.sampled_from(("video", "article", "course"))),
            language=draw(st.sampled_from(("en", "en", "es", "fr"))),
            cost=draw(st.sampled_from(("free", "freemium", "paid"))),
            difficulty=draw(st.sampled_from(LEVELS)),
            link_health="healthy"
            if k == 0 and not sparse
            else draw(
                st.sampled_from(
                    ("healthy", "healthy", "unchecked", "degraded", "broken")
                )
            ),
            curator_rating=draw(st.integers(1, 5)),
            duration_minutes=draw(st.integers(5, 600)),
            age_ranges=draw(st.sampled_from(((), ("teen", "adult"), ("adult",)))),
        )
        for i in range(size)
        for k in range(draw(st.integers(0 if sparse else 1, 4)))
    ]
    tracks = [
        TrackNode(
            f"track-{n}",
            "s",
            f"Track {TRACK_WORDS[n]} {TRACK_WORDS[n + 1]}",
            "",
            "skill",
            tuple(
                sorted(
                    draw(
                        st.sets(
                            st.sampled_from([t.slug for t in topics][size // 2 :]),
                            min_size=1,
                            max_size=3,
                        )
                    )
                )
            ),  # fmt: skip
        )
        for n in range(draw(st.integers(1, 3)))
    ]
    return {"topics": topics, "prerequisites": edges, "resources": resources,
            "tracks": tracks}  # fmt: skip


def _build(catalog: dict, order: random.Random | None = None) -> CatalogGraph:
    parts = {k: list(v) for k, v in catalog.items()}
    if order is not None:
        for items in parts.values():
            order.shuffle(items)
    return CatalogGraph.build(
        version=1, subjects=[SubjectNode("s", "Subject", ("en",))], **parts
    )


@st.composite
def onboarding(draw, catalog: dict) -> dict:
    """What a learner may type for a random catalog (always valid input)."""
    slugs = [t.slug for t in catalog["topics"]]
    track_names = [t.name for t in catalog["tracks"]]
    goal = draw(
        st.one_of(
            st.sampled_from([t.slug for t in catalog["tracks"]]),
            st.sampled_from(track_names).map(lambda name: f"I like {name.split()[1]}"),
            st.just("Track"),
        )
    )
    deadline = draw(st.none() | st.integers(0, 90))
    raw = {
        "subject": "subject",
        "level": draw(st.sampled_from(LEVELS)),
        "goals": goal,
        "weekly_hours": draw(st.sampled_from((0.5, 1, 2.5, 5, 12, 80))),
        "language": draw(st.sampled_from(("en", "es", "fr", "de"))),
        "cost": draw(st.sampled_from(("any", "free only"))),
        "age_range": draw(st.sampled_from(("", "adult"))),
        "known_topics": draw(st.lists(st.sampled_from(slugs), max_size=3, unique=True)),
        "formats_disliked": draw(st.sampled_from(("", "video"))),
        "start_date": TODAY.isoformat(),
    }
    if deadline is not None:
        raw["deadline"] = (TODAY + timedelta(days=deadline)).isoformat()
    return raw


def _profile(raw: dict, graph: CatalogGraph):
    if "adult" not in graph.ages_by_subject.get("s", ()):
        raw.pop("age_range")  # nothing is offered at all: any age would be refused
    return normalize(raw, graph, TODAY)


def _answer(data: st.DataObject, question) -> Answer:
    values = [o.value for o in question.options]
    return data.draw(
        st.one_of(
            st.sampled_from(values).map(Answer),
            st.builds(Answer, st.sampled_from(values), st.floats(0, 1)),
            st.just(Answer(skipped=True)),
        )
    )


def _interview(data, profile, graph) -> dict:
    answers: dict[str, Answer] = {}
    for expected_order in range(1, 10):
        pending = next_questions(profile, graph, answers)
        if not pending:
            return answers
        (question,) = pending
        assert question.order == expected_order <= MAX_QUESTIONS
        assert question.id not in answers
        answers[question.id] = _answer(data, question)
    raise AssertionError("the questioning did not end")


@SETTINGS
@given(data=st.data())
def test_never_more_than_three_questions_whatever_the_answers(data):
    catalog = data.draw(catalogs())
    graph = _build(catalog)
    profile = _profile(data.draw(onboarding(catalog)), graph)
    answers = _interview(data, profile, graph)
    assessment = assess(profile, graph, answers)
    assert assessment.pending == ()
    assert len(assessment.asked) == len(answers) <= MAX_QUESTIONS
    if (
        profile.track_explicit
        and profile.level == "beginner"
        and profile.deadline is None
    ):
        assert answers == {}


@SETTINGS
@given(data=st.data())
def test_every_plan_keeps_its_invariants(data):
    catalog = data.draw(catalogs())
    graph = _build(catalog)
    raw = data.draw(onboarding(catalog))
    profile = _profile(raw, graph)
    answers = _interview(data, profile, graph)
    # No plan is refused for a missing resource: the step stays, marked.
    result = run_pipeline(raw, graph, today=TODAY, answers=answers)
    if any(s.no_resource for s in result.plan.steps):
        event("a step has no resource yet")
    event(f"plan: {len(result.plan.steps) // 5 * 5}+ steps, "
          f"{'feasible' if result.plan.feasible else 'shortfall'}")  # fmt: skip
    plan, assessment = result.plan, result.assessment
    steps = plan.steps
    position = {s.topic: s.position for s in steps}

    assert [s.position for s in steps] == list(range(1, len(steps) + 1))
    assert len(position) == len(steps), "a topic twice"
    for step in steps:
        for req, kind in graph.requires.get(step.topic, ()):
            if req in position:
                assert position[req] < step.position, "prerequisite after dependent"
            elif kind == PrerequisiteKind.REQUIRED:
                assert req in assessment.known, "required prerequisite missing"
    assert not assessment.known & position.keys(), "a known topic planned"
    assert not set(profile.known_topics) & position.keys()
    for target in plan.targets:
        assert target in position or target in assessment.known

    _check_time(plan)
    for step in steps:
        _check_step(step, graph, assessment.profile)

    shuffled = _build(catalog, data.draw(st.randoms(use_true_random=False)))
    again = run_pipeline(raw, shuffled, today=TODAY, answers=answers)
    assert again == result, "the output depends on the catalog's order"


def _check_time(plan) -> None:
    assert plan.total_hours == sum(s.hours for s in plan.steps)
    for step in plan.steps:  # the cut: which steps end by the deadline
        if plan.deadline is None:
            assert step.fits_deadline is None
        else:
            assert step.fits_deadline == (step.end_date <= plan.deadline)
            if plan.feasible:
                assert step.fits_deadline
    assert plan.feasible == (plan.shortfall is None)
    if plan.budget_hours is None:
        assert plan.feasible
    elif plan.feasible:
        assert plan.total_hours <= plan.budget_hours
        assert plan.end_date <= plan.deadline
    else:
        assert plan.total_hours > plan.budget_hours
        assert plan.shortfall.hours_needed == plan.total_hours
        assert plan.shortfall.earliest_feasible_deadline == plan.end_date
    if plan.steps:
        assert plan.steps[0].start_date == plan.start_date
        assert plan.end_date == plan.steps[-1].end_date
    for before, after in zip(plan.steps, plan.steps[1:], strict=False):
        assert before.start_date <= after.start_date <= after.end_date
        assert before.end_date <= after.end_date
    calendar = weeks(plan)
    assert sum(w.hours for w in calendar) == plan.total_hours
    assert all(w.hours <= plan.weekly_hours for w in calendar)
    assert all(w.start == plan.start_date + timedelta(days=7 * (w.index - 1))
               for w in calendar)  # fmt: skip


def _check_step(step, graph, profile) -> None:
    assert step.objectives and step.mastery_description
    if not step.resources:
        assert step.no_resource and step.no_resource_reason
        assert not [
            o
            for o in graph.offers_by_topic.get(step.topic, ())
            if age_allows(profile.age_range, o.resource.age_ranges)
        ], "a step left empty though something could be offered"
        return
    assert not step.no_resource and not step.no_resource_reason
    assert 1 <= len(step.resources) <= 3
    chosen = [graph.resources[r.resource] for r in step.resources]
    assert all(r.link_health != "broken" for r in chosen)
    pairs = [(r.provider, r.format) for r in chosen]
    assert all(pairs.count(p) <= 2 for p in pairs)
    offers = [
        o.resource
        for o in graph.offers_by_topic[step.topic]
        if age_allows(profile.age_range, o.resource.age_ranges)
    ]
    if profile.cost == "free_only" and any(r.cost != Cost.PAID for r in offers):
        assert all(r.cost != Cost.PAID for r in chosen)
        offers = [r for r in offers if r.cost != Cost.PAID]  # cost filters first
    if any(r.language == profile.language for r in offers):
        assert all(r.language == profile.language for r in chosen)
        assert "language_fallback" not in step.flags


@SETTINGS
@given(data=st.data())
def test_bisection_places_any_learner_on_a_chain(data):
    length = data.draw(st.integers(1, 7))
    boundary = data.draw(st.integers(0, length))
    catalog = {
        "topics": [
            TopicNode(
                f"c{i}", "s", f"Chain {i}", "advanced", 1, (f"Do {i}",), "quiz", "Quiz"
            )  # fmt: skip
            for i in range(length)
        ],
        "prerequisites": [Prerequisite(f"c{i}", f"c{i - 1}") for i in range(1, length)],
        "resources": [resource(f"r{i}", f"c{i}") for i in range(length)],
        "tracks": [TrackNode("chain", "s", "Chain", "", "skill", (f"c{length - 1}",))],
    }
    graph = _build(catalog)
    raw = {"subject": "s", "level": "advanced", "goals": "chain", "weekly_hours": 5}
    profile = normalize(raw, graph, date(2026, 1, 1))
    known = {f"c{i}" for i in range(boundary)}
    answers: dict[str, Answer] = {}
    while pending := next_questions(profile, graph, answers):
        answers[pending[0].id] = Answer("yes" if pending[0].topic in known else "no")
    assert len(answers) <= length.bit_length()  # ceil(log2(L + 1))
    assert assess(profile, graph, answers).known == known
