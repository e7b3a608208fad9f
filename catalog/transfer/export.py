"""The catalog as one document, in a stable order, and its canonical text."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import models

from catalog.models import Provider, Resource, ResourceLink, ResourceTopic
from taxonomy.enums import LinkKind
from taxonomy.models import (
    ChoiceGroup,
    ChoiceGroupMember,
    GroupPrerequisite,
    Prerequisite,
    Subject,
    Topic,
    Track,
    TrackTarget,
)
from taxonomy.ordering import track_target_key

from .issues import FORMAT, VERSION
from .plan import (
    GROUP_FIELDS,
    PROVIDER_FIELDS,
    RESOURCE_FIELDS,
    SUBJECT_FIELDS,
    TOPIC_FIELDS,
)
from .translations import translations_export


def catalog_export() -> dict[str, Any]:
    """The whole catalog in the catalog format (docs/catalog-format.md).

    Records are ordered by slug, and so are the lists inside them that are
    sets (prerequisites, group prerequisites, target groups, covered topics,
    links); a group's members and a track's targets keep the curator's order.
    The same catalog always gives the same document. Link-checker state is
    left out: it is operational state, not catalog data. Uses a fixed number
    of queries.
    """
    return {
        "format": FORMAT,
        "version": VERSION,
        "providers": _providers(),
        "subjects": _subjects(),
        "topics": _topics(),
        "choice_groups": _choice_groups(),
        "tracks": _tracks(),
        "resources": _resources(),
    } | _translations()


def _translations() -> dict[str, Any]:
    """The translations section, written when the catalog has any (format 1.2;
    a catalog without them exports as it always did)."""
    rows = translations_export()
    return {"translations": rows} if rows else {}


def catalog_dumps(data: dict[str, Any]) -> str:
    """The canonical text of a document: sorted keys, two-space indent, UTF-8
    characters as they are, a final newline. Equal documents give equal bytes."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _number(value: Decimal) -> int | float:
    """4.00 -> 4, 2.50 -> 2.5: one spelling per value, whatever the database."""
    return int(value) if value == value.to_integral_value() else float(value)


def _rows(model: type[models.Model], *names: str) -> list[dict[str, Any]]:
    return sorted(model.objects.order_by().values(*names), key=lambda row: row["slug"])


def _grouped(
    model: type[models.Model], parent: str, *names: str
) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = defaultdict(list)
    for parent_id, *values in model.objects.order_by().values_list(parent, *names):
        out[parent_id].append(tuple(values))
    for values in out.values():
        values.sort()
    return out


def _providers() -> list[dict[str, Any]]:
    return [
        {
            "slug": row["slug"],
            "name": row["name"],
            "url": row["url"],
            "trust_score": _number(row["trust_score"]),
        }
        for row in _rows(Provider, "slug", *PROVIDER_FIELDS)
    ]


def _subjects() -> list[dict[str, Any]]:
    return [
        {
            "slug": row["slug"],
            "name": row["name"],
            "description": row["description"],
            "languages": sorted(set(row["languages"])),
        }
        for row in _rows(Subject, "slug", *SUBJECT_FIELDS)
    ]


def _topics() -> list[dict[str, Any]]:
    prerequisites = _grouped(Prerequisite, "topic_id", "requires__slug", "kind")
    groups = _grouped(GroupPrerequisite, "topic_id", "group__slug", "kind")
    rows = _rows(Topic, "pk", "slug", "subject__slug", *TOPIC_FIELDS)
    return [
        {
            "slug": row["slug"],
            "subject": row["subject__slug"],
            "name": row["name"],
            "summary": row["summary"],
            "level": row["level"],
            "estimated_hours": _number(row["estimated_hours"]),
            "objectives": row["objectives"],
            "mastery_check": {
                "kind": row["mastery_kind"],
                "description": row["mastery_description"],
            },
            "tags": row["tags"],
            "position": row["position"],
            "prerequisites": [
                {"topic": slug, "kind": kind} for slug, kind in prerequisites[row["pk"]]
            ],
            "group_prerequisites": [
                {"group": slug, "kind": kind} for slug, kind in groups[row["pk"]]
            ],
        }
        for row in rows
    ]


def _choice_groups() -> list[dict[str, Any]]:
    # (sort_order, slug) pairs sort into the curator's order.
    members = _grouped(ChoiceGroupMember, "group_id", "sort_order", "topic__slug")
    rows = _rows(
        ChoiceGroup,
        "pk",
        "slug",
        "subject__slug",
        "default_member__slug",
        *GROUP_FIELDS,
    )
    return [
        {
            "slug": row["slug"],
            "subject": row["subject__slug"],
            "name": row["name"],
            "description": row["description"],
            "min_choices": row["min_choices"],
            "default": row["default_member__slug"],
            "members": [slug for _, slug in members[row["pk"]]],
        }
        for row in rows
    ]


def _tracks() -> list[dict[str, Any]]:
    targets: dict[int, list[tuple]] = defaultdict(list)
    for track_id, *row in TrackTarget.objects.order_by().values_list(
        "track_id", "sort_order", "topic__position", "topic__slug"
    ):
        targets[track_id].append(tuple(row))
    target_groups = _grouped(
        Track.target_groups.through, "track_id", "choicegroup__slug"
    )
    rows = _rows(
        Track, "pk", "slug", "subject__slug", "name", "description", "goal_kind"
    )
    return [
        {
            "slug": row["slug"],
            "subject": row["subject__slug"],
            "name": row["name"],
            "description": row["description"],
            "goal_kind": row["goal_kind"],
            "targets": [
                slug
                for *_, slug in sorted(
                    targets[row["pk"]], key=lambda r: track_target_key(*r)
                )
            ],
            "target_groups": [slug for (slug,) in target_groups[row["pk"]]],
        }
        for row in rows
    ]


def _resources() -> list[dict[str, Any]]:
    coverage = _grouped(ResourceTopic, "resource_id", "topic__slug", "coverage")
    links = _grouped(ResourceLink, "resource_id", "url", "kind")
    rows = _rows(Resource, "pk", "provider__slug", *RESOURCE_FIELDS)
    return [_resource(row, coverage[row["pk"]], links[row["pk"]]) for row in rows]


def _resource(
    row: dict[str, Any], coverage: list[tuple], links: list[tuple]
) -> dict[str, Any]:
    record = {
        "slug": row["slug"],
        "title": row["title"],
        "description": row["description"],
        "provider": row["provider__slug"],
        "format": row["format"],
        "language": row["language"],
        "duration_minutes": row["duration_minutes"],
        "difficulty": row["difficulty"],
        "cost": row["cost"],
        "age_ranges": row["age_ranges"],
        "topics": [
            {"topic": slug, "coverage": _number(value)} for slug, value in coverage
        ],
        "tags": row["tags"],
        "links": [
            {"url": url, "kind": kind}
            for url, kind in links
            if kind != LinkKind.PRIMARY
        ],
        "quality": {
            "curator_rating": row["curator_rating"],
            "freshness": row["freshness"].isoformat() if row["freshness"] else None,
            "feedback_up": row["feedback_up"],
            "feedback_down": row["feedback_down"],
        },
    }
    # A resource without a primary link (possible through the admin) is
    # exported without a url; the importer then names it as an error.
    primary = [url for url, kind in links if kind == LinkKind.PRIMARY]
    if primary:
        record["url"] = primary[0]
    return record
