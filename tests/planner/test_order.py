"""Teaching order: a topological order that keeps the curated positions and
finishes a chain before starting the next (planner.domain.planning.teaching_order)."""

from __future__ import annotations

import heapq

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.domain import (
    CatalogGraph,
    Prerequisite,
    SubjectNode,
    TrackNode,
)
from planner.domain.graph import prerequisites_first
from planner.domain.planning import (
    _recommended_edges,
    _target_rank,
    required_closure,
    teaching_order,
)
from tests.factories import PrerequisiteFactory, SubjectFactory, TopicFactory

from . import TODAY, beginner_plan, random_dags, resource, topic_node

SETTINGS = settings(max_examples=150, deadline=None)


def _graph(topics, edges, tracks=(), resources=()) -> CatalogGraph:
    subjects = {t.subject for t in topics}
    return CatalogGraph.build(
        version=1,
        subjects=[SubjectNode(s, s.title(), ("en",)) for s in sorted(subjects)],
        topics=topics,
        prerequisites=edges,
        tracks=tracks,
        resources=resources,
    )


def _order(graph: CatalogGraph, targets: list[str], subject: str = "s") -> list[str]:
    members = _closure_all_kinds(graph, targets)
    return teaching_order(graph, members, targets, subject)


def _closure_all_kinds(graph: CatalogGraph, roots: list[str]) -> set[str]:
    seen, stack = set(roots), list(roots)
    while stack:
        for req, _ in graph.requires.get(stack.pop(), ()):
            if req not in seen:
                seen.add(req)
                stack.append(req)
    return seen


# -- the SQL track the issue quotes ----------------------------------------------------
SQL = (
    ("sql-select", ()),
    ("sql-from", ("sql-select",)),
    ("sql-where", ("sql-from",)),
    ("sql-order-by", ("sql-from",)),
    ("sql-group-by", ("sql-from",)),
    ("sql-having", ("sql-group-by", "sql-where")),
    ("sql-joins", ("sql-from",)),
)


def _sql_graph(
    targets: tuple[str, ...] = (
        "sql-order-by",
        "sql-having",
        "sql-joins",
        "sql-delete",
    ),
) -> CatalogGraph:
    topics = [topic_node(slug, i, "sql") for i, (slug, _) in enumerate(SQL, start=1)]
    # DELETE is taught last, though it sorts first by name and depth.
    topics.append(topic_node("sql-delete", len(SQL) + 1, "sql"))
    edges = [Prerequisite(slug, req) for slug, reqs in SQL for req in reqs]
    edges.append(Prerequisite("sql-delete", "sql-where"))
    track = TrackNode(
        "sql-queries",
        "sql",
        "SQL queries",
        # In the subject's order, unless a test reorders them.
        targets=targets,
    )
    offers = [resource(f"{slug}-docs", slug) for slug, _ in SQL]
    offers.append(resource("sql-delete-docs", "sql-delete"))
    return _graph(topics, edges, [track], offers)


def _sql_plan(graph: CatalogGraph):
    """A beginner's plan for the SQL track of ``graph``."""
    return beginner_plan(graph, subject="sql", goals="sql-queries")


def test_a_sql_track_comes_out_in_curated_order_not_by_depth_and_name():
    graph = _sql_graph()
    result = _sql_plan(graph)
    steps = [s.topic for s in result.steps]
    # The targets follow the subject's order, so the subject's order stands.
    assert steps == [
        "sql-select",
        "sql-from",
        "sql-where",
        "sql-order-by",
        "sql-group-by",
        "sql-having",
        "sql-joins",
        "sql-delete",
    ]
    # What depth then slug gave before: DELETE and GROUP BY ahead of WHERE.
    by_rank = sorted(steps, key=graph.topo_rank.__getitem__)
    assert by_rank[2:5] == ["sql-group-by", "sql-joins", "sql-order-by"]
    assert [s.position for s in result.steps] == list(range(1, 9))
    assert result.steps[0].start_date == TODAY


