"""Catalog writes schedule the recomputation of the vectors they make stale.

Receivers, for the reason ``catalog/signals.py`` gives: every write path
(services, the import, Wagtail's snippet views) must reach them. They do
nothing while embeddings are off. A missed write costs nothing but recall:
a vector whose text changed is stale, ignored by matching, and recomputed by
the nightly task or ``manage.py embed_catalog --only-stale``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save

from catalog.models import Resource
from catalog.signals import catalog_bulk_write_active, catalog_imported
from taxonomy.models import Topic, Track

from .client import embeddings_model
from .models import EmbeddingKind

KINDS = {
    Topic: EmbeddingKind.TOPIC,
    Track: EmbeddingKind.TRACK,
    Resource: EmbeddingKind.RESOURCE,
}


def _saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or catalog_bulk_write_active() or not embeddings_model():
        return
    from .services import embeddings_enqueue

    embeddings_enqueue(kind=KINDS[sender], keys=[instance.slug])
    if sender is Topic and instance.pk:
        # A track's text names its targets.
        slugs = Track.objects.filter(targets=instance).values_list("slug", flat=True)
        embeddings_enqueue(kind=EmbeddingKind.TRACK, keys=list(slugs))


def _targets_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if catalog_bulk_write_active() or not embeddings_model():
        return
    from .services import embeddings_enqueue

    if reverse:
        slugs = Track.objects.filter(pk__in=pk_set or ()).values_list("slug", flat=True)
        embeddings_enqueue(kind=EmbeddingKind.TRACK, keys=list(slugs))
    else:
        embeddings_enqueue(kind=EmbeddingKind.TRACK, keys=[instance.slug])


def _imported(sender: Any, rebuild: str, **kwargs: Any) -> None:
    if rebuild == "none" or not embeddings_model():
        return
    from .tasks import embeddings_refresh_task

    for kind in KINDS.values():
        embeddings_refresh_task(kind)


def connect() -> None:
    """Connect the receivers (called from ``EmbeddingsConfig.ready``)."""
    for model in KINDS:
        post_save.connect(
            _saved, sender=model, dispatch_uid=f"embeddings-{model.__name__}"
        )
    m2m_changed.connect(
        _targets_changed,
        sender=Track.targets.through,
        dispatch_uid="embeddings-targets",
    )
    catalog_imported.connect(_imported, dispatch_uid="embeddings-import")
