"""Ranking: filters, fallbacks, score parts, variety, ties, broken links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planner.domain import assess, normalize, plan, rank
from planner.domain.ranking import FRESHNESS_DAYS_KEPT, WEIGHTS, _Scorer
from planner.domain.synthetic import hub_catalog, synthetic_catalog
from planner.domain.types import (
    SCORE_PARTS,
)

from . import TODAY, profile_raw, python_graph, resource

GRAPH = python_graph()


def _ranked(graph=GRAPH, top_n=3, **overrides):
    profile = normalize(profile_raw(**overrides), graph, TODAY)
    assessment = assess(profile, graph, assume_unanswered=True)
    return rank(
        plan(assessment, graph), assessment.profile, graph, today=TODAY, top_n=top_n
    )


def _step(result, topic):
    return next(s for s in result.steps if s.topic == topic)


def _attached(step):
    return [r.resource for r in step.resources]


def test_every_step_gets_the_top_three_with_a_breakdown():
    result = _ranked()
    for step in result.steps:
        assert len(step.resources) == 3
        assert [r.rank for r in step.resources] == [1, 2, 3]
        totals = [r.score.total for r in step.resources]
        assert totals == sorted(totals, reverse=True)
        for ranked in step.resources:
            parts = ranked.score.parts
            assert list(parts) == list(SCORE_PARTS)
            assert all(0 <= v <= 1 for v in parts.values())
            weighted = sum(WEIGHTS[name] * value for name, value in parts.items())
            expected = weighted - ranked.score.variety_penalty
            assert ranked.score.total == pytest.approx(expected)
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert len(_ranked(top_n=1).steps[0].resources) == 1


def test_a_language_without_resources_falls_back_and_says_so():
    result = _ranked(language="fr")
    for step in result.steps:
        assert step.flags == ("language_fallback",)
        assert step.resources
        assert all("language_fallback" in r.flags for r in step.resources)
        assert all(r.score.part("language") == 0.5 for r in step.resources)


def test_resources_in_the_learners_language_come_alone_when_they_exist():
    spanish = resource("bucles", "python-loops", language="es", curator_rating=2)
    graph = python_graph(extra_resources=(spanish,))
    result = _ranked(graph, language="Español")
    loops = _step(result, "python-loops")
    assert _attached(loops) == ["bucles"]
    assert loops.flags == ()
    assert _step(result, "python-setup").flags == ("language_fallback",)


def test_a_free_only_learner_never_gets_paid_resources_when_free_ones_exist():
    freemium = resource("loops-freemium", "python-loops", cost="freemium")
    graph = python_graph(extra_resources=(freemium,))
    result = _ranked(graph, cost="free only")
    costs = {graph.resources[r].cost for s in result.steps for r in _attached(s)}
    assert costs == {"free", "freemium"}
    any_cost = _ranked(graph, cost="any")
    assert "python-loops-course" in _attached(_step(any_cost, "python-loops"))


def test_paid_comes_back_flagged_only_when_nothing_free_exists():
    graph = python_graph(drop_resources=("python-loops-docs", "python-loops-video"))
    loops = _step(_ranked(graph, cost="free only"), "python-loops")
    assert _attached(loops) == ["python-loops-course"]
    assert loops.flags == ("cost_fallback",)
    assert loops.resources[0].flags == ("cost_fallback",)


def test_broken_links_are_never_attached():
    broken = resource(
        "loops-broken", "python-loops", curator_rating=5, link_health="broken"
    )
    graph = python_graph(extra_resources=(broken,))
    for step in _ranked(graph).steps:
        assert "loops-broken" not in _attached(step)
    only_broken = python_graph(
        extra_resources=(broken,),
        drop_resources=tuple(f"python-loops-{k}" for k in ("docs", "video", "course")),
    )
    assert _step(_ranked(only_broken), "python-loops").resources == ()


def test_variety_keeps_one_provider_from_filling_a_step_with_videos():
    great_videos = tuple(
        resource(
            f"tube-{n}",
            "python-functions",
            provider="tube",
            format="video",
            curator_rating=5,
            provider_trust=1.0,
        )  # fmt: skip
        for n in range(4)
    )
    graph = python_graph(extra_resources=great_videos)
    functions = _step(_ranked(graph), "python-functions")
    chosen = [graph.resources[r] for r in _attached(functions)]
    pairs = [(r.provider, r.format) for r in chosen]
    # By score alone the four great videos would take all three places.
    assert chosen[0].slug == "tube-0"
    assert pairs.count(("tube", "video")) <= 2
    assert len({r.format for r in chosen}) >= 2
    assert [r.score.variety_penalty for r in functions.resources] == [0, 0, 0]

    defaults = tuple(f"python-functions-{k}" for k in ("docs", "video", "course"))
    only_tube = python_graph(extra_resources=great_videos, drop_resources=defaults)
    functions = _step(_ranked(only_tube), "python-functions")
    # The third video of one provider is never attached, even with nothing else.
    assert _attached(functions) == ["tube-0", "tube-1"]
    assert functions.resources[1].score.variety_penalty == pytest.approx(0.25)


def test_equal_scores_tie_break_by_slug():
    twins = (
        resource("zz-twin", "python-setup", provider="p1"),
        resource("aa-twin", "python-setup", provider="p2"),
    )
    graph = python_graph(
        extra_resources=twins,
        drop_resources=tuple(f"python-setup-{k}" for k in ("docs", "video", "course")),
    )
    setup = _step(_ranked(graph), "python-setup")
    assert _attached(setup) == ["aa-twin", "zz-twin"]
    first, second = (r.score for r in setup.resources)
    assert first.total == second.total + second.variety_penalty


def test_disliked_formats_sink_and_are_flagged():
    result = _ranked(formats_disliked="videos", formats_liked="documentation")
    for step in result.steps:
        last = step.resources[-1]
        assert last.resource.endswith("-video")
        assert last.flags == ("disliked_format",)
        assert last.score.part("format") == 0
        assert step.resources[0].score.part("format") == 1


def test_a_child_only_sees_resources_listed_for_children():
    kids = resource("kids-loops", "python-loops", age_ranges=("child",))
    graph = python_graph(extra_resources=(kids,))
    result = _ranked(graph, age_range="kid")
    assert _attached(_step(result, "python-loops")) == ["kids-loops"]
    assert _step(result, "python-setup").resources == ()
    teen = _ranked(graph, age_range="teen")
    assert "kids-loops" not in _attached(_step(teen, "python-loops"))


def test_the_free_only_shortcut_gives_what_the_filters_give():
    # An adult free-only learner takes the free offers of their language
    # straight from the snapshot's language split; the full filters are the
    # reference, topic by topic, for every language and both cost choices.
    graph = synthetic_catalog(topics=300, subjects=2, seed=5).graph()
    for language in ("en", "es", "fr", "de"):
        for cost in ("free_only", "any"):
            profile = normalize(
                profile_raw(
                    language=language,
                    cost=cost,
                    subject="subject-0",
                    goals="subject-0-track-1",
                ),
                graph,
                TODAY,
            )
            scorer = _Scorer(profile, TODAY, graph)
            for topic, offers in graph.offers_by_topic.items():
                pool, flags = scorer.candidates(topic)
                assert (list(pool), flags) == scorer.filter(offers), topic


def test_freshness_follows_the_day_the_snapshot_is_asked_about():
    # The snapshot keeps each day's freshness scores for the plans of that
    # day; ranking on another day must score as a fresh snapshot would.
    catalog = synthetic_catalog(topics=200, subjects=1, seed=3)
    shared = catalog.graph()
    days = [TODAY + timedelta(days=400 * i) for i in range(4)]
    for day in days:
        raw = profile_raw(
            subject="subject-0", goals="subject-0-track-6", start_date=day.isoformat()
        )
        profile = normalize(raw, shared, day)
        assessment = assess(profile, shared, assume_unanswered=True)
        draft = plan(assessment, shared)
        fresh = catalog.graph()
        assert rank(draft, assessment.profile, shared, today=day) == rank(
            draft, assessment.profile, fresh, today=day
        )
    kept = [key for key in shared.memo if key[0] == "freshness"]
    assert len(kept) == FRESHNESS_DAYS_KEPT
    assert kept[-1] == ("freshness", days[-1].toordinal())


def test_an_owned_draft_is_ranked_in_place_as_a_copy_would_be():
    # The pipeline hands rank its own draft: the steps get their resources in
    # place, and the plan equals the one ranking a copy gives, a step without
    # resources (and its reason) included.
    graph = hub_catalog(topics=400, subjects=1, resources_per_topic=3, seed=2).graph()
    for track in graph.tracks.values():
        raw = profile_raw(subject=track.subject, goals=track.slug)
        assessment = assess(normalize(raw, graph, TODAY), graph, assume_unanswered=True)
        draft = plan(assessment, graph)
        if any(not graph.resources_by_topic.get(s.topic) for s in draft.steps):
            break
    copied = rank(plan(assessment, graph), assessment.profile, graph, today=TODAY)
    owned = rank(draft, assessment.profile, graph, today=TODAY, owned=True)
    assert owned is draft and owned == copied
    assert {bool(s.no_resource) for s in owned.steps} == {True, False}