def test_a_sql_track_its_curator_reordered_is_taught_target_by_target():
    graph = _sql_graph(("sql-having", "sql-order-by", "sql-joins", "sql-delete"))
    result = _sql_plan(graph)
    # What HAVING needs (in position order), HAVING, then ORDER BY: the
    # subject's position order would put ORDER BY before GROUP BY.
    assert [s.topic for s in result.steps] == [
        "sql-select",
        "sql-from",
        "sql-where",
        "sql-group-by",
        "sql-having",
        "sql-order-by",
        "sql-joins",
        "sql-delete",
    ]


def test_a_prerequisite_placed_after_what_needs_it_comes_just_before_it():
    topics = [
        topic_node("intro", 1),
        topic_node("loops", 2),
        topic_node("functions", 3),
        topic_node("recursion", 4),
        topic_node("variables", 9),  # curated late by mistake
    ]
    edges = [
        Prerequisite("loops", "intro"),
        Prerequisite("functions", "variables"),
        Prerequisite("recursion", "functions"),
    ]
    graph = _graph(topics, edges)
    order = _order(graph, ["loops", "recursion"])
    assert order == ["intro", "loops", "variables", "functions", "recursion"]


def test_without_positions_each_chain_is_finished_before_the_next_starts():
    names = ["a1", "a2", "a3", "b1", "b2"]
    topics = [topic_node(n) for n in names]
    edges = [
        Prerequisite("a2", "a1"),
        Prerequisite("a3", "a2"),
        Prerequisite("b2", "b1"),
    ]
    graph = _graph(topics, edges)
    order = _order(graph, ["a3", "b2"])
    # Targets by rank (the shallower first), each with its whole chain.
    assert order == ["b1", "b2", "a1", "a2", "a3"]
    # Depth then slug would interleave the chains.
    assert sorted(order, key=graph.topo_rank.__getitem__) == [
        "a1",
        "b1",
        "a2",
        "b2",
        "a3",
    ]


def test_a_short_side_prerequisite_lands_next_to_the_topic_needing_it():
    topics = [
        topic_node(n) for n in ("setup", "variables", "loops", "style", "functions")
    ]
    edges = [
        Prerequisite("variables", "setup"),
        Prerequisite("loops", "variables"),
        Prerequisite("functions", "loops"),
        Prerequisite("functions", "style", "recommended"),
    ]
    order = _order(_graph(topics, edges), ["functions"])
    assert order == ["setup", "variables", "loops", "style", "functions"]


def test_another_subjects_prerequisite_comes_only_when_needed():
    topics = [
        topic_node("terminal", 1, "tools"),
        topic_node("py-setup", 1, "python"),
        topic_node("py-strings", 2, "python"),
        topic_node("py-scripts", 3, "python"),
    ]
    edges = [
        Prerequisite("py-strings", "py-setup"),
        Prerequisite("py-scripts", "py-strings"),
        Prerequisite("py-scripts", "terminal"),
    ]
    order = _order(_graph(topics, edges), ["py-scripts"], subject="python")
    assert order == ["py-setup", "py-strings", "terminal", "py-scripts"]


def test_prerequisites_first_handles_a_chain_deeper_than_the_recursion_limit():
    size = 5000
    requires = {i: [i - 1] if i else [] for i in range(size)}
    place = {i: i for i in range(size)}
    assert prerequisites_first([size - 1], requires, place) == list(range(size))


# -- properties over random DAGs -------------------------------------------------------
@st.composite
def dags(draw) -> tuple[CatalogGraph, list[str]]:
    """A random DAG (edges to lower numbers, both kinds), random positions with
    ties, and random targets."""
    topics, edges = draw(random_dags())
    targets = sorted(
        draw(st.sets(st.sampled_from([t.slug for t in topics]), min_size=1))
    )
    return _graph(topics, edges), targets


@SETTINGS
@given(dags())
def test_the_order_is_a_topological_order_of_the_plan(case) -> None:
    graph, targets = case
    members = _closure_all_kinds(graph, targets)
    order = teaching_order(graph, members, targets, "s")
    assert sorted(order) == sorted(members)
    seen: set[str] = set()
    for slug in order:
        for req, _ in graph.requires.get(slug, ()):
            if req in members:
                assert req in seen, f"{slug} before its prerequisite {req}"
        seen.add(slug)


