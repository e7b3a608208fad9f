"""Facts of the starter catalog (data/catalog.json) that a check caught wrong."""

from __future__ import annotations

import json
from pathlib import Path

STARTER = Path(__file__).resolve().parents[2] / "data" / "catalog.json"


def _resources() -> dict[str, dict]:
    document = json.loads(STARTER.read_text(encoding="utf-8"))
    return {resource["slug"]: resource for resource in document["resources"]}


def _urls(resource: dict) -> list[str]:
    return [
        resource.get("url", ""),
        *(link["url"] for link in resource.get("links", [])),
    ]


def test_the_etch_a_sketch_resource_points_at_the_lesson_itself():
    # The Odin Project's lesson slug has no "-project" suffix; the old URL 404s.
    urls = _urls(_resources()["odin-etch-a-sketch"])
    assert "https://www.theodinproject.com/lessons/foundations-etch-a-sketch" in urls
    assert not any(url.endswith("-etch-a-sketch-project") for url in urls)


def test_the_starter_catalog_offers_a_choice_of_python_web_framework():
    document = json.loads(STARTER.read_text(encoding="utf-8"))
    topics = {topic["slug"]: topic for topic in document["topics"]}
    (group,) = (
        g for g in document["choice_groups"] if g["slug"] == "python-web-framework"
    )
    assert group["members"] == ["flask-basics", "django-basics"]
    assert group["default"] in group["members"]
    # Honest alternatives: same subject, same level, neither requires the other.
    members = [topics[slug] for slug in group["members"]]
    assert {m["subject"] for m in members} == {group["subject"]}
    assert len({m["level"] for m in members}) == 1
    for member in members:
        required = {p["topic"] for p in member["prerequisites"]}
        assert not required & set(group["members"])
