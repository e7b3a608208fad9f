"""Goal matching and candidate topics with embeddings on and off, and plans
made with them: the real database, a loopback embeddings endpoint."""

from __future__ import annotations

import json
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from structlog.testing import capture_logs

from embeddings.matching import blend, candidate_topics_assign
from embeddings.models import Embedding
from embeddings.services import embeddings_refresh_catalog
from planner.goal_search import goal_matcher_get, search_goal_matcher
from planner.selectors import catalog_graph_get
from planner.services import job_enqueue, job_execute, profile_submit
from sources.models import Candidate
from sources.registry import sources_named
from sources.services import candidates_find
from taxonomy.models import Track
from tests.planner.conftest import TODAY_ISO, profile_raw, small_catalog_build
from tests.sources.conftest import PATHS, Answer

from .conftest import MODEL, error

pytestmark = pytest.mark.django_db

GOAL = "draw blueprints"  # no word of it is in the catalog


@pytest.fixture
def catalog():
    return small_catalog_build()


@pytest.fixture
def embedded(catalog, serve, configure):
    """Embeddings on, every catalog vector stored."""
    endpoint = serve()
    configure(endpoint)
    embeddings_refresh_catalog(only_stale=False)
    endpoint.requests.clear()
    return endpoint


def pool():
    graph = catalog_graph_get()
    return list(graph.tracks.values()), graph


def ranked(matches) -> list[tuple[str, float]]:
    return sorted(((m.track, m.score) for m in matches), key=lambda p: (-p[1], p[0]))


# -- the blend ---------------------------------------------------------------------
def test_the_lexical_score_wins_ties():
    # The same blend: 0.7 * 0.3 + 0.3 * 0 == 0.7 * 0 + 0.3 * (0.79 - 0.3) / 0.7
    scores = blend({"a": 0.3, "b": 0.0}, {"a": 0.3, "b": 0.79}, weight=0.3)
    assert scores["a"] > scores["b"]
    assert round(scores["a"] - scores["b"], 4) == 0.0001


def test_similarity_at_or_under_the_floor_adds_nothing():
    assert blend({"a": 0.5}, {"a": 0.3}, weight=0.3) == {"a": 0.35}


# -- embeddings off: exactly today's behaviour --------------------------------------
def test_off_the_configured_matcher_is_used_as_is(settings, embeddings_off):
    settings.PLANNER_GOAL_MATCHER = "planner.goal_search.search_goal_matcher"
    assert goal_matcher_get() is search_goal_matcher
    settings.PLANNER_GOAL_MATCHER = ""
    assert goal_matcher_get() is None


def test_off_candidates_keep_their_topic_without_a_query(
    catalog, embeddings_off, django_assert_num_queries
):
    items = [(catalog.topics["py-loops"].pk, "Blueprints: classes in Python", "")]
    with django_assert_num_queries(0):
        assert candidate_topics_assign(items=items) == [catalog.topics["py-loops"].pk]


# -- embeddings on: goals ------------------------------------------------------------
def test_a_goal_without_catalog_words_finds_its_track_by_meaning(embedded):
    tracks, graph = pool()
    assert all(m.score == 0 for m in search_goal_matcher(GOAL, tracks, graph))

    found = ranked(goal_matcher_get()(GOAL, tracks, graph))

    assert found[0][0] == "python-objects" and found[0][1] > 0
    assert dict(found)["python-basics"] < found[0][1]
    assert embedded.inputs == [[GOAL]]  # the tracks' vectors were stored


def test_the_goal_vector_is_stored_so_the_same_goal_needs_no_endpoint(
    embedded, django_assert_num_queries
):
    tracks, graph = pool()
    matcher = goal_matcher_get()
    first = matcher(GOAL, tracks, graph)
    embedded.close()
    with CaptureQueriesContext(connection) as lexical:
        search_goal_matcher(GOAL, tracks, graph)
    # the lexical matcher's own, the tracks' vectors, the goal's vector
    with django_assert_num_queries(len(lexical) + 2):
        again = matcher(GOAL, tracks, graph)
    assert again == first
    assert Embedding.objects.filter(kind="query", model=MODEL).count() == 1


def test_a_failing_endpoint_leaves_the_lexical_matches(embedded):
    tracks, graph = pool()
    embedded.answer = lambda body: error(500)
    with capture_logs() as logs:
        found = goal_matcher_get()("loops and functions", tracks, graph)
    assert found == search_goal_matcher("loops and functions", tracks, graph)
    assert any(e["event"] == "embeddings_query_failed" for e in logs)


def test_a_stale_track_vector_leaves_the_lexical_matches(embedded):
    Track.objects.filter(slug="python-objects").update(description="Classes.")
    from taxonomy.services import catalog_version_bump

    catalog_version_bump()
    tracks, graph = pool()
    assert goal_matcher_get()(GOAL, tracks, graph) == search_goal_matcher(
        GOAL, tracks, graph
    )
    assert embedded.requests == []  # no goal embedded for nothing


# -- embeddings on: plans -------------------------------------------------------------
def plan_of(roadmap) -> list[tuple]:
    return [
        (
            s.position,
            s.topic_slug,
            s.hours,
            [r.resource_slug for r in s.resources.all()],
        )
        for s in roadmap.current.steps.order_by("position")
    ]


