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
    assert "Wrote 40 topics, 0 choice groups and 100 resources (seed 5)" in (
        err.getvalue()
    )


def test_the_command_leaves_out_groups_or_resources_when_asked() -> None:
    out = StringIO()

    call_command(
        "make_synthetic_catalog",
        "--topics=200",
        "--resources=600",
        "--seed=5",
        "--no-choice-groups",
        "--without-resources=0.2",
        stdout=out,
    )

    assert out.getvalue() == catalog_dumps(
        catalog_synthesize(
            topics=200,
            resources=600,
            seed=5,
            choice_groups=False,
            without_resources=0.2,
        )
    )
    assert json.loads(out.getvalue())["choice_groups"] == []


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


# -- the shapes of real-world catalogs: choice groups, topics without resources ----
def test_choice_groups_hold_alternatives_of_one_subject_needed_later(
    catalog: dict[str, Any],
) -> None:
    groups = catalog["choice_groups"]
    subject_of = {t["slug"]: t["subject"] for t in catalog["topics"]}
    edges = _edges(catalog)
    needing = {
        g["group"]: t["slug"]
        for t in catalog["topics"]
        for g in t["group_prerequisites"]
    }

    assert len(groups) >= 3
    for group in groups:
        members = group["members"]
        assert 3 <= len(members) <= 5
        assert {subject_of[m] for m in members} == {group["subject"]}
        assert group["default"] in (None, *members)
        assert 1 <= group["min_choices"] < len(members)
        # Alternatives: no member requires another one.
        assert not any(edges[m] & set(members) for m in members)
        assert group["slug"] in needing
    kinds = Counter(
        g["kind"] for t in catalog["topics"] for g in t["group_prerequisites"]
    )
    assert kinds["required"] > 0
    assert any(
        t["target_groups"]
        for t in catalog_synthesize(topics=2000, resources=0, seed=7)["tracks"]
    )


def test_a_catalog_without_choice_groups_is_otherwise_the_same_bytes() -> None:
    plain = catalog_synthesize(topics=200, resources=500, seed=5, choice_groups=False)
    grouped = catalog_synthesize(topics=200, resources=500, seed=5)

    assert plain["choice_groups"] == []
    assert grouped["choice_groups"]
    for record in grouped["topics"]:
        record["group_prerequisites"] = []
    for record in grouped["tracks"]:
        record["target_groups"] = []
    grouped["choice_groups"] = []
    assert catalog_dumps(grouped) == catalog_dumps(plain)


def test_a_share_of_topics_can_be_left_without_any_resource() -> None:
    data = catalog_synthesize(topics=400, resources=1200, seed=7, without_resources=0.1)
    covered = Counter(t["topic"] for r in data["resources"] for t in r["topics"])
    bare = [t["slug"] for t in data["topics"] if t["slug"] not in covered]

    assert 20 <= len(bare) <= 60
    assert min(covered.values()) >= 2
    assert len(data["resources"]) == 1200
    assert schema_issues(data) == []
    with pytest.raises(ValueError, match="share of topics"):
        catalog_synthesize(topics=5, resources=5, seed=1, without_resources=1)


@pytest.mark.django_db
def test_groups_and_bare_topics_import_and_export_the_same_bytes() -> None:
    data = catalog_synthesize(
        topics=240, resources=500, seed=13, without_resources=0.05
    )
    assert data["choice_groups"]

    summary = catalog_import(data=data)

    assert summary.counts["choice_groups"]["created"] == len(data["choice_groups"])
    assert catalog_dumps(catalog_export()) == catalog_dumps(data)
