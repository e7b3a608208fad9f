"""The model version the endpoint reports: stored with each vector, and a new
one makes the stored vectors stale until they are recomputed.

A provider may move the model behind a configured alias (``EMBEDDINGS_MODEL``)
to a new version; its answers then name another ``model``. The loopback
server here answers with the same vectors whatever version it names, so the
plans before and after a recomputation can be compared.
"""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

import pytest
from huey.contrib.djhuey import HUEY
from structlog.testing import capture_logs

from embeddings.matching import graph_track_texts
from embeddings.models import Embedding
from embeddings.selectors import (
    catalog_texts,
    embeddings_model_label,
    model_version_latest,
    vectors_fresh,
)
from embeddings.services import (
    PROBE_TEXT,
    embeddings_refresh,
    embeddings_refresh_catalog,
    query_vectors,
)
from planner.goal_search import goal_matcher_get, search_goal_matcher
from planner.selectors import catalog_graph_get
from planner.services.jobs import models_used
from taxonomy.models import Topic
from tests.planner.conftest import profile_raw, small_catalog_build

from .conftest import MODEL, reporting
from .test_matching import GOAL, plan_for, plan_of

pytestmark = pytest.mark.django_db

V1 = "wf-embed-test-2026-06"
V2 = "wf-embed-test-2026-11"
CATALOG = {"topic": 6, "track": 2, "resource": 12}


@pytest.fixture
def catalog():
    return small_catalog_build()


@pytest.fixture
def endpoint(catalog, serve, configure):
    """Embeddings on, every catalog vector stored by version V1."""
    server = serve(reporting(V1))
    configure(server)
    embeddings_refresh_catalog(only_stale=False)
    server.requests.clear()
    return server


@pytest.fixture
def scheduled(monkeypatch) -> list[tuple[str, object]]:
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(
        "embeddings.tasks.embeddings_refresh_task",
        lambda kind, keys=None: calls.append((kind, keys)),
    )
    return calls


def versions() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for kind, version in Embedding.objects.values_list("kind", "model_version"):
        found.setdefault(kind, set()).add(version)
    return found


def all_fresh(kind: str) -> set[str]:
    return set(vectors_fresh(kind=kind, texts=catalog_texts(kind=kind), model=MODEL))


def test_the_reported_version_is_stored_beside_the_configured_model(endpoint):
    query_vectors(texts=[GOAL])

    assert versions() == {"topic": {V1}, "track": {V1}, "resource": {V1}, "query": {V1}}
    assert set(Embedding.objects.values_list("model", flat=True)) == {MODEL}
    assert model_version_latest(model=MODEL) == V1
    assert embeddings_model_label() == f"{MODEL} ({V1})"
    out = StringIO()
    call_command("embed_catalog", "--only-stale", "--kind", "topic", stdout=out)
    assert (
        out.getvalue() == f"topic: 0 computed, 6 fresh, 0 removed ({MODEL} ({V1})).\n"
    )


def test_the_label_is_none_when_off_and_the_model_while_no_version_is_known(
    catalog, serve, configure, settings
):
    configure(serve())
    assert embeddings_model_label() == MODEL  # nothing stored yet
    settings.EMBEDDINGS_MODEL = ""
    assert embeddings_model_label() == "none"


def test_the_nightly_refresh_asks_the_version_and_recomputes_every_vector(endpoint):
    endpoint.answer = reporting(V2)
    with capture_logs() as logs:
        results = embeddings_refresh_catalog(only_stale=True)

    assert {r.kind: r.computed for r in results} == CATALOG
    assert {r.model_version for r in results} == {V2}
    assert endpoint.inputs[0] == [PROBE_TEXT]
    assert versions() == {"topic": {V2}, "track": {V2}, "resource": {V2}}
    assert all_fresh("topic") == set(catalog_texts(kind="topic"))
    assert any(e["event"] == "embeddings_model_version_changed" for e in logs)

    endpoint.requests.clear()
    again = embeddings_refresh_catalog(only_stale=True)
    assert [r.computed for r in again] == [0, 0, 0]
    assert endpoint.inputs == [[PROBE_TEXT]]  # the probe, nothing else


