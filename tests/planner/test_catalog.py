"""The snapshot: vocabularies mirror taxonomy.enums, build indexes, build refusals."""

from __future__ import annotations

import pytest

from planner.domain import (
    AgeRange,
    CatalogGraph,
    CatalogGraphError,
    Cost,
    Format,
    GoalKind,
    Language,
    Level,
    LinkHealth,
    MasteryKind,
    PrerequisiteKind,
    SubjectNode,
    TopicNode,
)
from planner.domain.types import LANGUAGE_NAMES, LEVEL_RANK
from taxonomy import enums

from . import CHAIN, python_graph, resource


def test_vocabularies_equal_the_canonical_enums():
    # taxonomy.enums imports django.db.models; the pure core must not, so it
    # keeps mirrors and this test holds them equal, order included. A plain
    # import: a broken module must fail here, never skip.
    pairs = [
        (Level, enums.Level),
        (Language, enums.Language),
        (AgeRange, enums.AgeRange),
        (Format, enums.Format),
        (Cost, enums.Cost),
        (GoalKind, enums.GoalKind),
        (MasteryKind, enums.MasteryKind),
        (PrerequisiteKind, enums.PrerequisiteKind),
        (LinkHealth, enums.LinkHealth),
    ]
    for mirror, canonical in pairs:
        assert [m.value for m in mirror] == list(canonical.values), mirror.__name__
    assert [LEVEL_RANK[v] for v in enums.Level.values] == [
        enums.Level.rank(v) for v in enums.Level.values
    ]
    for code, label in enums.Language.choices:
        english, native = LANGUAGE_NAMES[code]
        assert label in (english, f"{english} ({native})")


def test_topo_rank_orders_every_prerequisite_first():
    graph = python_graph()
    for topic, pairs in graph.requires.items():
        for req, _ in pairs:
            assert graph.topo_rank[req] < graph.topo_rank[topic]
    ranks = [graph.topo_rank[slug] for slug in CHAIN]
    assert ranks == sorted(ranks)
    assert sorted(graph.topo_rank.values()) == list(range(len(graph.topics)))


def test_indexes_are_sorted_and_leave_broken_resources_out_of_offers():
    broken = resource("loops-broken", "python-loops", link_health="broken")
    graph = python_graph(extra_resources=(broken,))
    assert graph.resources_by_topic["python-loops"] == tuple(
        sorted(graph.resources_by_topic["python-loops"])
    )
    assert "loops-broken" in graph.resources_by_topic["python-loops"]
    offered = [o.resource.slug for o in graph.offers_by_topic["python-loops"]]
    assert "loops-broken" not in offered
    assert "loops-broken" not in graph.offerable
    assert graph.offers_by_language["python-loops"].keys() == {"en"}
    assert graph.prerequisites_of("python-functions") == (
        "python-style",
        "python-loops",
    )
    assert graph.prerequisites_of("python-functions", "required") == ("python-loops",)
    assert [s for s, _ in graph.required_by["python-loops"]] == [
        "python-debugging",
        "python-functions",
    ]
    assert graph.topics_by_name["loops"] == ("python-loops",)
    assert graph.tracks_by_subject["javascript"] == ("js-first-steps",)


def test_ages_served_count_unlisted_ages_as_teen_and_adult():
    graph = python_graph()
    assert graph.ages_by_subject["python"] == {"teen", "adult"}
    kids = resource("kids-loops", "python-loops", age_ranges=("child",))
    assert "child" in python_graph(extra_resources=(kids,)).ages_by_subject["python"]


def _topic(slug: str, subject: str = "s") -> TopicNode:
    return TopicNode(slug, subject, slug.title(), "beginner", 1, ("Do it",))


def test_build_lists_every_problem_at_once():
    with pytest.raises(CatalogGraphError) as caught:
        CatalogGraph.build(
            version=1,
            subjects=[SubjectNode("s", "S")],
            topics=[_topic("a"), _topic("a"), _topic("b", subject="nope")],
            prerequisites=[("a", "ghost", "required"), ("a", "a", "required")],
            resources=[resource("r", "ghost", language="xx")],
        )
    problems = " | ".join(caught.value.problems)
    for expected in (
        "topic 'a' appears twice",
        "unknown subject 'nope'",
        "'a' -> 'ghost': unknown topic",
        "cannot require itself",
        "resource 'r': unknown language, topic 'ghost'",
    ):
        assert expected in problems


def test_build_refuses_a_cycle():
    with pytest.raises(CatalogGraphError, match="cycle: a -> b -> c -> a$"):
        CatalogGraph.build(
            version=1,
            subjects=[SubjectNode("s", "S")],
            topics=[_topic("a"), _topic("b"), _topic("c"), _topic("d")],
            prerequisites=[
                ("a", "b", "required"),
                ("b", "c", "recommended"),
                ("c", "a", "required"),
                ("d", "a", "required"),
            ],
        )


def test_decimals_from_the_orm_are_refused_with_a_clear_message():
    from decimal import Decimal

    with pytest.raises(CatalogGraphError) as caught:
        CatalogGraph.build(
            version=1,
            subjects=[SubjectNode("s", "S")],
            topics=[TopicNode("a", "s", "A", "beginner", Decimal("1.5"), ("Do",))],
            prerequisites=[],
            resources=[resource("r", "a", provider_trust=Decimal("0.9"))],
        )
    assert caught.value.problems == (
        "topic 'a': estimated_hours must be a positive float",
        "resource 'r': unknown provider_trust Decimal('0.9') (a float is expected)",
    )
