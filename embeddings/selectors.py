"""Reads: the catalog's texts to embed, and the fresh vectors stored for them."""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Collection, Mapping

from catalog.models import Resource
from taxonomy.models import Topic, Track

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


def vectors_fresh(
    *, kind: str, texts: Mapping[str, str], model: str
) -> dict[str, array]:
    """The stored vectors of ``model`` whose text is still ``texts[key]``.

    Stale vectors (their object's text changed since) and missing ones are
    left out. One query.
    """
    if not texts:
        return {}
    wanted = {key: text_hash(text) for key, text in texts.items()}
    rows = Embedding.objects.filter(
        kind=kind, model=model, key__in=list(wanted)
    ).values_list("key", "text_hash", "vector")
    return {
        key: unpack(vector) for key, digest, vector in rows if wanted[key] == digest
    }


def stored_hashes(*, kind: str, model: str, keys: Collection[str]) -> dict[str, str]:
    """The text hash stored for each key that has a vector of ``model``."""
    rows = Embedding.objects.filter(kind=kind, model=model, key__in=list(keys))
    return dict(rows.values_list("key", "text_hash"))