def plan_for(learner, raw) -> object:
    profile = profile_submit(
        owner=learner, raw=raw, today=date.fromisoformat(TODAY_ISO)
    )
    job = job_enqueue(profile=profile, actor=learner, enqueue=False)
    return job_execute(job_id=job.pk, worker_id="test").roadmap


def test_plans_with_the_same_stored_vectors_are_identical(embedded, learner):
    raw = profile_raw(goals=GOAL)
    first = plan_for(learner, raw)
    second = plan_for(learner, raw)
    embedded.close()  # stored vectors only from here on
    third = plan_for(learner, raw)

    assert first.current.model_versions == {"embeddings": MODEL}
    assert "py-classes" in [step[1] for step in plan_of(first)]
    assert plan_of(first) == plan_of(second) == plan_of(third)


def test_plans_without_embeddings_record_none(catalog, embeddings_off, learner):
    roadmap = plan_for(learner, profile_raw())
    assert roadmap.current.model_versions == {"embeddings": "none"}
    assert plan_of(roadmap) == plan_of(plan_for(learner, profile_raw()))


# -- embeddings on: candidates ---------------------------------------------------------
def openlibrary(*titles: str) -> Answer:
    docs = [
        {"key": f"/works/OL{i}W", "title": title, "language": ["eng"]}
        for i, title in enumerate(titles, start=1)
    ]
    return Answer(body=json.dumps({"numFound": len(docs), "docs": docs}))


def test_a_candidate_about_a_sibling_topic_is_filed_under_it(
    embedded,
    catalog,
    server,
    sources_settings,
):
    server.answers[PATHS["openlibrary"]] = openlibrary(
        "Blueprints: classes in Python", "Loops in Python"
    )
    loops = catalog.topics["py-loops"]
    candidates_find(topic=loops, sources=sources_named(["openlibrary"]))

    filed = dict(Candidate.objects.values_list("title", "topic__slug"))
    assert filed == {
        "Blueprints: classes in Python": "py-classes",
        "Loops in Python": "py-loops",
    }


def test_without_embeddings_candidates_stay_with_the_topic_searched(
    catalog,
    embeddings_off,
    server,
    sources_settings,
):
    server.answers[PATHS["openlibrary"]] = openlibrary(
        "Blueprints: classes in Python", "Loops in Python"
    )
    candidates_find(
        topic=catalog.topics["py-loops"], sources=sources_named(["openlibrary"])
    )
    assert set(Candidate.objects.values_list("topic__slug", flat=True)) == {"py-loops"}


def test_a_failing_endpoint_keeps_the_candidates_topic(
    embedded,
    catalog,
    server,
    sources_settings,
):
    embedded.answer = lambda body: error(503)
    server.answers[PATHS["openlibrary"]] = openlibrary("Blueprints: classes in Python")
    candidates_find(
        topic=catalog.topics["py-loops"], sources=sources_named(["openlibrary"])
    )
    assert set(Candidate.objects.values_list("topic__slug", flat=True)) == {"py-loops"}


def test_candidates_are_assigned_with_a_fixed_number_of_queries(
    embedded, catalog, django_assert_num_queries
):
    loops = catalog.topics["py-loops"].pk
    items = [(loops, f"Book {i} on loops", "") for i in range(10)]
    candidate_topics_assign(items=items)  # the texts' vectors are stored now
    # the subject's topics, their fresh vectors, the stored text vectors
    with django_assert_num_queries(3):
        assert candidate_topics_assign(items=items) == [loops] * 10


def test_a_failing_endpoint_never_breaks_planning(embedded, learner):
    embedded.answer = lambda body: error(503)
    roadmap = plan_for(learner, profile_raw(goals="loops and functions"))
    assert roadmap.current.model_versions == {"embeddings": MODEL}
    assert "py-functions" in [step[1] for step in plan_of(roadmap)]


def test_topics_without_a_fresh_vector_are_scheduled_and_keep_their_candidates(
    embedded, catalog, django_capture_on_commit_callbacks, monkeypatch
):
    Embedding.objects.filter(kind="topic", key="py-classes").delete()
    scheduled = []
    monkeypatch.setattr(
        "embeddings.tasks.embeddings_refresh_task",
        lambda kind, keys=None: scheduled.append((kind, keys)),
    )
    loops = catalog.topics["py-loops"].pk
    with django_capture_on_commit_callbacks(execute=True):
        assigned = candidate_topics_assign(
            items=[(loops, "Blueprints: classes in Python", "")]
        )
    # Without py-classes' vector the candidate cannot move there yet.
    assert assigned == [loops]
    assert scheduled == [("topic", ["py-classes"])]


# -- the records: roadmap and export ---------------------------------------------------
def test_the_export_records_the_embeddings_model_or_none(embedded, learner, settings):
    from roadmaps.export import export_document

    on = plan_for(learner, profile_raw(goals=GOAL))
    assert export_document(on.current)["model_versions"] == {"embeddings": MODEL}

    settings.EMBEDDINGS_MODEL = ""
    off = plan_for(learner, profile_raw(goals=GOAL))
    assert export_document(off.current)["model_versions"] == {"embeddings": "none"}
