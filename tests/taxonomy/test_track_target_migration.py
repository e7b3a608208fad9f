"""Migration 0009 turns ``Track.targets`` into an ordered through model over
the same table: existing targets stay, numbered by the order plans used."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import pytest

BEFORE = [("taxonomy", "0008_translations")]
AFTER = [("taxonomy", "0009_track_target_order")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_targets_are_kept_and_ordered_by_teaching_position() -> None:
    old = _migrate(BEFORE)
    Subject = old.get_model("taxonomy", "Subject")
    Topic = old.get_model("taxonomy", "Topic")
    Track = old.get_model("taxonomy", "Track")
    web = Subject.objects.create(slug="web", name="Web")
    tools = Subject.objects.create(slug="tools", name="Tools")

    def make(slug: str, position: int, subject=web):
        return Topic.objects.create(
            slug=slug,
            subject=subject,
            name=slug,
            estimated_hours=1,
            objectives=["Use it"],
            mastery_description="Quiz",
            position=position,
        )

    topics = {
        "a-rest": make("a-rest", 4),
        "b-html": make("b-html", 1),
        "c-css": make("c-css", 2),
        "terminal": make("terminal", 1, tools),
    }
    track = Track.objects.create(slug="full-stack", subject=web, name="Full stack")
    other = Track.objects.create(slug="styling", subject=web, name="Styling")
    through = Track.targets.through
    for slug in ("a-rest", "terminal", "c-css", "b-html"):
        through.objects.create(track_id=track.pk, topic_id=topics[slug].pk)
    through.objects.create(track_id=other.pk, topic_id=topics["c-css"].pk)
    ids = set(through.objects.values_list("pk", flat=True))

    new = _migrate(AFTER)
    TrackTarget = new.get_model("taxonomy", "TrackTarget")

    rows = TrackTarget.objects.order_by("track__slug", "sort_order")
    assert set(rows.values_list("pk", flat=True)) == ids
    assert list(rows.values_list("track__slug", "topic__slug", "sort_order")) == [
        # The track's own subject first, then teaching position.
        ("full-stack", "b-html", 0),
        ("full-stack", "c-css", 1),
        ("full-stack", "a-rest", 2),
        ("full-stack", "terminal", 3),
        ("styling", "c-css", 0),
    ]
    # The relation reads as before.
    NewTrack = new.get_model("taxonomy", "Track")
    assert set(
        NewTrack.objects.get(slug="full-stack").targets.values_list("slug", flat=True)
    ) == set(topics)

    # And it reverses, keeping the rows.
    _migrate(BEFORE)
    assert set(through.objects.values_list("pk", flat=True)) == ids
    _migrate(_latest())


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
