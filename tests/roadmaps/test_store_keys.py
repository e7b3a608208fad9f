"""The keys of a stored roadmap's steps and resources carry no database
constraint (``roadmaps.models.UNCHECKED``): what holds them instead.

Deleting through Django still cascades and nulls as ``on_delete`` says, so
nothing is left pointing nowhere; and the one way a key can still point at a
row that is gone (a store racing a catalog delete) reads everywhere as a
resource or topic that left the catalog, never as an error.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Max

import pytest
from rest_framework.test import APIClient

from catalog.models import Resource
from catalog.services import catalog_delete
from roadmaps.export import export_document, export_validate
from roadmaps.models import (
    ResourceFeedback,
    Roadmap,
    RoadmapStep,
    RoadmapVersion,
    StepResource,
)
from taxonomy.models import Topic
from tests.roadmaps.conftest import roadmap_plan
from tests.roadmaps.test_api import url


def _referenced_tables(table: str) -> set[str]:
    with connection.cursor() as cursor:
        relations = connection.introspection.get_constraints(cursor, table)
    return {
        target[0]
        for constraint in relations.values()
        if (target := constraint["foreign_key"])
    }


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite reports no constraints here"
)
def test_the_step_tables_check_no_keys_in_the_database(db):
    assert _referenced_tables("roadmaps_roadmapstep") == set()
    assert _referenced_tables("roadmaps_stepresource") == set()
    # The version still checks its roadmap: one row a store, not 1,700.
    assert "roadmaps_roadmap" in _referenced_tables("roadmaps_roadmapversion")


def _counts() -> tuple[int, int, int]:
    return (
        RoadmapVersion.objects.count(),
        RoadmapStep.objects.count(),
        StepResource.objects.count(),
    )


def test_deleting_a_roadmap_leaves_no_step_or_resource_behind(roadmap, learner):
    other = roadmap_plan(learner, weekly_hours=9)
    kept = _counts()
    assert kept[2] > 0
    mine = roadmap.current
    gone = (
        1,
        mine.steps.count(),
        StepResource.objects.filter(step__version=mine).count(),
    )

    Roadmap.objects.filter(pk=roadmap.pk).delete()

    assert _counts() == tuple(k - g for k, g in zip(kept, gone, strict=True))
    assert not RoadmapStep.objects.exclude(
        version_id__in=RoadmapVersion.objects.values("pk")
    ).exists()
    assert not StepResource.objects.exclude(
        step_id__in=RoadmapStep.objects.values("pk")
    ).exists()
    assert other.current.steps.count() == kept[1] - gone[1]


def test_deleting_the_learner_leaves_no_roadmap_row_behind(roadmap, learner):
    learner.delete()
    assert _counts() == (0, 0, 0)


@pytest.mark.parametrize("how", ["collector", "bulk service"])
def test_a_catalog_delete_nulls_the_keys_that_pointed_at_it(roadmap, how):
    row = StepResource.objects.filter(step__version_id=roadmap.current_id).first()
    step = RoadmapStep.objects.filter(version_id=roadmap.current_id).first()
    if how == "collector":
        Resource.objects.filter(pk=row.resource_id).delete()
        Topic.objects.filter(pk=step.topic_id).delete()
    else:
        catalog_delete(resource_ids=[row.resource_id], reindex="none")
    row.refresh_from_db()
    assert row.resource_id is None
    if how == "collector":
        step.refresh_from_db()
        assert step.topic_id is None


@pytest.fixture
def dangling(roadmap):
    """The roadmap with one resource and one step whose catalog ids name rows
    that are gone, as a store that raced a catalog delete leaves them."""
    row = StepResource.objects.filter(step__version_id=roadmap.current_id).first()
    missing_resource = (Resource.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    missing_topic = (Topic.objects.aggregate(m=Max("pk"))["m"] or 0) + 1000
    StepResource.objects.filter(pk=row.pk).update(resource_id=missing_resource)
    RoadmapStep.objects.filter(pk=row.step_id).update(topic_id=missing_topic)
    row.refresh_from_db()
    return row


def test_the_api_reads_a_dangling_resource_as_one_that_left_the_catalog(
    roadmap, learner, dangling
):
    client = APIClient()
    client.force_authenticate(learner)
    body = client.get(url(roadmap))
    assert body.status_code == 200
    resources = {r["id"]: r for s in body.json()["steps"] for r in s["resources"]}
    shown = resources[dangling.pk]
    assert shown["title"] == dangling.title and shown["url"] == dangling.url
    assert shown["provider"] is None and shown["format"] is None
    pinned = client.patch(
        url(roadmap, f"steps/{dangling.step_id}/resources/{dangling.pk}/"),
        {"pinned": True},
        format="json",
    )
    assert pinned.status_code == 200
    assert pinned.json()["pinned"] is True and pinned.json()["provider"] is None


def test_a_vote_on_a_dangling_resource_is_refused_as_gone(roadmap, learner, dangling):
    client = APIClient()
    client.force_authenticate(learner)
    answer = client.put(
        url(roadmap, f"steps/{dangling.step_id}/resources/{dangling.pk}/feedback/"),
        {"helpful": True},
        format="json",
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "resource_gone"
    assert not ResourceFeedback.objects.exists()


def test_the_page_and_the_export_read_a_dangling_resource(
    client, roadmap, learner, dangling
):
    client.force_login(learner)
    page = client.get(f"/roadmaps/{roadmap.pk}/steps/{dangling.step_id}/")
    assert page.status_code == 200
    assert dangling.title in page.content.decode()
    roadmap.refresh_from_db()
    document = export_document(roadmap.current)
    export_validate(document)
    exported = next(
        r
        for s in document["steps"]
        for r in s["resources"]
        if r["identifier"] == dangling.resource_slug
    )
    assert exported["in_catalog"] is False and exported["provider"] is None
