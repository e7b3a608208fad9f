"""Search documents built from the catalog, with a bounded number of queries.

A :class:`Document` is what every backend indexes: the database backend
writes it into ``SearchDocument``, the Meilisearch backend sends
:meth:`Document.as_dict`. Builders take a batch of primary keys and make at
most two queries per batch, whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Model

from catalog.models import Resource, ResourceTopic
from taxonomy.models import Topic, Track

from .models import DocumentKind

KINDS: tuple[str, ...] = tuple(DocumentKind.values)


@dataclass(frozen=True)
class Document:
    kind: str
    id: int
    slug: str
    title: str
    description: str = ""
    language: str = ""
    provider: str = ""
    provider_slug: str = ""
    topics: tuple[str, ...] = ()
    topic_slugs: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    subject_names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    format: str = ""
    level: str = ""
    cost: str = ""
    duration_minutes: int | None = None
    link_health: str = ""
    curator_rating: int | None = None
    extra_fields: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, lists instead of tuples; ``extra_fields`` merged in."""
        data = asdict(self)
        extra = data.pop("extra_fields")
        data = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in data.items()
        }
        return {**data, **extra}


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def resource_documents(ids: Iterable[int]) -> list[Document]:
    """Documents for the resources among ``ids`` that exist (two queries)."""
    resources = list(
        Resource.objects.filter(pk__in=list(ids))
        .select_related("provider")
        .order_by("pk")
    )
    coverage: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    rows = (
        ResourceTopic.objects.filter(resource_id__in=[r.pk for r in resources])
        .order_by("resource_id", "-coverage", "topic__slug")
        .values_list(
            "resource_id",
            "topic__name",
            "topic__slug",
            "topic__subject__slug",
            "topic__subject__name",
        )
    )
    for resource_id, *topic in rows:
        coverage[resource_id].append(tuple(topic))
    return [_resource_document(r, coverage[r.pk]) for r in resources]


def _resource_document(
    resource: Resource, topics: list[tuple[str, str, str, str]]
) -> Document:
    return Document(
        kind=DocumentKind.RESOURCE,
        id=resource.pk,
        slug=resource.slug,
        title=resource.title,
        description=resource.description,
        language=resource.language,
        provider=resource.provider.name,
        provider_slug=resource.provider.slug,
        topics=_unique(t[0] for t in topics),
        topic_slugs=_unique(t[1] for t in topics),
        subjects=_unique(t[2] for t in topics),
        subject_names=_unique(t[3] for t in topics),
        tags=_unique(resource.tags or []),
        format=resource.format,
        level=resource.difficulty,
        cost=resource.cost,
        duration_minutes=resource.duration_minutes,
        link_health=resource.link_health,
        curator_rating=resource.curator_rating,
    )


def topic_documents(ids: Iterable[int]) -> list[Document]:
    """Documents for the topics among ``ids`` that exist (one query)."""
    topics = Topic.objects.filter(pk__in=list(ids)).select_related("subject")
    return [
        Document(
            kind=DocumentKind.TOPIC,
            id=topic.pk,
            slug=topic.slug,
            title=topic.name,
            description="\n".join([topic.summary, *(topic.objectives or [])]).strip(),
            topics=(topic.name,),
            topic_slugs=(topic.slug,),
            subjects=(topic.subject.slug,),
            subject_names=(topic.subject.name,),
            tags=_unique(topic.tags or []),
            level=topic.level,
            extra_fields={"estimated_hours": float(topic.estimated_hours)},
        )
        for topic in topics.order_by("pk")
    ]


def track_documents(ids: Iterable[int]) -> list[Document]:
    """Documents for the tracks among ``ids`` that exist (two queries)."""
    tracks = list(
        Track.objects.filter(pk__in=list(ids)).select_related("subject").order_by("pk")
    )
    targets: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        Track.targets.through.objects.filter(track_id__in=[t.pk for t in tracks])
        .order_by("track_id", "topic__name")
        .values_list("track_id", "topic__name", "topic__slug")
    )
    for track_id, name, slug in rows:
        targets[track_id].append((name, slug))
    return [
        Document(
            kind=DocumentKind.TRACK,
            id=track.pk,
            slug=track.slug,
            title=track.name,
            description=track.description,
            topics=_unique(name for name, _ in targets[track.pk]),
            topic_slugs=_unique(slug for _, slug in targets[track.pk]),
            subjects=(track.subject.slug,),
            subject_names=(track.subject.name,),
            extra_fields={"goal_kind": track.goal_kind},
        )
        for track in tracks
    ]


BUILDERS = {
    DocumentKind.RESOURCE: resource_documents,
    DocumentKind.TOPIC: topic_documents,
    DocumentKind.TRACK: track_documents,
}
SOURCE_MODELS: dict[str, type[Model]] = {
    DocumentKind.RESOURCE: Resource,
    DocumentKind.TOPIC: Topic,
    DocumentKind.TRACK: Track,
}


def documents_for(kind: str, ids: Iterable[int]) -> list[Document]:
    """Documents of ``kind`` for the ``ids`` that still exist."""
    return BUILDERS[kind](ids)


def id_batches(kind: str, *, batch_size: int) -> Iterator[list[int]]:
    """Every primary key of ``kind``'s model, in ascending batches (keyset paging)."""
    model = SOURCE_MODELS[kind]
    last = 0
    while True:
        batch = list(
            model.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]
