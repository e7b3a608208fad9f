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

from .models import (
    TRACK_TARGET_ORDER,
    CatalogVersion,
    ChoiceGroup,
    ChoiceGroupMember,
    GroupPrerequisite,
    Prerequisite,
    Subject,
    Topic,
    Track,
    TrackTarget,
)

#: A choice group offers a choice: at least this many members.
MIN_GROUP_MEMBERS = 2

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


Node = int | tuple[str, int]


def group_node(pk: int) -> tuple[str, int]:
    """A choice group's node in the prerequisite graph (topics are their ids)."""
    return ("group", pk)


def prerequisite_edges(
    *,
    exclude_topic_id: int | None = None,
    exclude_topic_groups: bool = True,
    exclude_group_id: int | None = None,
) -> dict[Node, set[Node]]:
    """The whole DAG as ``{node: {required node, ...}}`` (both kinds).

    Topics are their ids. A choice group is a node of its own
    (:func:`group_node`): a topic requiring the group points at it, and it
    points at each of its members, so a group prerequisite counts as an edge
    to every member. ``exclude_topic_id`` leaves out that topic's own edges
    (its group prerequisites too unless ``exclude_topic_groups`` is false);
    ``exclude_group_id`` leaves out that group's members.
    """
    edges: dict[Node, set[Node]] = defaultdict(set)
    rows = Prerequisite.objects.values_list("topic_id", "requires_id")
    groups = GroupPrerequisite.objects.values_list("topic_id", "group_id")
    if exclude_topic_id is not None:
        rows = rows.exclude(topic_id=exclude_topic_id)
        if exclude_topic_groups:
            groups = groups.exclude(topic_id=exclude_topic_id)
    for topic_id, requires_id in rows:
        edges[topic_id].add(requires_id)
    for topic_id, group_id in groups:
        edges[topic_id].add(group_node(group_id))
    members = ChoiceGroupMember.objects.values_list("group_id", "topic_id")
    if exclude_group_id is not None:
        members = members.exclude(group_id=exclude_group_id)
    for group_id, topic_id in members:
        edges[group_node(group_id)].add(topic_id)
    return edges


def prerequisite_node_names() -> dict[Node, str]:
    """How a cycle names its nodes: topics by slug, groups as "slug (group)"."""
    names: dict[Node, str] = dict(Topic.objects.values_list("pk", "slug"))
    for pk, slug in ChoiceGroup.objects.values_list("pk", "slug"):
        names[group_node(pk)] = f"{slug} (group)"
    return names


def prerequisites_check(
    *,
    topic: Topic,
    requires: Iterable[Topic],
    groups: Iterable[ChoiceGroup] | None = None,
) -> None:
    """Refuse a set of prerequisites for ``topic`` that would break the DAG.

    ``requires`` replaces the topic's current prerequisites and, when given,
    ``groups`` its prerequisite choice groups (each counting as an edge to
    every member of the group). Raises ``ValidationError`` naming the cycle
    by slugs, e.g. ``loops -> functions -> loops`` or
    ``flask -> frameworks (group) -> flask``.
    """
    requires = list(requires)
    groups = None if groups is None else list(groups)
    edges = prerequisite_edges(
        exclude_topic_id=topic.pk, exclude_topic_groups=groups is not None
    )
    names = prerequisite_node_names()
    names[topic.pk] = topic.slug
    wanted: list[Node] = [other.pk for other in requires]
    wanted += [group_node(group.pk) for group in groups or ()]
    for other in requires:
        if topic.pk is not None and other.pk == topic.pk:
            raise ValidationError(
                f"A topic cannot require itself: {format_cycle([topic.slug, topic.slug])}.",
                code="self_edge",
            )
    if topic.pk is None:
        return  # a new topic has no dependents yet, so it cannot close a cycle
    for node in wanted:
        cycle = cycle_if_added(edges, topic.pk, node)
        if cycle:
            raise ValidationError(
                "This prerequisite would make a cycle: "
                f"{format_cycle(names[step] for step in cycle)}.",
                code="cycle",
            )
        edges[topic.pk].add(node)


