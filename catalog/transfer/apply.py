"""Write a plan: bulk inserts and updates in batches, parents before children.

Bulk writes send no ``post_save`` signals, so the per-row catalog version bumps
do not happen; the caller wraps this in ``catalog_version_batch()``, which
bumps the version once at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models

from catalog.models import Provider, Resource, ResourceLink, ResourceTopic
from taxonomy.enums import LinkHealth, LinkKind
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
from wayfinder.rows import Row, rows_insert

from .plan import ChildSet, ImportPlan, LinkChange, SectionPlan
from .reading import chunks

BATCH = 1000
_MODELS: tuple[tuple[str, type[models.Model]], ...] = (
    ("providers", Provider),
    ("subjects", Subject),
    ("topics", Topic),
    ("choice_groups", ChoiceGroup),
    ("tracks", Track),
    ("resources", Resource),
)


def import_plan_apply(*, plan: ImportPlan) -> None:
    """Make the database match the plan; runs inside the caller's transaction."""
    for section, model in _MODELS:
        if section == "subjects" and plan.subject_names_swap:
            _park_subject_names(plan.sections[section])
        _save(model, section, plan.sections[section], plan.ids)
    topics, tracks, resources = (plan.ids[s] for s in ("topics", "tracks", "resources"))
    groups = plan.ids["choice_groups"]
    _replace(
        Prerequisite,
        "topic",
        plan.prerequisites,
        lambda child, slug, kind: {
            "topic_id": topics[child.parent],
            "requires_id": topics[slug],
            "kind": kind,
        },
    )
    _replace(
        ChoiceGroupMember,
        "group",
        plan.members,
        lambda child, slug, order: {
            "group_id": groups[child.parent],
            "topic_id": topics[slug],
            "sort_order": order,
        },
    )
    _replace(
        GroupPrerequisite,
        "topic",
        plan.group_prerequisites,
        lambda child, slug, kind: {
            "topic_id": topics[child.parent],
            "group_id": groups[slug],
            "kind": kind,
        },
    )
    _replace(
        Track.target_groups.through,
        "track",
        plan.target_groups,
        lambda child, slug: {
            "track_id": tracks[child.parent],
            "choicegroup_id": groups[slug],
        },
    )
    _replace(
        TrackTarget,
        "track",
        plan.targets,
        lambda child, slug, order: {
            "track_id": tracks[child.parent],
            "topic_id": topics[slug],
            "sort_order": order,
        },
    )
    _replace(
        ResourceTopic,
        "resource",
        plan.coverage,
        lambda child, slug, coverage: {
            "resource_id": resources[child.parent],
            "topic_id": topics[slug],
            "coverage": coverage,
        },
    )
    _apply_links(plan.links, resources)


def _save(
    model: type[models.Model],
    section: str,
    section_plan: SectionPlan,
    ids: dict[str, dict[str, int]],
) -> None:
    for pending in (*section_plan.create, *section_plan.update):
        for attname, (target, slug) in pending.refs.items():
            setattr(pending.instance, attname, ids[target][slug])
    created = [pending.instance for pending in section_plan.create]
    _insert(model, created)
    # One bulk_update per set of changed fields: each row writes only what
    # changed, and Django builds far fewer CASE expressions.
    by_fields: dict[tuple[str, ...], list[models.Model]] = defaultdict(list)
    for pending in section_plan.update:
        by_fields[pending.changed].append(pending.instance)
    for fields, instances in by_fields.items():
        model.objects.bulk_update(instances, fields, batch_size=BATCH // 2)
    for instance in (*created, *(p.instance for p in section_plan.update)):
        ids[section][instance.slug] = instance.pk


def _insert(model: type[models.Model], instances: list[models.Model]) -> None:
    """Insert new rows as ``bulk_create`` would, through ``COPY`` on
    PostgreSQL: the instances hold values ``full_clean()`` already converted,
    and their primary keys are set from the table's sequence."""
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    rows = [{name: getattr(obj, name) for name in fields} for obj in instances]
    for instance, pk in zip(instances, rows_insert(model, rows, ids=True), strict=True):
        instance.pk = pk
        instance._state.adding = False


def _park_subject_names(section_plan: SectionPlan) -> None:
    """Give renamed subjects a unique placeholder name before their new one."""
    parked = [
        Subject(pk=pending.instance.pk, name=f"~{pending.instance.pk}~renaming")
        for pending in section_plan.update
        if "name" in pending.changed
    ]
    Subject.objects.bulk_update(parked, ["name"])


def _replace(
    model: type[models.Model],
    parent: str,
    children: list[ChildSet],
    build: Callable[..., Row],
) -> None:
    """Replace the child rows of each parent by the set the file gives;
    ``build`` turns a parent and one of its rows into a row to insert."""
    _delete(model, {f"{parent}_id__in": [c.parent_pk for c in children if c.parent_pk]})
    rows_insert(
        model,
        [build(child, *row) for child in children for row in child.rows],
    )


def _delete(model: type[models.Model], where: dict[str, Iterable[Any]]) -> None:
    """Delete child rows without per-row signals.

    ``QuerySet.delete()`` would load every row to send ``post_delete`` (Wagtail's
    reference index and our version bump listen), about 2 ms a row. These
    children have no dependents of their own, the version is bumped once by
    the caller, and the reference index tracks them under their parent, so a
    plain DELETE is enough.
    """
    ((lookup, values),) = where.items()
    for batch in chunks(values):
        query = model.objects.filter(**{lookup: batch})
        query._raw_delete(query.db)


def _apply_links(changes: list[LinkChange], resources: dict[str, int]) -> None:
    """Change links in place, so a link whose URL stays keeps its checker state.

    Deletions and demotions from primary come before promotions and new links,
    so no resource holds two primary links at any moment.
    """
    removed: list[int] = []
    demoted: list[ResourceLink] = []
    promoted: list[ResourceLink] = []
    added: list[tuple[int, str, str]] = []
    for change in changes:
        for url, (pk, kind) in change.existing.items():
            wanted = change.wanted.get(url)
            if wanted is None:
                removed.append(pk)
            elif wanted != kind:
                link = ResourceLink(pk=pk, kind=wanted)
                (promoted if wanted == LinkKind.PRIMARY else demoted).append(link)
        resource_id = resources[change.resource]
        added += [
            (resource_id, url, kind)
            for url, kind in change.wanted.items()
            if url not in change.existing
        ]
    _delete(ResourceLink, {"pk__in": removed})
    ResourceLink.objects.bulk_update(demoted, ["kind"], batch_size=BATCH // 2)
    ResourceLink.objects.bulk_update(promoted, ["kind"], batch_size=BATCH // 2)
    rows_insert(
        ResourceLink,
        [{"resource_id": pk, "url": url, "kind": kind} for pk, url, kind in added],
    )
    # The health the checker derived from the old primary says nothing of the new one.
    moved = [change.resource_pk for change in changes if change.primary_moved]
    for batch in chunks(moved):
        Resource.objects.filter(pk__in=batch).update(link_health=LinkHealth.UNCHECKED)
