"""Writes to the taxonomy: the catalog version and the prerequisite DAG."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from planner.domain.graph import cycle_if_added, format_cycle

from .models import CatalogVersion, Prerequisite, Topic

_batched: ContextVar[bool] = ContextVar("catalog_version_batched", default=False)


class _PendingBump:
    """An on-commit no-op marking "this transaction moved the version and
    nobody has read it since". Django drops it with a rolled-back savepoint
    and runs it at commit, so it never outlives its transaction."""

    read = False

    def __call__(self) -> None:
        pass


def _pending_bump() -> _PendingBump | None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    for _savepoints, callback, _robust in reversed(connection.run_on_commit):
        if isinstance(callback, _PendingBump):
            return callback
    return None


def catalog_version_bump() -> None:
    """Move the catalog version forward, in the caller's transaction.

    One move per transaction: a topic saved with its prerequisite rows moves
    it once, not once per row. A write after the version was read again
    (``catalog_version_current``) moves it again, so nobody who read a
    version misses a later change under the same number. Inside
    :func:`catalog_version_batch` the per-row bumps are folded into one.
    """
    if _batched.get():
        return
    pending = _pending_bump()
    if pending is not None and not pending.read:
        return
    updated = CatalogVersion.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        CatalogVersion.objects.get_or_create(pk=1, defaults={"value": 2})
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_PendingBump())


def catalog_version_read() -> None:
    """Note that this transaction read the version: the next write moves it."""
    pending = _pending_bump()
    if pending is not None:
        pending.read = True


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


def topic_dependents(*, topic: Topic) -> list[Topic]:
    """Topics that list ``topic`` as a prerequisite, for the delete warning."""
    return list(
        Topic.objects.filter(prerequisites__requires=topic)
        .select_related("subject")
        .distinct()
    )
