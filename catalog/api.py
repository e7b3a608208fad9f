"""Providers and resources over the API: public reads, curators' writes;
resources searchable with ``q``.

Learners never see resources whose primary link is broken, and neither do
the API's reads: both paths (queryset and search) leave them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model, Prefetch, QuerySet

from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from search.backends.base import MAX_QUERY_LENGTH
from search.selectors import catalog_search
from taxonomy.api import CatalogViewSet, catalog_schema, string_list
from taxonomy.enums import AgeRange, Level
from taxonomy.models import Topic
from taxonomy.services import catalog_record_save
from taxonomy.validators import TAG_MAX, TAGS_MAX_ITEMS
from wayfinder.errors import InvalidInput

from .api_filters import ResourceFilter
from .models import Provider, Resource, ResourceLink, ResourceTopic
from .services import resource_save


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["slug", "name", "url", "trust_score"]


class ResourceProviderSerializer(serializers.ModelSerializer):
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
        # The link checker's verdict, never a client's.
        read_only_fields = ["healthy", "last_checked_at"]


class ResourceSerializer(serializers.ModelSerializer):
    url = serializers.URLField(source="primary_url", read_only=True)
    provider = ResourceProviderSerializer(read_only=True)
    level = serializers.CharField(source="difficulty", read_only=True)
    topics = ResourceTopicSerializer(source="topic_coverage", many=True, read_only=True)
    links = ResourceLinkSerializer(many=True, read_only=True)
    age_ranges = serializers.ListField(
        child=serializers.ChoiceField(choices=AgeRange.choices), read_only=True
    )
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

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
        read_only_fields = ["link_health"]


class ResourceTopicInputSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(
        slug_field="slug", queryset=Topic.objects.all()
    )

    class Meta:
        model = ResourceTopic
        fields = ["topic", "coverage"]


class ResourceLinkInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResourceLink
        fields = ["url", "kind"]


class ResourceInputSerializer(serializers.ModelSerializer):
    """A resource as a curator writes it: the provider and topics by slug,
    the links by URL. Feedback counters and link health stay the server's."""

    provider = serializers.SlugRelatedField(
        slug_field="slug", queryset=Provider.objects.all()
    )
    level = serializers.ChoiceField(
        source="difficulty", choices=Level.choices, required=False
    )
    age_ranges = serializers.ListField(
        child=serializers.ChoiceField(choices=AgeRange.choices), required=False
    )
    tags = string_list(max_items=TAGS_MAX_ITEMS, max_length=TAG_MAX, required=False)
    topics = ResourceTopicInputSerializer(many=True, allow_empty=False)
    links = ResourceLinkInputSerializer(many=True, allow_empty=False)

    class Meta:
        model = Resource
        fields = [
            "slug",
            "title",
            "description",
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
        ]


def resources_for_api(*, offerable: bool = True) -> QuerySet[Resource]:
    """Resources with everything the serializer reads, in 3 queries: the
    offerable ones, or every one (a curator's writes reach broken ones too)."""
    resources = Resource.objects.offerable() if offerable else Resource.objects.all()
    return resources.select_related("provider").prefetch_related(
        Prefetch(
            "topic_coverage",
            queryset=ResourceTopic.objects.select_related("topic__subject"),
        ),
        Prefetch("links", queryset=ResourceLink.objects.order_by("kind", "url")),
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


@catalog_schema(ProviderSerializer, noun="provider")
class ProviderViewSet(CatalogViewSet):
    """Providers of learning resources, by name."""

    serializer_class = ProviderSerializer
    queryset = Provider.objects.order_by("name", "pk")

    def record_save(self, *, record: Model | None, data: dict[str, Any]) -> Model:
        return catalog_record_save(record=record or Provider(), changes=data)


@catalog_schema(
    ResourceSerializer,
    noun="resource",
    request=ResourceInputSerializer,
    list_parameters=[Q_PARAMETER],
)
class ResourceViewSet(CatalogViewSet):
    """Learning resources, by title; ranked best first when searched with `q`.

    Reads leave out resources whose primary link is broken; a curator's
    writes reach them (to fix the link).
    """

    serializer_class = ResourceSerializer
    input_serializer_class = ResourceInputSerializer
    api_field_names = {"difficulty": "level"}
    filterset_class = ResourceFilter

    def get_queryset(self) -> QuerySet[Resource]:
        return resources_for_api(offerable=not self.is_write()).order_by("title", "pk")

    def record_save(self, *, record: Model | None, data: dict[str, Any]) -> Model:
        topics = data.pop("topics", None)
        links = data.pop("links", None)
        return resource_save(
            resource=record or Resource(),
            changes=data,
            topics=None
            if topics is None
            else [(row["topic"], row["coverage"]) for row in topics],
            links=None
            if links is None
            else [(row["url"], row["kind"]) for row in links],
        )

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
