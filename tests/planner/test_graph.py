"""The pure DAG functions, on hand-made graphs and on random ones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from planner.domain.graph import (
    closure,
    cycle_if_added,
    find_cycle,
    find_path,
    format_cycle,
    longest_chain,
)

CHAIN = {"functions": {"loops"}, "loops": {"variables"}, "classes": {"functions"}}


def test_adding_the_reverse_of_a_chain_names_the_whole_cycle():
    cycle = cycle_if_added(CHAIN, "variables", "classes")
    assert (
        format_cycle(cycle) == "variables -> classes -> functions -> loops -> variables"
    )


def test_a_self_edge_is_a_cycle_of_one():
    assert format_cycle(cycle_if_added(CHAIN, "loops", "loops")) == "loops -> loops"


def test_a_new_edge_that_keeps_the_graph_acyclic_is_accepted():
    assert cycle_if_added(CHAIN, "classes", "variables") is None


def test_find_cycle_returns_a_closed_walk():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    cycle = find_cycle(graph)
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}
    assert find_cycle(CHAIN) is None


def test_closure_and_depth():
    assert closure(CHAIN, ["classes"]) == {"classes", "functions", "loops", "variables"}
    assert longest_chain(CHAIN) == 4
    assert find_path(CHAIN, "variables", "classes") is None


def test_a_chain_far_longer_than_the_recursion_limit_is_handled():
    chain = {n: {n + 1} for n in range(20_000)}
    assert longest_chain(chain) == 20_001
    assert find_cycle(chain) is None
    assert len(cycle_if_added(chain, 20_000, 0)) == 20_002


@st.composite
def dags(draw):
    """Random DAGs: edges only from a higher to a lower number."""
    size = draw(st.integers(min_value=1, max_value=25))
    edges = {}
    for node in range(1, size):
        edges[node] = set(draw(st.lists(st.integers(0, node - 1), max_size=4)))
    return size, edges


@given(dags(), st.data())
def test_cycle_if_added_agrees_with_a_full_cycle_search(graph, data):
    size, edges = graph
    a = data.draw(st.integers(0, size - 1))
    b = data.draw(st.integers(0, size - 1))
    predicted = cycle_if_added(edges, a, b)
    with_edge = {k: set(v) for k, v in edges.items()}
    with_edge.setdefault(a, set()).add(b)
    assert (predicted is None) == (find_cycle(with_edge) is None)
    if predicted:
        assert predicted[0] == predicted[-1] == a
        for src, dst in zip(predicted, predicted[1:], strict=False):
            assert dst in with_edge.get(src, set())
