"""The taxonomy over the API: subjects, topics and tracks, public and read-only."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from .enums import Level
from .models import Prerequisite, Subject, Topic, Track


class SubjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subject
        fields = ["slug", "name", "description", "languages"]


class PrerequisiteSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(
        source="requires", slug_field="slug", read_only=True
    )

    class Meta:
        model = Prerequisite
        fields = ["topic", "kind"]


class TopicSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    prerequisites = PrerequisiteSerializer(many=True, read_only=True)

    class Meta:
        model = Topic
        fields = [
            "slug",
            "name",
            "subject",
            "level",
            "estimated_hours",
            "summary",
            "objectives",
            "mastery_kind",
            "mastery_description",
            "tags",
            "prerequisites",
        ]


class TrackSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    targets = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Track
        fields = ["slug", "name", "subject", "description", "goal_kind", "targets"]


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Objects by slug, the parameter repeated for alternatives; an unknown
    slug is a 400. (Described as a string: the schema cannot see slugs.)"""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("distinct", False)
        super().__init__(**kwargs)


class TopicFilter(django_filters.FilterSet):
    subject = SlugsFilter(queryset=Subject.objects.all(), field_name="subject__slug")
    level = django_filters.MultipleChoiceFilter(choices=Level.choices, distinct=False)

    class Meta:
        model = Topic
        fields: list[str] = []


class TrackFilter(django_filters.FilterSet):
    subject = SlugsFilter(queryset=Subject.objects.all(), field_name="subject__slug")

    class Meta:
        model = Track
        fields: list[str] = []


class SubjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Subjects, by name."""

    serializer_class = SubjectSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    queryset = Subject.objects.order_by("name")


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    """Topics with their prerequisites (slugs), by subject then name."""

    serializer_class = TopicSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    filterset_class = TopicFilter

    def get_queryset(self) -> QuerySet[Topic]:
        return (
            Topic.objects.select_related("subject")
            .prefetch_related(
                Prefetch(
                    "prerequisites",
                    queryset=Prerequisite.objects.select_related("requires"),
                )
            )
            .order_by("subject__name", "name", "pk")
        )


class TrackViewSet(viewsets.ReadOnlyModelViewSet):
    """Goal tracks with their target topics (slugs)."""

    serializer_class = TrackSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    filterset_class = TrackFilter

    def get_queryset(self) -> QuerySet[Track]:
        return (
            Track.objects.select_related("subject")
            .prefetch_related(Prefetch("targets", queryset=Topic.objects.only("slug")))
            .order_by("subject__name", "name", "pk")
        )
