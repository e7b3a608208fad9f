"""Reads of the catalog: admin listings tuned so their query count is constant,
and lookups for search results."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from taxonomy.enums import LinkKind
from taxonomy.models import Subject

from .models import Provider, Resource, ResourceLink, ResourceTopic


def _count_of(queryset: QuerySet, *, link: str) -> Coalesce:
    """A correlated ``COUNT`` of ``queryset`` rows whose ``link`` is the outer row.

    A subquery per counted relation, rather than ``Count`` over joins, so
    several counts on one listing do not multiply each other's rows.
    """
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def resource_list_for_admin() -> QuerySet[Resource]:
    """Resources with their provider and the number of topics each covers."""
    return Resource.objects.select_related("provider").annotate(
        topic_count=_count_of(ResourceTopic.objects.all(), link="resource")
    )


def provider_list_for_admin() -> QuerySet[Provider]:
    """Providers with their resource count and their broken link count."""
    return Provider.objects.annotate(
        resource_count=_count_of(Resource.objects.all(), link="provider"),
        broken_link_count=_count_of(
            ResourceLink.objects.filter(healthy=False), link="resource__provider"
        ),
    )


def resource_filter_by_subject(
    queryset: QuerySet[Resource], *, subject: Subject
) -> QuerySet[Resource]:
    """Resources covering at least one topic of ``subject`` (no duplicate rows)."""
    covers = ResourceTopic.objects.filter(
        resource=OuterRef("pk"), topic__subject=subject
    )
    return queryset.filter(Exists(covers))


def resource_links_for_admin(*, resource: Resource) -> list[ResourceLink]:
    """The links of a saved resource, primary first, as the link checker left them."""
    if resource.pk is None:
        return []
    return sorted(
        ResourceLink.objects.filter(resource=resource),
        key=lambda link: (link.kind != LinkKind.PRIMARY, link.kind, link.url),
    )


def resource_primary_urls(*, ids: Iterable[int]) -> dict[int, str]:
    """``{resource id: primary URL}`` in one query (search hits carry no URL)."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(
        ResourceLink.objects.filter(resource_id__in=ids, kind=LinkKind.PRIMARY)
        .order_by()
        .values_list("resource_id", "url")
    )
