"""Goal sentences to tracks through the search backend (PostgreSQL or SQLite)."""

from __future__ import annotations

import pytest

from planner.domain.matching import match_goal_text
from planner.goal_search import search_goal_matcher
from planner.selectors import catalog_graph_get
from search.services import search_reindex_all
from tests.factories import SubjectFactory, TopicFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks():
    python = SubjectFactory(slug="python", name="Python programming")
    testing = TopicFactory(slug="pytest", name="Testing with pytest", subject=python)
    web = TopicFactory(slug="django", name="Web backends with Django", subject=python)
    TrackFactory(
        slug="quality",
        name="Testing and code quality",
        subject=python,
        description="Write tests that catch regressions.",
        targets=[testing],
    )
    TrackFactory(
        slug="backend",
        name="Backend developer",
        subject=python,
        description="Get job-ready for backend work.",
        targets=[web],
    )
    search_reindex_all()
    graph = catalog_graph_get()
    return graph, [graph.tracks[slug] for slug in ("backend", "quality")]


def best(matches):
    return max(matches, key=lambda m: (m.score, m.track)).track if matches else None


def test_a_misspelt_goal_still_finds_its_track(tracks):
    graph, pool = tracks
    assert all(m.score == 0 for m in match_goal_text("tseting my code", pool, graph))
    matches = search_goal_matcher("tseting my code", pool, graph)
    assert best(matches) == "quality"
    assert {m.track: m.score for m in matches}["quality"] > 0


def test_search_and_overlap_agree_on_a_plain_goal(tracks):
    graph, pool = tracks
    assert (
        best(search_goal_matcher("a backend developer job", pool, graph)) == "backend"
    )


def test_the_deterministic_matcher_stands_when_search_cannot_answer(
    tracks, monkeypatch
):
    graph, pool = tracks

    def down(**kwargs):
        raise RuntimeError("search is down")

    monkeypatch.setattr("search.selectors.catalog_search", down)
    assert search_goal_matcher("backend developer", pool, graph) == sorted(
        match_goal_text("backend developer", pool, graph), key=lambda m: m.track
    )