@st.composite
def consistent_dags(draw) -> tuple[CatalogGraph, list[str]]:
    """A random DAG whose distinct positions already put prerequisites first:
    a random linear extension of it, numbered."""
    graph, targets = draw(dags())
    slugs = list(graph.topics)
    priority = dict(zip(slugs, draw(st.permutations(range(len(slugs)))), strict=True))
    pending = {slug: len(graph.requires.get(slug, ())) for slug in graph.topics}
    ready = [(priority[s], s) for s, n in pending.items() if n == 0]
    heapq.heapify(ready)
    extension = []
    while ready:
        _, slug = heapq.heappop(ready)
        extension.append(slug)
        for dep, _ in graph.required_by.get(slug, ()):
            pending[dep] -= 1
            if pending[dep] == 0:
                heapq.heappush(ready, (priority[dep], dep))
    topics = [
        topic_node(slug, position) for position, slug in enumerate(extension, start=1)
    ]
    edges = [
        Prerequisite(slug, req, kind)
        for slug, pairs in graph.requires.items()
        for req, kind in pairs
    ]
    return _graph(topics, edges), targets


@SETTINGS
@given(consistent_dags())
def test_positions_consistent_with_prerequisites_are_kept_exactly(case) -> None:
    graph, targets = case
    members = _closure_all_kinds(graph, targets)
    order = teaching_order(graph, members, targets, "s")
    assert order == sorted(members, key=lambda s: graph.topics[s].position)


@SETTINGS
@given(st.integers(1, 40), st.data())
def test_a_single_chain_with_consistent_positions_comes_in_position_order(
    length, data
) -> None:
    positions = sorted(
        data.draw(st.sets(st.integers(0, 1000), min_size=length, max_size=length))
    )
    # Slugs run against the chain, so neither name nor slug order could pass.
    slugs = [f"c{length - i:03d}" for i in range(length)]
    topics = [topic_node(s, p) for s, p in zip(slugs, positions, strict=True)]
    edges = [Prerequisite(b, a) for a, b in zip(slugs, slugs[1:], strict=False)]
    graph = _graph(topics, edges)
    assert _order(graph, [slugs[-1]]) == slugs


@SETTINGS
@given(dags(), st.randoms(use_true_random=False))
def test_the_order_does_not_depend_on_the_order_the_catalog_was_read_in(
    case, rnd
) -> None:
    graph, targets = case
    topics = list(graph.topics.values())
    edges = [
        Prerequisite(slug, req, kind)
        for slug, pairs in graph.requires.items()
        for req, kind in pairs
    ]
    rnd.shuffle(topics)
    rnd.shuffle(edges)
    shuffled = _graph(topics, edges)
    members = _closure_all_kinds(graph, targets)
    first = teaching_order(graph, members, targets, "s")
    assert first == teaching_order(graph, set(members), list(targets), "s")
    assert first == teaching_order(shuffled, sorted(members), targets[::-1], "s")


@SETTINGS
@given(dags())
def test_a_plan_keeps_its_steps_in_teaching_order(case) -> None:
    graph, targets = case
    track = TrackNode("goal", "s", "Goal", targets=tuple(targets))
    graph = _graph(
        list(graph.topics.values()),
        [
            Prerequisite(slug, req, kind)
            for slug, pairs in graph.requires.items()
            for req, kind in pairs
        ],
        [track],
    )
    result = beginner_plan(graph, subject="s", goals="goal")
    steps = [s.topic for s in result.steps]
    assert set(required_closure(graph, targets, frozenset())) <= set(steps)
    assert steps == teaching_order(graph, steps, result.targets, "s", "goal")


# -- the snapshot reads positions from the database ------------------------------------
@pytest.mark.django_db
def test_the_snapshot_carries_each_topics_position() -> None:
    from planner.selectors import catalog_graph_build

    subject = SubjectFactory(slug="sql")
    select = TopicFactory(slug="select", subject=subject, position=1)
    where = TopicFactory(slug="where", subject=subject, position=2)
    delete = TopicFactory(slug="delete", subject=subject, position=3)
    PrerequisiteFactory(topic=where, requires=select)
    PrerequisiteFactory(topic=delete, requires=where)

    graph = catalog_graph_build(version=1)

    assert {s: graph.topics[s].position for s in ("select", "where", "delete")} == {
        "select": 1,
        "where": 2,
        "delete": 3,
    }
    assert _order(graph, ["delete"], subject="sql") == ["select", "where", "delete"]


