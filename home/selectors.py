"""Reads for the home page."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from taxonomy.models import Subject, Track


def subject_list_for_home() -> QuerySet[Subject]:
    """Subjects with their topic counts and tracks, in two queries."""
    return (
        Subject.objects.annotate(topic_count=Count("topics", distinct=True))
        .prefetch_related(
            Prefetch(
                "tracks", queryset=Track.objects.order_by("name"), to_attr="track_list"
            )
        )
        .order_by("name")
    )
