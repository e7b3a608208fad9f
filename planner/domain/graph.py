"""Pure graph algorithms over the prerequisite DAG (no Django).

Edges point from a topic to the topic it requires: ``{"functions": {"loops"}}``
means *functions requires loops*. Nodes are any hashable keys (slugs or ids).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)


def find_path(edges: Mapping[K, Iterable[K]], start: K, goal: K) -> list[K] | None:
    """Return a path ``start -> ... -> goal`` along the edges, or None.

    Iterative depth-first search with a parent map, so a long chain never
    reaches Python's recursion limit.
    """
    if start == goal:
        return [start]
    parents: dict[K, K] = {}
    stack = [start]
    seen = {start}
    while stack:
        node = stack.pop()
        for nxt in sorted(edges.get(node, ()), key=repr):
            if nxt in seen:
                continue
            parents[nxt] = node
            if nxt == goal:
                path = [goal]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return path[::-1]
            seen.add(nxt)
            stack.append(nxt)
    return None


def cycle_if_added(
    edges: Mapping[K, Iterable[K]], topic: K, requires: K
) -> list[K] | None:
    """The cycle that the edge ``topic -> requires`` would close, or None.

    The cycle is returned as a closed walk starting and ending at ``topic``:
    adding *loops requires functions* when functions already requires loops
    gives ``[loops, functions, loops]``.
    """
    if topic == requires:
        return [topic, topic]
    back = find_path(edges, requires, topic)
    return None if back is None else [topic, *back]


def find_cycle(edges: Mapping[K, Iterable[K]]) -> list[K] | None:
    """Any cycle in the whole graph as a closed walk, or None when it is a DAG."""
    white, grey, black = 0, 1, 2
    colour: dict[K, int] = {}
    nodes = sorted(
        set(edges) | {n for targets in edges.values() for n in targets}, key=repr
    )
    for root in nodes:
        if colour.get(root, white) != white:
            continue
        colour[root] = grey
        trail = [root]
        iterators = [iter(sorted(edges.get(root, ()), key=repr))]
        while iterators:
            nxt = next(iterators[-1], None)
            if nxt is None:
                colour[trail.pop()] = black
                iterators.pop()
                continue
            state = colour.get(nxt, white)
            if state == grey:
                return [*trail[trail.index(nxt) :], nxt]
            if state == white:
                colour[nxt] = grey
                trail.append(nxt)
                iterators.append(iter(sorted(edges.get(nxt, ()), key=repr)))
    return None


def format_cycle(cycle: Iterable[object]) -> str:
    """``loops -> functions -> loops``."""
    return " -> ".join(str(node) for node in cycle)


def closure(edges: Mapping[K, Iterable[K]], roots: Iterable[K]) -> set[K]:
    """Every node reachable from ``roots`` (the roots included)."""
    seen = set(roots)
    stack = list(seen)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def longest_chain(edges: Mapping[K, Iterable[K]]) -> int:
    """Number of nodes on the longest path of a DAG (its depth)."""
    depth: dict[K, int] = {}
    nodes = set(edges) | {n for targets in edges.values() for n in targets}
    for root in nodes:
        if root in depth:
            continue
        stack: list[tuple[K, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in depth:
                continue
            children = list(edges.get(node, ()))
            if expanded:
                depth[node] = 1 + max((depth[c] for c in children), default=0)
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in children if c not in depth)
    return max(depth.values(), default=0)


class Lookup(Protocol[K]):
    """What :func:`prerequisites_first` reads edges from: a dict, or any
    object with a dict's ``get``."""

    def get(self, node: K, default: Any = None, /) -> Collection[K] | None: ...


def prerequisites_first(
    roots: Iterable[K], requires: Lookup[K], place: Mapping[K, Any]
) -> list[K]:
    """Every root, each preceded by its prerequisites not yet emitted.

    A depth-first walk: the roots are taken in the order given; before a root
    is emitted, its prerequisites (``requires.get(root)``, those that are keys
    of ``place``: the nodes being ordered) are walked by their ``place``
    value, recursively, so a topic's missing basis comes just before it and a
    chain is finished before the next root starts. When the roots' order
    already puts every prerequisite first, the output is that order
    unchanged (and nothing is sorted: the usual case). Iterative (no
    recursion limit); O(nodes + edges); it calls nothing of its own per node,
    since the planner walks every topic of a plan with it (ten thousand for a
    whole catalog). The edges must form a DAG.
    """
    emitted: set[K] = set()
    out: list[K] = []
    add, append, key = emitted.add, out.append, place.__getitem__
    for root in roots:
        if root in emitted:
            continue
        reqs = requires.get(root)
        if reqs is None or emitted.issuperset(reqs):  # its basis came earlier
            add(root)
            append(root)
            continue
        reqs = [req for req in reqs if req in place]
        stack = [(root, iter(sorted(reqs, key=key) if len(reqs) > 1 else reqs))]
        while stack:
            node, pending = stack[-1]
            for req in pending:
                if req not in emitted:
                    reqs = requires.get(req, ())
                    if reqs:
                        reqs = [r for r in reqs if r in place]
                        if len(reqs) > 1:
                            reqs.sort(key=key)
                    stack.append((req, iter(reqs)))
                    break
            else:
                stack.pop()
                if node not in emitted:
                    add(node)
                    append(node)
    return out
