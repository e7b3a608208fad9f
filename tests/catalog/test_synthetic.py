"""The synthetic catalog: valid, deterministic, a realistic DAG, importable."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command

import pytest

from catalog.synthetic import catalog_synthesize
from catalog.transfer import (
    catalog_dumps,
    catalog_export,
    catalog_import,
    catalog_validate,
)
from catalog.transfer.schema import schema_issues
from planner.domain.graph import find_cycle, longest_chain


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    return catalog_synthesize(topics=300, resources=900, seed=7)


def _edges(data: dict[str, Any]) -> dict[str, set[str]]:
    return {t["slug"]: {p["topic"] for p in t["prerequisites"]} for t in data["topics"]}


def test_sizes_are_as_asked(catalog: dict[str, Any]) -> None:
    assert len(catalog["topics"]) == 300
    assert len(catalog["resources"]) == 900
    assert len(catalog["subjects"]) >= 2
    assert catalog_synthesize(topics=50, resources=10, seed=1, subjects=5)["subjects"][
        4
    ]


def test_the_catalog_is_valid_against_the_schema(catalog: dict[str, Any]) -> None:
    assert schema_issues(catalog) == []


@pytest.mark.django_db
def test_the_catalog_passes_every_import_check(catalog: dict[str, Any]) -> None:
    assert catalog_validate(data=catalog) == []


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    first = catalog_dumps(catalog_synthesize(topics=120, resources=300, seed=42))

    assert (
        catalog_dumps(catalog_synthesize(topics=120, resources=300, seed=42)) == first
    )
    assert (
        catalog_dumps(catalog_synthesize(topics=120, resources=300, seed=43)) != first
    )


def test_the_graph_is_acyclic_and_deep(catalog: dict[str, Any]) -> None:
    edges = _edges(catalog)

    assert find_cycle(edges) is None
    assert longest_chain(edges) >= 8
    assert (
        longest_chain(_edges(catalog_synthesize(topics=200, resources=0, seed=3))) >= 8
    )


def test_fan_in_and_fan_out_look_like_a_curriculum(catalog: dict[str, Any]) -> None:
    edges = _edges(catalog)
    fan_in = Counter(len(required) for required in edges.values())
    dependents = Counter(slug for required in edges.values() for slug in required)
    with_prerequisites = sum(n for size, n in fan_in.items() if size)

    assert sum(fan_in[size] for size in (1, 2, 3)) >= 0.75 * with_prerequisites
    assert max(fan_in) >= 5  # a few topics pull many threads together
    assert max(dependents.values()) >= 10  # hubs
    assert sorted(dependents.values())[len(dependents) // 2] <= 3  # most are not
    subject_of = {t["slug"]: t["subject"] for t in catalog["topics"]}
    cross = sum(
        subject_of[topic] != subject_of[required]
        for topic, required_set in edges.items()
        for required in required_set
    )
    assert 0 < cross < 0.5 * sum(dependents.values())


def test_every_topic_has_two_resources_and_every_subject_a_track(
    catalog: dict[str, Any],
) -> None:
    covered = Counter(t["topic"] for r in catalog["resources"] for t in r["topics"])

    assert min(covered[t["slug"]] for t in catalog["topics"]) >= 2
    assert {t["subject"] for t in catalog["tracks"]} == {
        s["slug"] for s in catalog["subjects"]
    }


def test_vocabularies_are_skewed_like_real_catalogs(catalog: dict[str, Any]) -> None:
    languages = Counter(r["language"] for r in catalog["resources"])
    costs = Counter(r["cost"] for r in catalog["resources"])

    assert languages.most_common(1)[0][0] == "en"
    assert languages["en"] > 0.5 * len(catalog["resources"])
    assert len(languages) >= 4
    assert costs["free"] > costs["paid"] > 0
    assert len({r["format"] for r in catalog["resources"]}) >= 6


def test_sizes_that_cannot_make_a_catalog_are_refused() -> None:
    with pytest.raises(ValueError, match="one topic or more"):
        catalog_synthesize(topics=0, resources=0, seed=1)


def test_a_tiny_catalog_still_works() -> None:
    data = catalog_synthesize(topics=1, resources=3, seed=1)

    assert schema_issues(data) == []
    assert data["topics"][0]["prerequisites"] == []


@pytest.mark.django_db
def test_importing_it_then_exporting_gives_the_same_bytes() -> None:
    data = catalog_synthesize(topics=60, resources=150, seed=11)

    summary = catalog_import(data=data)

    assert summary.counts["topics"]["created"] == 60
    assert summary.counts["resources"]["created"] == 150
    assert catalog_dumps(catalog_export()) == catalog_dumps(data)
    assert not catalog_import(data=data).changed


def test_the_command_writes_a_file(tmp_path: Path) -> None:
    path = tmp_path / "synthetic.json"
    err = StringIO()

    call_command(
        "make_synthetic_catalog",
        "--topics=40",
        "--resources=100",
        "--seed=5",
        "--subjects=3",
        f"--output={path}",
        stderr=err,
    )

    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["subjects"]) == 3
    assert path.read_text(encoding="utf-8") == catalog_dumps(
        catalog_synthesize(topics=40, resources=100, seed=5, subjects=3)
    )
    assert "Wrote 40 topics and 100 resources (seed 5)" in err.getvalue()


def test_the_command_writes_to_standard_output_by_default() -> None:
    out = StringIO()

    call_command("make_synthetic_catalog", "--topics=5", "--resources=5", stdout=out)

    assert json.loads(out.getvalue())["format"] == "wayfinder.catalog"


def test_the_command_refuses_impossible_sizes() -> None:
    with pytest.raises(CommandError, match="one topic or more"):
        call_command("make_synthetic_catalog", "--topics=0", "--resources=5")
    with pytest.raises(CommandError, match="--subjects"):
        call_command(
            "make_synthetic_catalog", "--topics=5", "--resources=5", "--subjects=0"
        )
