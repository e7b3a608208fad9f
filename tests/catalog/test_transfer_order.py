"""Teaching positions in the catalog format (version 1.1; version 1 files still read)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from catalog.transfer import (
    CatalogImportError,
    catalog_dumps,
    catalog_export,
    catalog_import,
    catalog_validate,
)
from catalog.transfer.issues import ImportIssue
from taxonomy.models import Topic
from tests.catalog.test_transfer import (
    document,
    empty_the_catalog,
    subject,
    topic,
    version,
)

pytestmark = pytest.mark.django_db

STARTER = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


def _positions(subject_slug: str | None = None) -> dict[str, int]:
    topics = Topic.objects.order_by("slug")
    if subject_slug is not None:
        topics = topics.filter(subject__slug=subject_slug)
    return dict(topics.values_list("slug", "position"))


def _sql(**versioned: Any) -> dict[str, Any]:
    """A SQL subject whose curated order is not the slug order."""
    return (
        document(
            subjects=[subject("sql")],
            topics=[
                topic("select", subject="sql"),
                topic("from", "select", subject="sql"),
                topic("where", "from", subject="sql"),
                topic("group-by", "from", subject="sql"),
                topic("having", "group-by", subject="sql"),
            ],
        )
        | versioned
    )


def test_a_version_1_file_takes_its_file_order_as_the_teaching_order() -> None:
    catalog_import(data=_sql())

    assert _positions() == {
        "select": 1,
        "from": 2,
        "where": 3,
        "group-by": 4,
        "having": 5,
    }


def test_positions_in_a_version_1_1_file_are_taken_as_written() -> None:
    data = _sql(version="1.1")
    for record, position in zip(data["topics"], (10, 20, 40, 30, 50), strict=True):
        record["position"] = position

    catalog_import(data=data)

    assert _positions() == {
        "select": 10,
        "from": 20,
        "where": 40,
        "group-by": 30,
        "having": 50,
    }


def test_export_writes_positions_and_round_trips_the_bytes() -> None:
    data = _sql(version="1.1")
    for record, position in zip(data["topics"], (1, 2, 5, 3, 4), strict=True):
        record["position"] = position
    catalog_import(data=data)

    exported = catalog_export()
    assert exported["version"] == "1.3"
    assert {t["slug"]: t["position"] for t in exported["topics"]} == {
        "select": 1,
        "from": 2,
        "where": 5,
        "group-by": 3,
        "having": 4,
    }
    text = catalog_dumps(exported)

    empty_the_catalog()
    catalog_import(data=json.loads(text))

    assert catalog_dumps(catalog_export()) == text


def test_reimporting_a_file_without_positions_keeps_the_curated_order() -> None:
    catalog_import(data=_sql())
    Topic.objects.filter(slug="having").update(position=3)
    Topic.objects.filter(slug="where").update(position=5)
    before = version()

    # An old export lists topics by slug: that says nothing of the order.
    old_export = _sql()
    old_export["topics"].sort(key=lambda record: record["slug"])
    summary = catalog_import(data=old_export)

    assert not summary.changed
    assert version() == before
    assert _positions()["having"] == 3
    assert _positions()["where"] == 5


def test_a_new_topic_without_a_position_goes_after_its_subjects_topics() -> None:
    catalog_import(data=_sql())
    data = document(
        subjects=[subject("sql"), subject("git")],
        topics=[
            topic("order-by", "from", subject="sql"),
            topic("commit", subject="git"),
            topic("limit", "order-by", subject="sql"),
        ],
    )

    catalog_import(data=data)

    assert _positions("sql")["order-by"] == 6
    assert _positions("sql")["limit"] == 7
    assert _positions("git") == {"commit": 1}


def test_a_changed_position_updates_that_topic_only_and_moves_the_version() -> None:
    data = _sql(version="1.1")
    for index, record in enumerate(data["topics"], start=1):
        record["position"] = index
    catalog_import(data=data)
    before = version()
    changed = copy.deepcopy(data)
    changed["topics"][2]["position"] = 9

    summary = catalog_import(data=changed)

    assert summary.slugs["topics"]["updated"] == ["where"]
    assert _positions()["where"] == 9
    assert version() == before + 1


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (-1, "$.topics[0].position"),
        (1.5, "$.topics[0].position"),
        ("2", "$.topics[0].position"),
        (2**31, "$.topics[0].position"),
    ],
)
def test_a_bad_position_is_refused_at_its_path(value: object, path: str) -> None:
    data = _sql(version="1.1")
    data["topics"][0]["position"] = value

    found = catalog_validate(data=data)

    assert [issue.path for issue in found] == [path]
    with pytest.raises(CatalogImportError):
        catalog_import(data=data)
    assert not Topic.objects.exists()


@pytest.mark.parametrize("value", [2, "1.4", "1", True, None])
def test_versions_other_than_1_0_to_1_3_are_refused(value: object) -> None:
    assert catalog_validate(data=_sql(version=value)) == [
        ImportIssue(
            "$.version",
            'this importer reads version 1 only: 1 (that is 1.0), "1.1", "1.2" '
            'or "1.3"',
        )
    ]


def test_the_starter_catalog_carries_a_curated_topological_order() -> None:
    data = json.loads(STARTER.read_text(encoding="utf-8"))
    assert data["version"] == "1.2"
    by_slug = {record["slug"]: record for record in data["topics"]}
    subjects: dict[str, list[int]] = {}
    for record in data["topics"]:
        subjects.setdefault(record["subject"], []).append(record["position"])
        for prerequisite in record["prerequisites"]:
            required = by_slug[prerequisite["topic"]]
            if required["subject"] == record["subject"]:
                assert required["position"] < record["position"], record["slug"]
    for positions in subjects.values():
        assert sorted(positions) == list(range(1, len(positions) + 1))

    catalog_import(data=data)

    python = sorted(_positions("python").items(), key=lambda item: item[1])
    assert [slug for slug, _ in python[:4]] == [
        "python-setup",
        "python-variables-types",
        "python-strings",
        "python-control-flow",
    ]
