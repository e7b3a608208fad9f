"""Writes to the taxonomy: the catalog version and the prerequisite DAG."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from .enums import PrerequisiteKind
from .graph import cycle_if_added, format_cycle
from .models import CatalogVersion, Prerequisite, Topic

_batched: ContextVar[bool] = ContextVar("catalog_version_batched", default=False)


def catalog_version_bump() -> None:
    """Move the catalog version forward, in the caller's transaction.

    Inside :func:`catalog_version_batch` the per-row bumps are folded into one.
    """
    if _batched.get():
        return
    updated = CatalogVersion.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        CatalogVersion.objects.get_or_create(pk=1, defaults={"value": 2})


@contextlib.contextmanager
def catalog_version_batch() -> Iterator[None]:
    """Fold every bump inside the block into a single one at its end."""
    token = _batched.set(True)
    try:
        yield
    finally:
        _batched.reset(token)
    catalog_version_bump()


def catalog_version_lock() -> None:
    """Take the catalog-version row lock until the transaction ends.

    Every write that checks the prerequisite DAG first takes it, so two
    concurrent edits cannot each add half of a cycle.
    """
    CatalogVersion.objects.select_for_update().filter(pk=1).first()


def prerequisite_edges(*, exclude_topic_id: int | None = None) -> dict[int, set[int]]:
    """The whole DAG as ``{topic_id: {required_topic_id, ...}}`` (both kinds)."""
    edges: dict[int, set[int]] = defaultdict(set)
    rows = Prerequisite.objects.values_list("topic_id", "requires_id")
    if exclude_topic_id is not None:
        rows = rows.exclude(topic_id=exclude_topic_id)
    for topic_id, requires_id in rows:
        edges[topic_id].add(requires_id)
    return edges


def prerequisites_check(*, topic: Topic, requires: Iterable[Topic]) -> None:
    """Refuse a set of prerequisites for ``topic`` that would break the DAG.

    ``requires`` replaces the topic's current prerequisites. Raises
    ``ValidationError`` naming the cycle by slugs, e.g.
    ``loops -> functions -> loops``.
    """
    requires = list(requires)
    edges = prerequisite_edges(exclude_topic_id=topic.pk)
    slugs = dict(Topic.objects.values_list("pk", "slug"))
    slugs[topic.pk] = topic.slug
    for other in requires:
        if topic.pk is not None and other.pk == topic.pk:
            raise ValidationError(
                f"A topic cannot require itself: {format_cycle([topic.slug, topic.slug])}.",
                code="self_edge",
            )
        if topic.pk is None:
            continue  # a new topic has no dependents yet, so it cannot close a cycle
        cycle = cycle_if_added(edges, topic.pk, other.pk)
        if cycle:
            raise ValidationError(
                "This prerequisite would make a cycle: "
                f"{format_cycle(slugs[node] for node in cycle)}.",
                code="cycle",
            )
        edges[topic.pk].add(other.pk)


@transaction.atomic
def prerequisite_add(
    *, topic: Topic, requires: Topic, kind: str = PrerequisiteKind.REQUIRED
) -> Prerequisite:
    """Add the edge *topic requires ``requires``*, refusing self-edges and cycles.

    Locks the catalog version row first so two concurrent edits cannot each
    add half of a cycle.
    """
    catalog_version_lock()
    current = list(Topic.objects.filter(dependents__topic=topic))
    prerequisites_check(topic=topic, requires=[*current, requires])
    edge, created = Prerequisite.objects.get_or_create(
        topic=topic, requires=requires, defaults={"kind": kind}
    )
    if not created and edge.kind != kind:
        edge.kind = kind
        edge.full_clean()
        edge.save(update_fields=["kind"])
    return edge


def topic_dependents(*, topic: Topic) -> list[Topic]:
    """Topics that list ``topic`` as a prerequisite, for the delete warning."""
    return list(
        Topic.objects.filter(prerequisites__requires=topic)
        .select_related("subject")
        .distinct()
    )
