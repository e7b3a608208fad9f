"""Resources over the API: public, read-only, searchable with ``q``.

Learners never see resources whose primary link is broken, and neither does
the API: both paths (queryset and search) leave them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet

from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from search.backends.base import MAX_QUERY_LENGTH
from search.selectors import catalog_search
from wayfinder.errors import InvalidInput

from .api_filters import ResourceFilter
from .models import Provider, Resource, ResourceLink, ResourceTopic


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["slug", "name", "url"]


class ResourceTopicSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(source="topic.slug", read_only=True)
    name = serializers.CharField(source="topic.name", read_only=True)
    subject = serializers.SlugField(source="topic.subject.slug", read_only=True)

    class Meta:
        model = ResourceTopic
        fields = ["slug", "name", "subject", "coverage"]


class ResourceLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResourceLink
        fields = ["url", "kind", "healthy", "last_checked_at"]


class ResourceSerializer(serializers.ModelSerializer):
    url = serializers.URLField(source="primary_url", read_only=True)
    provider = ProviderSerializer(read_only=True)
    level = serializers.CharField(source="difficulty", read_only=True)
    topics = ResourceTopicSerializer(source="topic_coverage", many=True, read_only=True)
    links = ResourceLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Resource
        fields = [
            "slug",
            "title",
            "description",
            "url",
            "provider",
            "format",
            "language",
            "level",
            "duration_minutes",
            "cost",
            "age_ranges",
            "tags",
            "topics",
            "links",
            "curator_rating",
            "freshness",
            "link_health",
        ]


def resources_for_api() -> QuerySet[Resource]:
    """Offerable resources with everything the serializer reads, in 3 queries."""
    return (
        Resource.objects.offerable()
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "topic_coverage",
                queryset=ResourceTopic.objects.select_related("topic__subject"),
            ),
            Prefetch("links", queryset=ResourceLink.objects.order_by("kind", "url")),
        )
    )


Q_PARAMETER = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    description=(
        "Full-text search over titles, topics, tags, descriptions and providers "
        "(typo tolerant, prefix matching on the last word). Results come "
        "ranked, best first; the other filters still apply."
    ),
)


class ResourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Learning resources, by title; ranked best first when searched with `q`."""

    serializer_class = ResourceSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    filterset_class = ResourceFilter

    def get_queryset(self) -> QuerySet[Resource]:
        return resources_for_api().order_by("title", "pk")

    @extend_schema(parameters=[Q_PARAMETER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = " ".join(request.query_params.get("q", "").split())
        if not query:
            return super().list(request, *args, **kwargs)
        if len(query) > MAX_QUERY_LENGTH:
            raise InvalidInput(
                fields={
                    "q": [
                        f"Ensure this field has no more than {MAX_QUERY_LENGTH} characters."
                    ]
                }
            )
        filterset = self.filterset_class(
            request.query_params, queryset=Resource.objects.none(), request=request
        )
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        filters = filterset.search_filters()

        # A SearchError (400) or SearchUnavailable (503) reaches the API's
        # exception handler as it is.
        def run(*, page: int, per_page: int) -> tuple[Sequence[Resource], int]:
            results = catalog_search(
                query=query, filters=filters, page=page, per_page=per_page
            )
            ids = [hit.id for hit in results.hits]
            found = {r.pk: r for r in self.get_queryset().filter(pk__in=ids)}
            return [found[pk] for pk in ids if pk in found], results.total

        page = self.paginator.paginate_search(request, run)
        serializer = self.get_serializer(page, many=True)
        return self.paginator.get_paginated_response(serializer.data)
