"""A track's target order in the catalog format: since version 1.3 the
``targets`` list is the curator's order; older files still import."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from catalog.transfer import catalog_dumps, catalog_export, catalog_import
from planner.selectors import catalog_graph_get
from taxonomy.models import Track
from taxonomy.services import track_save, track_target_ids
from tests.catalog.test_transfer import (
    document,
    empty_the_catalog,
    subject,
    topic,
    track,
    version,
)

pytestmark = pytest.mark.django_db


def _web(*targets: str, file_version: Any = "1.3") -> dict[str, Any]:
    """Four topics numbered html, css, http, rest; a track aiming at ``targets``."""
    return document(
        subjects=[subject("web")],
        topics=[
            topic("html", subject="web", position=1),
            topic("css", "html", subject="web", position=2),
            topic("http", subject="web", position=3),
            topic("rest", "http", subject="web", position=4),
        ],
        tracks=[track("full-stack", *targets, subject="web")],
    ) | {"version": file_version}


def _targets() -> list[str]:
    stored = Track.objects.get(slug="full-stack")
    slugs = dict(stored.targets.values_list("pk", "slug"))
    return [slugs[pk] for pk in track_target_ids(track=stored)]


def test_a_1_3_file_sets_the_order_its_list_gives() -> None:
    catalog_import(data=_web("rest", "css", "html"))

    assert _targets() == ["rest", "css", "html"]
    assert catalog_graph_get().tracks["full-stack"].targets == ("rest", "css", "html")


def test_export_writes_the_order_and_round_trips_the_bytes() -> None:
    catalog_import(data=_web("rest", "html"))
    text = catalog_dumps(catalog_export())
    exported = json.loads(text)
    assert exported["version"] == "1.3"
    assert exported["tracks"][0]["targets"] == ["rest", "html"]

    empty_the_catalog()
    catalog_import(data=json.loads(text))

    assert _targets() == ["rest", "html"]
    assert catalog_dumps(catalog_export()) == text


def test_reordering_the_list_updates_the_track_and_moves_the_version() -> None:
    data = _web("rest", "html")
    catalog_import(data=data)
    before = version()
    reordered = copy.deepcopy(data)
    reordered["tracks"][0]["targets"] = ["html", "rest"]

    summary = catalog_import(data=reordered)

    assert summary.changed
    assert _targets() == ["html", "rest"]
    assert version() > before
    assert catalog_graph_get().tracks["full-stack"].targets == ("html", "rest")
    assert not catalog_import(data=reordered).changed


@pytest.mark.parametrize("old", [1, "1.1", "1.2"])
def test_an_older_file_orders_new_targets_by_teaching_position(old: Any) -> None:
    data = _web("rest", "css", file_version=old)
    if old == 1:
        for record in data["topics"]:
            del record["position"]

    catalog_import(data=data)

    assert _targets() == ["css", "rest"]


def test_an_older_file_with_the_same_targets_keeps_the_curated_order() -> None:
    catalog_import(data=_web("rest", "css"))
    before = version()

    summary = catalog_import(data=_web("css", "rest", file_version="1.2"))

    assert not summary.changed
    assert version() == before
    assert _targets() == ["rest", "css"]


def test_an_older_file_with_other_targets_replaces_them_by_position() -> None:
    catalog_import(data=_web("rest", "css"))

    catalog_import(data=_web("rest", "html", "css", file_version="1.2"))

    assert _targets() == ["html", "css", "rest"]


def test_a_track_saved_by_the_service_exports_its_order() -> None:
    catalog_import(data=_web("html"))
    stored = Track.objects.get(slug="full-stack")
    topics = {t.slug: t for t in stored.subject.topics.all()}

    track_save(track=stored, changes={}, targets=[topics["http"], topics["css"]])

    assert catalog_export()["tracks"][0]["targets"] == ["http", "css"]