def test_a_new_version_makes_the_stored_vectors_stale_for_matching(
    endpoint, scheduled, django_capture_on_commit_callbacks
):
    graph = catalog_graph_get()
    tracks = list(graph.tracks.values())
    by_meaning = goal_matcher_get()(GOAL, tracks, graph)
    assert by_meaning != search_goal_matcher(GOAL, tracks, graph)

    endpoint.answer = reporting(V2)
    with django_capture_on_commit_callbacks(execute=True):
        # A new text answered by V2: it cannot be compared with V1's vectors.
        assert query_vectors(texts=["objects and classes"]) == [None]
    assert scheduled == [("topic", None), ("track", None), ("resource", None)]
    assert model_version_latest(model=MODEL) == V2
    texts = graph_track_texts(tracks, graph)
    assert vectors_fresh(kind="track", texts=texts, model=MODEL) == {}

    # Until recomputed, matching is exactly lexical and sends nothing.
    endpoint.requests.clear()
    assert goal_matcher_get()(GOAL, tracks, graph) == search_goal_matcher(
        GOAL, tracks, graph
    )
    assert endpoint.requests == []

    for kind in CATALOG:
        assert embeddings_refresh(kind=kind).computed == CATALOG[kind]
    assert goal_matcher_get()(GOAL, tracks, graph) == by_meaning
    assert endpoint.inputs[-1] == [GOAL]  # the goal's V1 vector was replaced
    assert versions()["query"] == {V2}


def test_a_saved_topic_answered_by_a_new_version_has_the_worker_recompute_all(
    endpoint, catalog, django_capture_on_commit_callbacks
):
    """The whole path: a save, its refresh task on commit (Huey in immediate
    mode) meeting V2, and the catalog refresh it schedules."""
    endpoint.answer = reporting(V2)
    saved, HUEY.immediate = HUEY.immediate, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            topic = catalog.topics["py-loops"]
            topic.name = "Loops and iteration"
            topic.save()
    finally:
        HUEY.immediate = saved

    assert versions() == {"topic": {V2}, "track": {V2}, "resource": {V2}}
    for kind in CATALOG:
        assert all_fresh(kind) == set(catalog_texts(kind=kind))
    sent = [text for batch in endpoint.inputs for text in batch]
    assert len(sent) == len(set(sent)) == sum(CATALOG.values())  # each once


def test_a_topic_vector_of_an_older_version_is_stale(endpoint):
    Embedding.objects.filter(kind="topic", key="py-loops").update(model_version="old")
    assert all_fresh("topic") == set(catalog_texts(kind="topic")) - {"py-loops"}
    result = embeddings_refresh(kind="topic")
    assert (result.computed, result.fresh, result.model_version) == (1, 5, V1)
    assert endpoint.inputs == [[catalog_texts(kind="topic")["py-loops"]]]


def test_vectors_stored_before_versions_were_recorded_are_recomputed(endpoint):
    Embedding.objects.update(model_version="")
    Topic.objects.filter(slug="py-loops").update(name="Loops and iteration")
    assert embeddings_refresh(kind="topic", keys=["py-loops"]).model_version == V1
    # The answer named V1: every other vector (unknown version) is now stale.
    assert all_fresh("topic") == {"py-loops"}
    assert embeddings_refresh_catalog(only_stale=True)[0].computed == 5


def test_plans_are_deterministic_through_a_version_change(
    endpoint, learner, scheduled, settings, django_capture_on_commit_callbacks
):
    raw = profile_raw(goals=GOAL)
    with_v1 = plan_of(plan_for(learner, raw))
    assert "py-classes" in [step[1] for step in with_v1]

    endpoint.answer = reporting(V2)
    with django_capture_on_commit_callbacks(execute=True):
        query_vectors(texts=["a new goal"])  # the change is learned here
    stale = [plan_of(plan_for(learner, raw)) for _ in range(2)]
    settings.EMBEDDINGS_MODEL = ""
    lexical = plan_of(plan_for(learner, raw))
    settings.EMBEDDINGS_MODEL = MODEL
    assert stale[0] == stale[1] == lexical

    embeddings_refresh_catalog(only_stale=True)
    again = plan_for(learner, raw)
    endpoint.close()  # stored vectors only from here on
    assert plan_of(again) == plan_of(plan_for(learner, raw)) == with_v1
    assert again.current.model_versions["embeddings"].startswith(MODEL)


def test_a_roadmap_records_the_model_with_the_version_that_answered_last(endpoint):
    assert models_used(None, None)["embeddings"] == f"{MODEL} ({V1})"
    endpoint.answer = reporting(V2)
    embeddings_refresh_catalog(only_stale=True)
    assert models_used(None, None)["embeddings"] == f"{MODEL} ({V2})"