def topic_subject_check(*, topic: Topic, subject: Subject | None) -> None:
    """Refuse moving a topic out of the subject of a choice group it belongs to.

    Raises ``ValidationError`` on ``subject`` naming the groups.
    """
    if topic.pk is None or subject is None or topic.subject_id == subject.pk:
        return
    groups = sorted(
        ChoiceGroup.objects.filter(members__topic=topic)
        .exclude(subject=subject)
        .values_list("slug", flat=True)
    )
    if groups:
        raise ValidationError(
            {
                "subject": f"{topic.slug} is a member of the choice group"
                f"{'s' if len(groups) > 1 else ''} {', '.join(groups)} of its "
                "current subject: remove it from the group first."
            }
        )


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
    group_prerequisites: Sequence[tuple[ChoiceGroup, str]] | None = None,
) -> Topic:
    """Create or change a topic and, when given, replace its prerequisites
    and its prerequisite choice groups.

    ``prerequisites`` holds ``(required topic, kind)`` pairs,
    ``group_prerequisites`` ``(choice group, kind)`` pairs. Holds the
    catalog-version lock from the DAG check to the commit (as the admin
    does), so two writers cannot each add half of a cycle. Raises
    ``ValidationError``: duplicates, a self-edge or a cycle under
    ``prerequisites`` or ``group_prerequisites`` (the cycle named by slugs,
    ``a -> b -> a``, a group as ``g (group)``), a move out of the subject of
    a group the topic belongs to, and the topic's own field errors.
    """
    catalog_version_lock()
    wanted = None if prerequisites is None else {r.pk: k for r, k in prerequisites}
    wanted_groups = (
        None
        if group_prerequisites is None
        else {g.pk: k for g, k in group_prerequisites}
    )
    current, current_groups = _edges_of(topic)
    unchanged_edges = (wanted is None or wanted == current) and (
        wanted_groups is None or wanted_groups == current_groups
    )
    if (
        topic.pk is not None
        and unchanged_edges
        and not catalog_record_differs(topic, changes)
    ):
        return topic
    if "subject" in changes:
        topic_subject_check(topic=topic, subject=changes["subject"])
    if prerequisites is not None or group_prerequisites is not None:
        _prerequisites_validate(
            topic=topic,
            changes=changes,
            requires=prerequisites,
            groups=group_prerequisites,
        )
    catalog_record_apply(topic, changes)
    topic.save()
    if wanted is not None and wanted != current:
        _prerequisites_replace(topic=topic, wanted=wanted, current=current)
    if wanted_groups is not None and wanted_groups != current_groups:
        _group_prerequisites_replace(
            topic=topic, wanted=wanted_groups, current=current_groups
        )
    return topic


def _edges_of(topic: Topic) -> tuple[dict[int, str], dict[int, str]]:
    """The topic's stored prerequisites and prerequisite groups: ``{pk: kind}``."""
    if topic.pk is None:
        return {}, {}
    return (
        dict(
            Prerequisite.objects.filter(topic_id=topic.pk).values_list(
                "requires_id", "kind"
            )
        ),
        dict(
            GroupPrerequisite.objects.filter(topic_id=topic.pk).values_list(
                "group_id", "kind"
            )
        ),
    )


def _prerequisites_validate(
    *,
    topic: Topic,
    changes: Mapping[str, Any],
    requires: Sequence[tuple[Topic, str]] | None,
    groups: Sequence[tuple[ChoiceGroup, str]] | None,
) -> None:
    if requires is None:
        listed = list(Topic.objects.filter(dependents__topic_id=topic.pk))
    else:
        listed = [other for other, _kind in requires]
    duplicates = sorted({t.slug for t in listed if listed.count(t) > 1})
    if duplicates:
        raise ValidationError(
            {
                "prerequisites": "Each prerequisite may be listed once; listed "
                f"more than once: {', '.join(duplicates)}."
            }
        )
    chosen = None if groups is None else [group for group, _kind in groups]
    repeated = sorted({g.slug for g in chosen or () if chosen.count(g) > 1})
    if repeated:
        raise ValidationError(
            {
                "group_prerequisites": "Each choice group may be listed once; "
                f"listed more than once: {', '.join(repeated)}."
            }
        )
    # The slug as submitted, so the cycle reads as the client wrote it.
    submitted = copy.copy(topic)
    submitted.slug = changes.get("slug", topic.slug)
    try:
        prerequisites_check(topic=submitted, requires=listed, groups=chosen)
    except ValidationError as error:
        field = "prerequisites" if requires is not None else "group_prerequisites"
        raise ValidationError({field: error.messages}) from error


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


