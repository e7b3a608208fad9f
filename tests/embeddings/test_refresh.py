"""Computing, storing and refreshing the catalog's vectors, and embed_catalog."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from embeddings.matching import graph_track_texts
from embeddings.models import Embedding
from embeddings.selectors import catalog_texts, vectors_fresh
from embeddings.services import embeddings_refresh, embeddings_refresh_catalog
from embeddings.signals import _saved
from planner.selectors import catalog_graph_get
from taxonomy.models import Topic, Track
from tests.planner.conftest import small_catalog_build

from .conftest import MODEL, error

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return small_catalog_build()


def stored(kind: str) -> dict[str, str]:
    return dict(
        Embedding.objects.filter(kind=kind, model=MODEL).values_list("key", "text_hash")
    )


def test_the_snapshot_and_the_database_give_the_same_track_texts(catalog):
    graph = catalog_graph_get()
    from_graph = graph_track_texts(list(graph.tracks.values()), graph)
    assert from_graph == catalog_texts(kind="track")
    assert "Targets: Classes" in from_graph["python-objects"]


def test_the_catalog_is_embedded_in_batches(catalog, serve, configure):
    server = serve()
    configure(server)

    results = embeddings_refresh_catalog(only_stale=False)

    assert [(r.kind, r.computed) for r in results] == [
        ("topic", 6),
        ("track", 2),
        ("resource", 12),
    ]
    # Batches of four: 2 + 1 + 3 requests.
    assert [len(batch) for batch in server.inputs] == [4, 2, 2, 4, 4, 4]
    assert set(stored("topic")) == set(catalog.topics)
    row = Embedding.objects.get(kind="topic", key="py-loops")
    assert row.dimensions == 64 and len(bytes(row.vector)) == 64 * 4


def test_only_stale_vectors_are_recomputed(catalog, serve, configure):
    server = serve()
    configure(server)
    embeddings_refresh(kind="topic")
    before = stored("topic")
    server.requests.clear()

    assert embeddings_refresh(kind="topic").computed == 0
    assert server.requests == []

    Topic.objects.filter(slug="py-loops").update(name="Loops and iteration")
    texts = catalog_texts(kind="topic")
    fresh = vectors_fresh(kind="topic", texts=texts, model=MODEL)
    assert set(fresh) == set(catalog.topics) - {"py-loops"}  # the stale one is ignored

    result = embeddings_refresh(kind="topic")
    assert (result.computed, result.fresh) == (1, 5)
    assert server.inputs == [[texts["py-loops"]]]
    assert stored("topic")["py-loops"] != before["py-loops"]


def test_fresh_vectors_are_read_in_one_query(
    catalog, serve, configure, django_assert_num_queries
):
    configure(serve())
    embeddings_refresh(kind="resource")
    texts = catalog_texts(kind="resource")
    with django_assert_num_queries(1):
        fresh = vectors_fresh(kind="resource", texts=texts, model=MODEL)
    assert set(fresh) == set(catalog.resources)


def test_a_full_refresh_removes_the_vectors_of_deleted_objects(
    catalog, serve, configure
):
    configure(serve())
    embeddings_refresh(kind="track")
    Track.objects.filter(slug="python-objects").delete()
    assert embeddings_refresh(kind="track").removed == 1
    assert set(stored("track")) == {"python-basics"}


def test_a_failing_endpoint_keeps_the_batches_stored_before_it(
    catalog, serve, configure
):
    calls = []

    def answer(body):
        from .conftest import vectors_reply

        calls.append(1)
        return vectors_reply(body) if len(calls) == 1 else error(500)

    configure(serve(answer))
    with pytest.raises(Exception, match="http 500"):
        embeddings_refresh(kind="topic")
    assert len(stored("topic")) == 4


def test_a_saved_topic_schedules_itself_and_its_tracks(
    catalog, serve, configure, django_capture_on_commit_callbacks, monkeypatch
):
    configure(serve())
    scheduled = []
    monkeypatch.setattr(
        "embeddings.tasks.embeddings_refresh_task",
        lambda kind, keys=None: scheduled.append((kind, keys)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        topic = catalog.topics["py-classes"]
        topic.name = "Classes and objects"
        topic.save()
    assert scheduled == [("topic", ["py-classes"]), ("track", ["python-objects"])]


def test_saves_schedule_nothing_when_embeddings_are_off(
    catalog,
    embeddings_off,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        django_assert_num_queries(0),
    ):
        _saved(Topic, catalog.topics["py-loops"])
    assert callbacks == []


# -- the command ------------------------------------------------------------------
def test_embed_catalog_computes_then_skips_what_is_fresh(catalog, serve, configure):
    configure(serve())
    out = StringIO()
    call_command("embed_catalog", stdout=out)
    assert out.getvalue().splitlines() == [
        f"topic: 6 computed, 0 fresh, 0 removed ({MODEL}).",
        f"track: 2 computed, 0 fresh, 0 removed ({MODEL}).",
        f"resource: 12 computed, 0 fresh, 0 removed ({MODEL}).",
    ]
    out = StringIO()
    call_command("embed_catalog", "--only-stale", "--kind", "track", stdout=out)
    assert out.getvalue() == f"track: 0 computed, 2 fresh, 0 removed ({MODEL}).\n"


def test_embed_catalog_fails_when_not_configured(catalog, embeddings_off):
    with pytest.raises(CommandError, match="not configured: set EMBEDDINGS_MODEL"):
        call_command("embed_catalog")


def test_embed_catalog_fails_when_the_endpoint_fails(catalog, serve, configure):
    configure(serve(lambda body: error(503)))
    with pytest.raises(CommandError, match=r"endpoint failed for topics \(http 503\)"):
        call_command("embed_catalog")
    with pytest.raises(CommandError, match=r"its model version \(http 503\)"):
        call_command("embed_catalog", "--only-stale")


def test_the_refresh_task_computes_what_is_stale(catalog, serve, configure):
    from embeddings.tasks import embeddings_refresh_task

    server = serve()
    configure(server)
    assert embeddings_refresh_task.call_local("track", ["python-basics"]) == 1
    assert embeddings_refresh_task.call_local("track", ["python-basics"]) == 0
    assert set(stored("track")) == {"python-basics"}
    assert len(server.requests) == 1


def test_the_refresh_task_does_nothing_when_embeddings_are_off(catalog, embeddings_off):
    from embeddings.tasks import embeddings_refresh_task

    assert embeddings_refresh_task.call_local("topic") == 0
    assert not Embedding.objects.exists()


def test_a_changed_text_is_embedded_again_by_the_worker(
    catalog, serve, configure, django_capture_on_commit_callbacks
):
    """The whole path: a save, the task on commit (Huey in immediate mode),
    the endpoint, the stored vector now matching the new text."""
    from huey.contrib.djhuey import HUEY

    server = serve()
    configure(server)
    embeddings_refresh(kind="topic")
    before = stored("topic")["py-classes"]
    server.requests.clear()

    saved, HUEY.immediate = HUEY.immediate, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            topic = catalog.topics["py-classes"]
            topic.name = "Classes and objects"
            topic.save()
    finally:
        HUEY.immediate = saved

    texts = catalog_texts(kind="topic", keys=["py-classes"])
    after = stored("topic")["py-classes"]
    assert after != before
    assert vectors_fresh(kind="topic", texts=texts, model=MODEL).keys() == {
        "py-classes"
    }
    # Only the changed topic was sent (its track's text names it, so the
    # track is sent too); the other topics' vectors were fresh.
    sent = [text for batch in server.inputs for text in batch]
    assert sum("Classes and objects" in text for text in sent) == 2
    assert len(sent) == 2
