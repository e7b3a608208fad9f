"""The curated teaching order of topics within a subject: reads and the one write.

``Topic.position`` numbers a subject's topics 1, 2, ...; ties (possible after
an import or a hand edit) are broken by slug everywhere, so the order is
always total. The planner keeps this order wherever prerequisites allow
(``planner.domain.planning.teaching_order``). A track's targets have their own
order (``TrackTarget.sort_order``), read with :func:`track_target_key`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet

from .models import Subject, Topic
from .services import catalog_version_bump, catalog_version_lock

#: How listings show topics in teaching order (subject, then position, then slug).
TEACHING_ORDER = ("subject__name", "subject_id", "position", "slug")


def topics_in_teaching_order() -> QuerySet[Topic]:
    return Topic.objects.order_by(*TEACHING_ORDER)


def topic_position_last(*, subject: Subject, exclude_pk: int | None = None) -> int:
    """The position that puts a topic after every other topic of ``subject``."""
    others = Topic.objects.filter(subject=subject).exclude(pk=exclude_pk)
    return (others.aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def subject_topics_reorder(*, subject: Subject, topic_ids: Sequence[int]) -> int:
    """Number the subject's topics 1, 2, ... in the order of ``topic_ids``.

    ``topic_ids`` must name every topic of the subject once. Writes only the
    rows whose position changes and moves the catalog version (so planner
    snapshots rebuild) when any does. Returns how many rows changed. Raises
    ``ValidationError`` when the ids are not exactly the subject's topics.
    """
    catalog_version_lock()
    current = dict(Topic.objects.filter(subject=subject).values_list("pk", "position"))
    if len(topic_ids) != len(current) or set(topic_ids) != set(current):
        raise ValidationError(
            "The new order must list every topic of the subject exactly once.",
            code="incomplete_order",
        )
    moved = [
        Topic(pk=pk, position=position)
        for position, pk in enumerate(topic_ids, start=1)
        if current[pk] != position
    ]
    if moved:
        # bulk_update sends no post_save: the version is moved here.
        Topic.objects.bulk_update(moved, ["position"], batch_size=500)
        catalog_version_bump()
    return len(moved)


def topic_move(*, topic: Topic, index: int) -> int:
    """Move ``topic`` to ``index`` (0-based) of the listing in teaching order.

    The listing shows every subject's topics one subject after another
    (``TEACHING_ORDER``); the topic stays in its subject, so an index past
    either end of the subject's run puts it first or last there. An index
    out of range puts it at the end. Returns the rows changed.
    """
    rows = list(topics_in_teaching_order().values_list("pk", "subject_id"))
    listing = [pk for pk, _ in rows if pk != topic.pk]
    if not 0 <= index <= len(listing):
        index = len(listing)
    listing.insert(index, topic.pk)
    same_subject = {pk for pk, subject_id in rows if subject_id == topic.subject_id}
    return subject_topics_reorder(
        subject=topic.subject, topic_ids=[pk for pk in listing if pk in same_subject]
    )


def track_target_key(
    sort_order: int | None, position: int, slug: str
) -> tuple[bool, int, int, str]:
    """Where a track's target row comes in the curator's order, for sorting
    rows read without a join order (``TRACK_TARGET_ORDER`` in Python): numbered
    rows first, then rows without a number by teaching position and slug."""
    return (sort_order is None, sort_order or 0, position, slug)