def _group_prerequisites_replace(
    *, topic: Topic, wanted: dict[int, str], current: dict[int, str]
) -> None:
    stale = GroupPrerequisite.objects.filter(topic=topic)
    stale.exclude(group_id__in=wanted).delete()
    for group_id, kind in wanted.items():
        if group_id not in current:
            GroupPrerequisite.objects.create(topic=topic, group_id=group_id, kind=kind)
        elif current[group_id] != kind:
            stale.filter(group_id=group_id).update(kind=kind)
            catalog_version_bump()  # an UPDATE sends no post_save


@transaction.atomic
def track_save(
    *,
    track: Track,
    changes: Mapping[str, Any],
    targets: Sequence[Topic] | None = None,
    target_groups: Sequence[ChoiceGroup] | None = None,
) -> Track:
    """Create or change a goal track and, when given, replace its target
    topics (in the order given: the curator's order) and its target choice
    groups.

    A track needs at least one target topic, each listed once. Raises
    ``ValidationError``.
    """
    current = track_target_ids(track=track) if track.pk else []
    wanted = None if targets is None else [topic.pk for topic in targets]
    current_groups = (
        {group.pk for group in track.target_groups.all()} if track.pk else set()
    )
    wanted_groups = (
        None if target_groups is None else {group.pk for group in target_groups}
    )
    unchanged_targets = (wanted is None or wanted == current) and (
        wanted_groups is None or wanted_groups == current_groups
    )
    if (
        track.pk is not None
        and unchanged_targets
        and not catalog_record_differs(track, changes)
    ):
        return track
    if (track.pk is None and targets is None) or wanted == []:
        raise ValidationError({"targets": "A track needs at least one target topic."})
    if targets is not None:
        track_targets_check(targets=targets)
    catalog_record_apply(track, changes)
    if target_groups is not None:  # committed by save(): a ParentalManyToManyField
        track.target_groups.set(target_groups)
    track.save()
    if wanted is not None and wanted != current:
        track_targets_write(track=track, topic_ids=wanted)
    return track


def track_target_ids(*, track: Track) -> list[int]:
    """The ids of ``track``'s target topics in the curator's order."""
    return [link.topic_id for link in track_target_links(track=track)]


def track_target_links(*, track: Track) -> list[TrackTarget]:
    """``track``'s target rows in the curator's order (``TRACK_TARGET_ORDER``)."""
    return list(
        TrackTarget.objects.filter(track=track)
        .select_related("topic")
        .order_by(*TRACK_TARGET_ORDER)
    )


def track_targets_check(*, targets: Sequence[Topic]) -> None:
    """Refuse a target listed more than once, naming it."""
    repeated = sorted({t.slug for t in targets if list(targets).count(t) > 1})
    if repeated:
        raise ValidationError(
            {
                "targets": "Each target may be listed once; listed more than "
                f"once: {', '.join(repeated)}."
            }
        )


def track_targets_write(*, track: Track, topic_ids: Sequence[int]) -> None:
    """Replace ``track``'s targets by ``topic_ids``, numbered in that order.

    Rows are deleted and created one by one, so every receiver of the catalog's
    models hears of them; ``track.save()`` has already moved the version.
    """
    TrackTarget.objects.filter(track=track).delete()
    for order, topic_id in enumerate(topic_ids):
        TrackTarget.objects.create(track=track, topic_id=topic_id, sort_order=order)
