"""Planning the resources of an import: matching by slug, else primary URL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.utils.text import slugify

from catalog.models import Resource, ResourceLink, ResourceTopic
from taxonomy.enums import LinkKind

from .issues import issue
from .plan import (
    RESOURCE_FIELDS,
    ChildSet,
    ImportPlan,
    LinkChange,
    decimal,
    diff_row,
    model_default,
    record_outcome,
)
from .reading import existing_children, existing_rows, narrowed

#: The resource fields whose default a record may leave out.
_DEFAULTED = ("language", "difficulty", "cost", "curator_rating")


def import_plan_resources(plan: ImportPlan, records: list[dict]) -> None:
    """Add the resources of the document to ``plan``: rows, covered topics, links."""
    matched = _match_resources(plan, records)
    slugs = _resource_slugs(records, matched)
    pks = [row["pk"] for row in matched.values()]
    coverage = existing_children(
        ResourceTopic, "resource", pks, "topic__slug", "coverage"
    )
    links = existing_children(ResourceLink, "resource", pks, "pk", "url", "kind")
    default_coverage = model_default(ResourceTopic, "coverage")
    defaults = {name: model_default(Resource, name) for name in _DEFAULTED}
    for index, record in enumerate(records):
        slug, row = slugs[index], matched.get(index)
        pk = row["pk"] if row else None
        if pk is not None:
            plan.ids["resources"][slug] = pk
        created = diff_row(
            plan=plan,
            section="resources",
            model=Resource,
            index=index,
            slug=slug,
            values=_resource_values(record, slug, defaults),
            refs={"provider_id": ("providers", record["provider"])},
            row=row,
        )
        wanted = {
            t["topic"]: decimal(t.get("coverage", default_coverage))
            for t in record["topics"]
        }
        topics_changed = pk is None or dict(coverage.get(pk, [])) != wanted
        if topics_changed:
            plan.coverage.append(ChildSet(slug, pk, sorted(wanted.items())))
        change = LinkChange(
            resource=slug,
            resource_pk=pk,
            wanted={record["url"]: LinkKind.PRIMARY}
            | {link["url"]: link["kind"] for link in record.get("links", [])},
            existing={url: (link_pk, kind) for link_pk, url, kind in links.get(pk, [])},
        )
        links_changed = {u: k for u, (_, k) in change.existing.items()} != change.wanted
        if links_changed:
            plan.links.append(change)
        children = pk is not None and (topics_changed or links_changed)
        record_outcome(plan, "resources", slug, created, children=children)


def _resource_values(
    record: dict, slug: str, defaults: dict[str, Any]
) -> dict[str, Any]:
    quality = record.get("quality", {})
    freshness = quality.get("freshness")
    return {
        "slug": slug,
        "title": record["title"],
        "description": record.get("description", ""),
        "format": record["format"],
        "language": record.get("language", defaults["language"]),
        "duration_minutes": int(record["duration_minutes"]),
        "difficulty": record.get("difficulty", defaults["difficulty"]),
        "cost": record.get("cost", defaults["cost"]),
        "age_ranges": list(record.get("age_ranges", [])),
        "tags": list(record.get("tags", [])),
        "curator_rating": int(
            quality.get("curator_rating", defaults["curator_rating"])
        ),
        "freshness": date.fromisoformat(freshness) if freshness else None,
        "feedback_up": int(quality.get("feedback_up", 0)),
        "feedback_down": int(quality.get("feedback_down", 0)),
    }


def _match_resources(
    plan: ImportPlan, records: list[dict]
) -> dict[int, dict[str, Any]]:
    """The existing row of each record: by slug, else by primary URL.

    A primary URL matches only a resource no record has claimed by slug, and
    only when exactly one such resource has it.
    """
    by_slug = existing_rows(
        Resource,
        RESOURCE_FIELDS,
        refs=("provider",),
        values=(r["slug"] for r in records if "slug" in r),
    )
    matched = {
        index: by_slug[record["slug"]]
        for index, record in enumerate(records)
        if record.get("slug") in by_slug
    }
    claimed = {row["pk"] for row in matched.values()}
    unmatched = [index for index in range(len(records)) if index not in matched]
    owners: dict[str, list[int]] = defaultdict(list)
    primaries = ResourceLink.objects.order_by().filter(kind=LinkKind.PRIMARY)
    urls, queries = narrowed(primaries, "url", (records[i]["url"] for i in unmatched))
    for query in queries:
        for url, pk in query.values_list("url", "resource_id"):
            if url in urls:
                owners[url].append(pk)
    by_pk = existing_rows(
        Resource,
        RESOURCE_FIELDS,
        refs=("provider",),
        key="pk",
        values=(pk for pks in owners.values() for pk in pks),
    )
    for index in unmatched:
        record = records[index]
        candidates = sorted(
            pk for pk in owners.get(record["url"], ()) if pk not in claimed
        )
        if len(candidates) == 1:
            matched[index] = by_pk[candidates[0]]
            claimed.add(candidates[0])
        elif len(candidates) > 1 and "slug" not in record:
            names = ", ".join(by_pk[pk]["slug"] for pk in candidates)
            plan.issues.append(
                issue(
                    ("resources", index, "url"),
                    f"several resources have this primary url ({names}): add a slug",
                )
            )
    return matched


def _resource_slugs(
    records: list[dict], matched: dict[int, dict[str, Any]]
) -> list[str]:
    """The slug each record ends up with: its own, the matched resource's, or
    one made from the title for a new resource without one."""
    given = [
        record.get("slug") or (matched[i]["slug"] if i in matched else "")
        for i, record in enumerate(records)
    ]
    if all(given):
        return given
    taken = set(Resource.objects.values_list("slug", flat=True)) | set(given)
    return [
        slug or _free_slug(records[index]["title"], taken)
        for index, slug in enumerate(given)
    ]


def _free_slug(title: str, taken: set[str]) -> str:
    base = slugify(title)[:150].strip("-") or "resource"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug
