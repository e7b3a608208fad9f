"""A track's curated target order: what an earlier target needs is taught
before what only a later target needs, wherever prerequisites allow
(planner.domain.planning.teaching_order), read from the database in order."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.domain import (
    CatalogGraph,
    Prerequisite,
    SubjectNode,
    TrackNode,
)
from planner.domain.planning import teaching_order
from taxonomy.services import track_save
from tests.factories import (
    PrerequisiteFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

from . import beginner_plan, random_dags, resource, topic_node

SETTINGS = settings(max_examples=150, deadline=None)


def _graph(topics, edges, targets) -> CatalogGraph:
    return CatalogGraph.build(
        version=1,
        subjects=[SubjectNode("s", "S", ("en",))],
        topics=topics,
        prerequisites=edges,
        tracks=[TrackNode("goal", "s", "Goal", targets=tuple(targets))],
        resources=[resource(f"{t.slug}-docs", t.slug) for t in topics],
    )


def _plan_steps(graph: CatalogGraph) -> list[str]:
    result = beginner_plan(graph, subject="s", goals="goal")
    return [s.topic for s in result.steps]


# A small web catalog: two targets, each with its own chain, whose positions
# interleave (the curator numbered the subject, not the track).
WEB = {
    "html": (1, ()),
    "css": (2, ("html",)),
    "http": (3, ()),
    "layout": (4, ("css",)),
    "rest": (5, ("http",)),
}


def _web(targets: tuple[str, ...]) -> CatalogGraph:
    topics = [topic_node(slug, position) for slug, (position, _) in WEB.items()]
    edges = [Prerequisite(slug, req) for slug, (_, reqs) in WEB.items() for req in reqs]
    return _graph(topics, edges, targets)


def test_reordering_a_tracks_targets_reorders_the_plan() -> None:
    # Targets in the subject's order (what a track has until a curator
    # reorders it): the subject's curated order stands.
    assert _plan_steps(_web(("layout", "rest"))) == [
        "html",
        "css",
        "http",
        "layout",
        "rest",
    ]
    assert _plan_steps(_web(("rest", "layout"))) == [
        "http",
        "rest",
        "html",
        "css",
        "layout",
    ]


def test_a_target_needed_by_an_earlier_target_still_comes_first() -> None:
    # "layout" is listed first but needs "css", also a target: prerequisites win.
    assert _plan_steps(_web(("layout", "css", "rest"))) == [
        "html",
        "css",
        "layout",
        "http",
        "rest",
    ]


# -- the property: the target order is kept wherever prerequisites allow -------------
@st.composite
def tracks(draw) -> tuple[CatalogGraph, list[str]]:
    """A random DAG (edges to lower numbers, both kinds), random positions
    with ties, and a track whose targets come in a random order."""
    topics, edges = draw(random_dags(min_size=2))
    targets = draw(
        st.lists(
            st.sampled_from([t.slug for t in topics]),
            min_size=2,
            max_size=6,
            unique=True,
        )
    )
    return _graph(topics, edges, targets), targets


def _needs(graph: CatalogGraph, target: str) -> set[str]:
    """The target and everything below it, over both kinds of prerequisite."""
    seen, stack = {target}, [target]
    while stack:
        for req, _ in graph.requires.get(stack.pop(), ()):
            if req not in seen:
                seen.add(req)
                stack.append(req)
    return seen


def _in_subject_order(graph: CatalogGraph, targets: list[str]) -> bool:
    key = {t: (graph.topics[t].position, t) for t in targets}
    return targets == sorted(targets, key=key.__getitem__)


@SETTINGS
@given(tracks())
def test_targets_in_the_subject_order_change_nothing(case) -> None:
    drawn, targets = case
    in_order = sorted(targets, key=lambda t: (drawn.topics[t].position, t))
    edges = [
        Prerequisite(topic, req, kind)
        for topic, reqs in drawn.requires.items()
        for req, kind in reqs
    ]
    graph = _graph(list(drawn.topics.values()), edges, in_order)
    members = set().union(*(_needs(graph, t) for t in targets))
    assert teaching_order(graph, members, in_order, "s", "goal") == teaching_order(
        graph, members, in_order, "s"
    )


@SETTINGS
@given(tracks())
def test_the_curated_target_order_is_kept_where_prerequisites_allow(case) -> None:
    graph, targets = case
    assume(not _in_subject_order(graph, targets))
    needed = [_needs(graph, t) for t in targets]
    members = set().union(*needed)
    order = teaching_order(graph, members, targets, "s", "goal")

    # A topological order of the whole plan ...
    seen: set[str] = set()
    for slug in order:
        assert all(req in seen for req, _ in graph.requires.get(slug, ()))
        seen.add(slug)
    # ... in which every topic an earlier target needs comes before every
    # topic only later targets need.
    first = {s: min(i for i, n in enumerate(needed) if s in n) for s in members}
    ranks = [first[s] for s in order]
    assert ranks == sorted(ranks)
    # The targets themselves come in the listed order unless a target listed
    # no later needs one listed after it.
    at = {s: i for i, s in enumerate(order)}
    for i, earlier in enumerate(targets):
        for later in targets[i + 1 :]:
            if first[later] > i:
                assert at[earlier] < at[later], f"{later} before {earlier}"


@SETTINGS
@given(tracks())
def test_a_plan_follows_the_tracks_target_order(case) -> None:
    graph, targets = case
    assume(not _in_subject_order(graph, targets))
    steps = _plan_steps(graph)
    listed = [t for t in targets if t in steps]
    needed = {t: _needs(graph, t) for t in listed}
    first = {s: next(i for i, t in enumerate(listed) if s in needed[t]) for s in steps}
    ranks = [first[s] for s in steps]
    assert ranks == sorted(ranks)


# -- the snapshot reads the curated order from the database --------------------------
@pytest.mark.django_db
def test_the_snapshot_carries_each_tracks_targets_in_curated_order() -> None:
    from planner.selectors import catalog_graph_build

    subject = SubjectFactory(slug="web")
    topics = {
        slug: TopicFactory(slug=slug, subject=subject, position=position)
        for slug, (position, _) in WEB.items()
    }
    for slug, (_, reqs) in WEB.items():
        for req in reqs:
            PrerequisiteFactory(topic=topics[slug], requires=topics[req])
    track = TrackFactory(slug="web-dev", subject=subject, targets=[topics["layout"]])
    track_save(track=track, changes={}, targets=[topics["rest"], topics["layout"]])

    graph = catalog_graph_build(version=1)

    assert graph.tracks["web-dev"].targets == ("rest", "layout")
    track_save(track=track, changes={}, targets=[topics["layout"], topics["rest"]])
    assert catalog_graph_build(version=2).tracks["web-dev"].targets == (
        "layout",
        "rest",
    )


@pytest.mark.django_db
def test_targets_added_without_an_order_come_by_teaching_position() -> None:
    from planner.selectors import catalog_graph_build

    subject = SubjectFactory()
    late = TopicFactory(slug="a-late", subject=subject, position=9)
    early = TopicFactory(slug="z-early", subject=subject, position=1)
    TrackFactory(slug="mixed", subject=subject, targets=[late, early])

    assert catalog_graph_build(version=1).tracks["mixed"].targets == (
        "z-early",
        "a-late",
    )
