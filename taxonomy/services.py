"""Writes to the taxonomy: the catalog version, the prerequisite DAG, and the
API's writes of subjects, topics and tracks (``catalog_record_*`` serve the
catalog's providers too)."""

from __future__ import annotations

import contextlib
import copy
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, ProtectedError

from planner.domain.graph import cycle_if_added, format_cycle
from wayfinder.errors import Conflict

from .models import CatalogVersion, Prerequisite, Topic, Track

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


# -- writes over the API --------------------------------------------------------
# Each runs in one transaction, so the catalog version (moved by the model
# signals, catalog.signals) moves once per call however many rows it writes.


def catalog_record_differs(record: Model, changes: Mapping[str, Any]) -> bool:
    """True if applying ``changes`` to the saved ``record`` would change it."""
    return any(getattr(record, name) != value for name, value in changes.items())


def catalog_record_apply(record: Model, changes: Mapping[str, Any]) -> None:
    """Set the changes and run the model's own validation (fields, ``clean()``,
    unique fields and constraints), as the admin's forms do."""
    for name, value in changes.items():
        setattr(record, name, value)
    record.full_clean()


@transaction.atomic
def catalog_record_save(*, record: Model, changes: Mapping[str, Any]) -> Model:
    """Create (``record`` unsaved) or change a catalog record without child
    rows: a subject or a provider.

    ``changes`` maps field names to validated values. A change that changes
    nothing writes nothing, so the catalog version stays where it is.
    Raises ``ValidationError`` (a slug taken, a name taken ignoring case...).
    """
    if record.pk is not None and not catalog_record_differs(record, changes):
        return record
    catalog_record_apply(record, changes)
    record.save()
    return record


def catalog_record_delete(*, record: Model) -> None:
    """Delete a catalog record and what cascades from it, in one transaction.

    Raises ``Conflict`` naming the records that still depend on it (a subject
    with topics, a provider with resources); nothing is deleted then.
    """
    try:
        with transaction.atomic():
            record.delete()
    except ProtectedError as error:
        blockers = sorted({str(obj) for obj in error.protected_objects})
        shown = ", ".join(blockers[:10]) + (", ..." if len(blockers) > 10 else "")
        raise Conflict(
            f"“{record}” cannot be deleted while these depend on it: {shown}.",
            code="protected",
            details={"count": len(blockers)},
        ) from error


@transaction.atomic
def topic_save(
    *,
    topic: Topic,
    changes: Mapping[str, Any],
    prerequisites: Sequence[tuple[Topic, str]] | None = None,
) -> Topic:
    """Create or change a topic and, when given, replace its prerequisites.

    ``prerequisites`` holds ``(required topic, kind)`` pairs. Holds the
    catalog-version lock from the DAG check to the commit (as the admin
    does), so two writers cannot each add half of a cycle. Raises
    ``ValidationError``: duplicates, a self-edge or a cycle under
    ``prerequisites`` (the cycle named by slugs, ``a -> b -> a``), and the
    topic's own field errors.
    """
    catalog_version_lock()
    wanted = None if prerequisites is None else {r.pk: k for r, k in prerequisites}
    current = dict(
        Prerequisite.objects.filter(topic_id=topic.pk).values_list(
            "requires_id", "kind"
        )
        if topic.pk is not None
        else {}
    )
    unchanged_edges = wanted is None or wanted == current
    if (
        topic.pk is not None
        and unchanged_edges
        and not catalog_record_differs(topic, changes)
    ):
        return topic
    if prerequisites is not None:
        _prerequisites_validate(topic=topic, changes=changes, requires=prerequisites)
    catalog_record_apply(topic, changes)
    topic.save()
    if wanted is not None and wanted != current:
        _prerequisites_replace(topic=topic, wanted=wanted, current=current)
    return topic


def _prerequisites_validate(
    *, topic: Topic, changes: Mapping[str, Any], requires: Sequence[tuple[Topic, str]]
) -> None:
    listed = [other for other, _kind in requires]
    duplicates = sorted({t.slug for t in listed if listed.count(t) > 1})
    if duplicates:
        raise ValidationError(
            {
                "prerequisites": "Each prerequisite may be listed once; listed "
                f"more than once: {', '.join(duplicates)}."
            }
        )
    # The slug as submitted, so the cycle reads as the client wrote it.
    submitted = copy.copy(topic)
    submitted.slug = changes.get("slug", topic.slug)
    try:
        prerequisites_check(topic=submitted, requires=listed)
    except ValidationError as error:
        raise ValidationError({"prerequisites": error.messages}) from error


def _prerequisites_replace(
    *, topic: Topic, wanted: dict[int, str], current: dict[int, str]
) -> None:
    Prerequisite.objects.filter(topic=topic).exclude(requires_id__in=wanted).delete()
    for requires_id, kind in wanted.items():
        if requires_id not in current:
            Prerequisite.objects.create(topic=topic, requires_id=requires_id, kind=kind)
        elif current[requires_id] != kind:
            Prerequisite.objects.filter(topic=topic, requires_id=requires_id).update(
                kind=kind
            )
            catalog_version_bump()  # an UPDATE sends no post_save


@transaction.atomic
def track_save(
    *, track: Track, changes: Mapping[str, Any], targets: Sequence[Topic] | None = None
) -> Track:
    """Create or change a goal track and, when given, replace its target topics.

    A track needs at least one target. Raises ``ValidationError``.
    """
    current = {topic.pk for topic in track.targets.all()} if track.pk else set()
    wanted = None if targets is None else {topic.pk for topic in targets}
    unchanged_targets = wanted is None or wanted == current
    if (
        track.pk is not None
        and unchanged_targets
        and not catalog_record_differs(track, changes)
    ):
        return track
    if (track.pk is None and targets is None) or wanted == set():
        raise ValidationError({"targets": "A track needs at least one target topic."})
    catalog_record_apply(track, changes)
    if targets is not None:
        track.targets.set(targets)  # committed by save(): a ParentalManyToManyField
    track.save()
    return track