def _reference_order(graph, members, targets, subject, track=None) -> list[str]:
    """The teaching order as its docstring states it, with tuple keys: what
    the int keys of ``_teaching_keys`` must reproduce exactly."""
    aimed = _target_rank(graph, list(members), track)
    last = max(aimed.values(), default=-1) + 1
    aims = frozenset(targets)

    def head(s: str) -> tuple:
        node = graph.topics[s]
        return (node.subject != subject, aimed.get(s, last), node.position)

    root = {s: (*head(s), s not in aims, graph.topo_rank[s]) for s in members}
    place = {s: (*head(s), -graph.depth[s], graph.topo_rank[s]) for s in members}

    def before(slug: str) -> list[str]:
        reqs = [req for req, _ in graph.requires.get(slug, ()) if req in place]
        return sorted(reqs, key=place.__getitem__)

    out: list[str] = []

    def visit(slug: str) -> None:  # the walk, recursive: small graphs only
        if slug not in out:
            for req in before(slug):
                visit(req)
            if slug not in out:
                out.append(slug)

    for slug in sorted(root, key=root.__getitem__):
        visit(slug)
    return out


@st.composite
def catalogs_with_tracks(draw) -> tuple[CatalogGraph, list[str], str, str]:
    """A random DAG over two subjects, negative and tied positions, and a track
    whose targets come in a random order (reordered or not)."""
    graph, targets = draw(dags())
    topics = [
        topic_node(
            t.slug,
            draw(st.integers(-3, 6)),
            "s" if i == 0 else draw(st.sampled_from(("s", "other"))),
        )
        for i, t in enumerate(graph.topics.values())
    ]
    edges = [
        Prerequisite(slug, req, kind)
        for slug, pairs in graph.requires.items()
        for req, kind in pairs
    ]
    listed = draw(st.permutations(targets))
    track = TrackNode(slug="track", subject="s", name="Track", targets=tuple(listed))
    subject = draw(st.sampled_from(("s", "other")))
    return _graph(topics, edges, tracks=[track]), listed, subject, "track"


@SETTINGS
@given(catalogs_with_tracks(), st.booleans())
def test_the_int_keys_give_the_order_the_tuple_keys_define(case, with_track) -> None:
    graph, targets, subject, track = case
    track = track if with_track else None
    members = _closure_all_kinds(graph, targets)
    assert teaching_order(graph, members, targets, subject, track) == _reference_order(
        graph, members, targets, subject, track
    )


def test_prerequisites_first_walks_missing_prerequisites_in_place_order():
    requires = {"c": ("b", "a")}
    assert prerequisites_first(["c"], requires, {"a": 0, "b": 1, "c": 2}) == [
        "a",
        "b",
        "c",
    ]
    assert prerequisites_first(["c"], requires, {"a": 1, "b": 0, "c": 2}) == [
        "b",
        "a",
        "c",
    ]


def test_prerequisites_first_leaves_out_what_is_not_being_ordered():
    # "known" is a prerequisite outside the plan: never emitted, never waited for.
    requires = {"c": ("known", "b"), "b": ("known",)}
    place = {"b": 0, "c": 1}
    assert prerequisites_first(["c", "b"], requires, place) == ["b", "c"]
    assert prerequisites_first(["b", "c"], requires, place) == ["b", "c"]


@SETTINGS
@given(dags(), st.data())
def test_the_closure_walk_finds_the_first_recommended_generation_too(case, data):
    # plan() takes the first generation of recommended topics from the walk
    # that finds the required closure; it must be what a walk of its own finds.
    graph, targets = case
    known = frozenset(data.draw(st.sets(st.sampled_from(sorted(graph.topics)))))
    recommended: dict[str, str] = {}
    found = required_closure(graph, targets, known, recommended=recommended)
    assert found == required_closure(graph, targets, known)
    assert recommended == _recommended_edges(graph, list(found), found, known)
