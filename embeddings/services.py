"""Writes: computing and storing embeddings, for the catalog and for free texts.

Nothing here is needed for planning: with ``EMBEDDINGS_MODEL`` unset every
function is a no-op (or raises :class:`EmbeddingsNotConfigured` when asked
explicitly), and a failing endpoint leaves the lexical matching standing.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

import structlog

from .client import (
    EmbeddingsClient,
    EmbeddingsFailed,
    client_from_settings,
    embeddings_model,
)
from .models import CATALOG_KINDS, Embedding, EmbeddingKind
from .selectors import catalog_texts, stored_hashes
from .vectors import pack, text_hash, unpack

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh of a kind did."""

    kind: str
    computed: int = 0
    fresh: int = 0
    removed: int = 0


def embeddings_refresh(
    *,
    kind: str,
    keys: Collection[str] | None = None,
    only_stale: bool = True,
    client: EmbeddingsClient | None = None,
) -> RefreshResult:
    """(Re)compute the vectors of the catalog objects of ``kind``.

    All objects of the kind, or those whose slugs are ``keys``. With
    ``only_stale`` the objects whose stored vector still matches their text
    are skipped. Texts go to the endpoint in batches of
    ``EMBEDDINGS_BATCH_SIZE``; each batch is stored as it comes, so a failure
    keeps the batches before it. A full run (no ``keys``) also deletes the
    vectors of objects that no longer exist. Raises
    :class:`~embeddings.client.EmbeddingsNotConfigured` or
    :class:`~embeddings.client.EmbeddingsFailed`.
    """
    client = client or client_from_settings()
    texts = catalog_texts(kind=kind, keys=keys)
    removed = 0
    if keys is None:
        removed, _ = (
            Embedding.objects.filter(kind=kind, model=client.model)
            .exclude(key__in=list(texts))
            .delete()
        )
    todo = dict(sorted(texts.items()))
    if only_stale:
        stored = stored_hashes(kind=kind, model=client.model, keys=list(todo))
        todo = {k: t for k, t in todo.items() if stored.get(k) != text_hash(t)}
    items = list(todo.items())
    size = max(1, settings.EMBEDDINGS_BATCH_SIZE)
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        vectors = client.embed([text for _, text in batch])
        _store(kind=kind, model=client.model, texts=batch, vectors=vectors)
    result = RefreshResult(
        kind=kind,
        computed=len(items),
        fresh=len(texts) - len(items),
        removed=removed,
    )
    logger.info("embeddings_refreshed", **result.__dict__, model=client.model)
    return result


def embeddings_refresh_catalog(
    *, only_stale: bool = True, client: EmbeddingsClient | None = None
) -> list[RefreshResult]:
    """:func:`embeddings_refresh` for topics, tracks and resources in turn."""
    client = client or client_from_settings()
    return [
        embeddings_refresh(kind=kind, only_stale=only_stale, client=client)
        for kind in CATALOG_KINDS
    ]


def _store(
    *, kind: str, model: str, texts: Sequence[tuple[str, str]], vectors: list[array]
) -> None:
    rows = [
        Embedding(
            kind=kind,
            key=key,
            model=model,
            text_hash=text_hash(text),
            dimensions=len(vector),
            vector=pack(vector),
        )
        for (key, text), vector in zip(texts, vectors, strict=True)
    ]
    Embedding.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["kind", "key", "model"],
        update_fields=["text_hash", "dimensions", "vector", "updated_at"],
    )


def query_vectors(
    *, texts: Sequence[str], client: EmbeddingsClient | None = None
) -> list[array | None]:
    """Vectors of free texts (a goal, candidates' titles), stored by hash.

    A text embedded before gets its stored vector back (the same goal gives
    the same vector, so the same plan); the others go to the endpoint in one
    request with the short query budget. Returns one vector per text, or
    None for each when embeddings are off or the endpoint failed (logged).
    """
    model = client.model if client else embeddings_model()
    if not model or not texts:
        return [None] * len(texts)
    hashes = [text_hash(t) for t in texts]
    rows = Embedding.objects.filter(
        kind=EmbeddingKind.QUERY, model=model, key__in=set(hashes)
    ).values_list("key", "vector")
    found = {key: unpack(vector) for key, vector in rows}
    missing = dict.fromkeys(
        t for t, h in zip(texts, hashes, strict=True) if h not in found
    )
    if missing:
        try:
            client = client or client_from_settings(query=True)
            vectors = client.embed(list(missing))
        except EmbeddingsFailed as failure:
            logger.warning("embeddings_query_failed", reason=str(failure))
            return [None] * len(texts)
        pairs = [(text_hash(t), t) for t in missing]
        _store_queries(model=model, pairs=pairs, vectors=vectors)
        found.update(zip((h for h, _ in pairs), vectors, strict=True))
    return [found.get(h) for h in hashes]


def _store_queries(
    *, model: str, pairs: list[tuple[str, str]], vectors: list[array]
) -> None:
    rows = [
        Embedding(
            kind=EmbeddingKind.QUERY,
            key=digest,
            model=model,
            text_hash=digest,
            dimensions=len(vector),
            vector=pack(vector),
        )
        for (digest, _), vector in zip(pairs, vectors, strict=True)
    ]
    # A concurrent request may store the same text first: either vector is fine.
    Embedding.objects.bulk_create(rows, ignore_conflicts=True)


def embeddings_enqueue(*, kind: str, keys: Collection[str]) -> None:
    """Refresh these objects' vectors in a Huey task once the transaction
    commits; nothing when embeddings are off."""
    keys = sorted({k for k in keys if k})
    if not keys or not embeddings_model():
        return
    from .tasks import embeddings_refresh_task

    transaction.on_commit(lambda: embeddings_refresh_task(kind, keys))
