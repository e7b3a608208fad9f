"""Reads: the catalog's texts to embed, the fresh vectors stored for them, and
the newest model version the endpoint reported.

A stored vector is fresh while its object's text is unchanged (same hash) and
it was computed by the newest version recorded for its model: the version of
the most recently stored vector, that is of the latest answer. Vectors of an
older version are stale: matching ignores them and a refresh recomputes them.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Collection, Mapping

from django.db.models import QuerySet, Subquery

from catalog.models import Resource
from taxonomy.models import Topic, Track

from .client import embeddings_model, model_label
from .models import Embedding, EmbeddingKind
from .texts import resource_text, topic_text, track_text
from .vectors import text_hash, unpack


def catalog_texts(*, kind: str, keys: Collection[str] | None = None) -> dict[str, str]:
    """The text to embed of each catalog object of ``kind``, by slug (all of
    them, or those of ``keys``). One query for topics and resources, two for
    tracks (their targets' names)."""
    if kind == EmbeddingKind.TOPIC:
        topics = Topic.objects.all()
        if keys is not None:
            topics = topics.filter(slug__in=list(keys))
        return {
            slug: topic_text(name=name, objectives=objectives or (), tags=tags or ())
            for slug, name, objectives, tags in topics.values_list(
                "slug", "name", "objectives", "tags"
            )
        }
    if kind == EmbeddingKind.TRACK:
        return _track_texts(keys)
    if kind == EmbeddingKind.RESOURCE:
        resources = Resource.objects.all()
        if keys is not None:
            resources = resources.filter(slug__in=list(keys))
        return {
            slug: resource_text(title=title, description=description)
            for slug, title, description in resources.values_list(
                "slug", "title", "description"
            )
        }
    raise ValueError(f"unknown catalog kind {kind!r}")


def _track_texts(keys: Collection[str] | None) -> dict[str, str]:
    tracks = Track.objects.all()
    if keys is not None:
        tracks = tracks.filter(slug__in=list(keys))
    rows = list(tracks.values_list("pk", "slug", "name", "description"))
    targets: defaultdict[int, list[str]] = defaultdict(list)
    links = Track.targets.through.objects.filter(track_id__in=[r[0] for r in rows])
    for track_id, name in links.values_list("track_id", "topic__name"):
        targets[track_id].append(name)
    return {
        slug: track_text(name=name, description=description, target_names=targets[pk])
        for pk, slug, name, description in rows
    }


def model_version_newest(*, model: str) -> QuerySet[Embedding]:
    """The model version of the vector of ``model`` stored last, as a
    queryset to use as a subquery (one index probe)."""
    return (
        Embedding.objects.filter(model=model)
        .order_by("-updated_at", "-pk")
        .values("model_version")[:1]
    )


def model_version_latest(*, model: str) -> str | None:
    """The version the endpoint reported in its latest answer for ``model``
    ("" when it did not say), or None when nothing of ``model`` is stored."""
    return (
        model_version_newest(model=model)
        .values_list("model_version", flat=True)
        .first()
    )


def vectors_fresh(
    *, kind: str, texts: Mapping[str, str], model: str
) -> dict[str, array]:
    """The stored vectors of ``model`` whose text is still ``texts[key]``,
    computed by the newest version recorded for ``model``.

    Stale vectors (their object's text changed since, or an older version
    computed them) and missing ones are left out. One query.
    """
    if not texts:
        return {}
    wanted = {key: text_hash(text) for key, text in texts.items()}
    rows = Embedding.objects.filter(
        kind=kind,
        model=model,
        key__in=list(wanted),
        model_version=Subquery(model_version_newest(model=model)),
    ).values_list("key", "text_hash", "vector")
    return {
        key: unpack(vector) for key, digest, vector in rows if wanted[key] == digest
    }


def stored_versions(
    *, kind: str, model: str, keys: Collection[str]
) -> dict[str, tuple[str, str]]:
    """(text hash, model version) of each key that has a vector of ``model``."""
    rows = Embedding.objects.filter(kind=kind, model=model, key__in=list(keys))
    return {
        key: (digest, version)
        for key, digest, version in rows.values_list(
            "key", "text_hash", "model_version"
        )
    }


def embeddings_model_label() -> str:
    """What a roadmap records as its embeddings model: "none" when off, else
    the configured model and, when known and different, the version the
    endpoint reported last (:func:`~embeddings.client.model_label`)."""
    model = embeddings_model()
    if not model:
        return "none"
    return model_label(model=model, version=model_version_latest(model=model) or "")
