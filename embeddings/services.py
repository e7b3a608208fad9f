"""Writes: computing and storing embeddings, for the catalog and for free texts.

Nothing here is needed for planning: with ``EMBEDDINGS_MODEL`` unset every
function is a no-op (or raises :class:`EmbeddingsNotConfigured` when asked
explicitly), and a failing endpoint leaves the lexical matching standing.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Subquery

import structlog

from .client import (
    EmbeddingsClient,
    EmbeddingsFailed,
    EmbeddingsReply,
    client_from_settings,
    embeddings_model,
)
from .models import CATALOG_KINDS, Embedding, EmbeddingKind
from .selectors import (
    catalog_texts,
    model_version_latest,
    model_version_newest,
    stored_versions,
)
from .vectors import pack, text_hash, unpack

logger = structlog.get_logger(__name__)


#: What the nightly refresh embeds to learn which version the endpoint
#: serves now (one short request; nothing is stored for it).
PROBE_TEXT = "Wayfinder learning roadmap"
#: What storing a vector again overwrites.
UPDATED_FIELDS = ["model_version", "text_hash", "dimensions", "vector", "updated_at"]


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh of a kind did, and the model version it ended on."""

    kind: str
    computed: int = 0
    fresh: int = 0
    removed: int = 0
    model_version: str = ""


def embeddings_refresh(
    *,
    kind: str,
    keys: Collection[str] | None = None,
    only_stale: bool = True,
    client: EmbeddingsClient | None = None,
    version: str | None = None,
) -> RefreshResult:
    """(Re)compute the vectors of the catalog objects of ``kind``.

    All objects of the kind, or those whose slugs are ``keys``. With
    ``only_stale`` the objects whose stored vector still matches their text
    and was computed by the current model version are skipped: ``version``
    (what the endpoint just reported) or else the newest version recorded.
    Texts go to the endpoint in batches of ``EMBEDDINGS_BATCH_SIZE``; each
    batch is stored as it comes, with the version its answer reported, so a
    failure keeps the batches before it. When an answer reports another
    version than the current one, the vectors kept so far are stale too: a
    second pass recomputes them, and the other kinds are scheduled. A full
    run (no ``keys``) also deletes the vectors of objects that no longer
    exist. Raises :class:`~embeddings.client.EmbeddingsNotConfigured` or
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
    if version is None:
        version = model_version_latest(model=client.model)
    todo = dict(sorted(texts.items()))
    if only_stale:
        todo = _stale(kind=kind, model=client.model, texts=todo, version=version)
    computed = 0
    for _ in range(2):  # a second pass only when the version moved under the first
        reported = _embed_batches(kind=kind, client=client, texts=todo)
        computed += len(todo)
        if reported is None or version is None or reported == version:
            version = version if reported is None else reported
            break
        # A keyed refresh recomputes only its keys: the rest of the kind too
        # must be scheduled.
        model_version_changed(
            model=client.model,
            previous=version,
            reported=reported,
            refreshing=kind if keys is None else "",
        )
        version = reported
        todo = _stale(kind=kind, model=client.model, texts=texts, version=version)
    result = RefreshResult(
        kind=kind,
        computed=computed,
        fresh=len(texts) - computed,
        removed=removed,
        model_version=version or "",
    )
    logger.info("embeddings_refreshed", **result.__dict__, model=client.model)
    return result


def embeddings_refresh_catalog(
    *, only_stale: bool = True, client: EmbeddingsClient | None = None
) -> list[RefreshResult]:
    """:func:`embeddings_refresh` for topics, tracks and resources in turn.

    With ``only_stale`` the endpoint is first asked which version it serves
    (one short text): the vectors of any other version are then recomputed
    even when no text changed, which is how a provider's silent move of the
    model behind its alias reaches the stored vectors.
    """
    client = client or client_from_settings()
    version = model_version_probe(client=client) if only_stale else None
    return [
        embeddings_refresh(
            kind=kind, only_stale=only_stale, client=client, version=version
        )
        for kind in CATALOG_KINDS
    ]


def model_version_probe(*, client: EmbeddingsClient) -> str:
    """The model version the endpoint serves now, from one short text
    (nothing stored). Raises :class:`~embeddings.client.EmbeddingsFailed`."""
    reported = client.embed_reply([PROBE_TEXT]).model_version
    previous = model_version_latest(model=client.model)
    if previous is not None and previous != reported:
        logger.warning(
            "embeddings_model_version_changed",
            model=client.model,
            previous=previous,
            reported=reported,
        )
    return reported


def model_version_changed(
    *, model: str, previous: str, reported: str, refreshing: str = ""
) -> None:
    """The endpoint answered for ``model`` with another version than the
    newest stored: every stored vector of it is stale. Schedules a refresh
    of each catalog kind (but ``refreshing``, which its caller recomputes)
    once the transaction commits."""
    logger.warning(
        "embeddings_model_version_changed",
        model=model,
        previous=previous,
        reported=reported,
    )
    from .tasks import embeddings_refresh_task

    for kind in CATALOG_KINDS:
        if kind != refreshing:
            transaction.on_commit(partial(embeddings_refresh_task, str(kind)))


def _stale(
    *, kind: str, model: str, texts: Mapping[str, str], version: str | None
) -> dict[str, str]:
    """The texts whose stored vector is missing, of another text, or of
    another version than ``version``."""
    stored = stored_versions(kind=kind, model=model, keys=list(texts))
    return {
        key: text
        for key, text in sorted(texts.items())
        if stored.get(key) != (text_hash(text), version)
    }


def _embed_batches(
    *, kind: str, client: EmbeddingsClient, texts: Mapping[str, str]
) -> str | None:
    """Embed and store ``texts`` in batches; the version the last answer
    reported, or None when nothing was sent."""
    items = list(texts.items())
    size = max(1, settings.EMBEDDINGS_BATCH_SIZE)
    reported = None
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        reply = client.embed_reply([text for _, text in batch])
        _store(kind=kind, model=client.model, texts=batch, reply=reply)
        reported = reply.model_version
    return reported


def _store(
    *,
    kind: str,
    model: str,
    texts: Sequence[tuple[str, str]],
    reply: EmbeddingsReply,
) -> None:
    keyed = [(key, text_hash(text)) for key, text in texts]
    _vectors_upsert(kind=kind, model=model, keyed=keyed, reply=reply)


def _vectors_upsert(
    *,
    kind: str,
    model: str,
    keyed: Sequence[tuple[str, str]],
    reply: EmbeddingsReply,
) -> None:
    """Store ``reply``'s vectors for ``keyed`` ((key, text hash) pairs, in
    the reply's order), replacing what the same kind, key and model held."""
    rows = [
        Embedding(
            kind=kind,
            key=key,
            model=model,
            model_version=reply.model_version,
            text_hash=hashed,
            dimensions=len(vector),
            vector=pack(vector),
        )
        for (key, hashed), vector in zip(keyed, reply.vectors, strict=True)
    ]
    Embedding.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["kind", "key", "model"],
        update_fields=UPDATED_FIELDS,
    )


def query_vectors(
    *, texts: Sequence[str], client: EmbeddingsClient | None = None
) -> list[array | None]:
    """Vectors of free texts (a goal, candidates' titles), stored by hash.

    A text embedded before by the newest model version gets its stored
    vector back (the same goal gives the same vector, so the same plan); the
    others go to the endpoint in one request with the short query budget.
    Returns one vector per text, or None for each when embeddings are off,
    the endpoint failed (logged), or it answered with another version than
    the newest stored: then nothing here can be compared with the stored
    vectors, and their refresh is scheduled (:func:`model_version_changed`).
    """
    model = client.model if client else embeddings_model()
    if not model or not texts:
        return [None] * len(texts)
    hashes = [text_hash(t) for t in texts]
    rows = Embedding.objects.filter(
        kind=EmbeddingKind.QUERY,
        model=model,
        key__in=set(hashes),
        model_version=Subquery(model_version_newest(model=model)),
    ).values_list("key", "vector")
    found = {key: unpack(vector) for key, vector in rows}
    missing = dict.fromkeys(
        t for t, h in zip(texts, hashes, strict=True) if h not in found
    )
    if missing:
        previous = model_version_latest(model=model)
        try:
            client = client or client_from_settings(query=True)
            reply = client.embed_reply(list(missing))
        except EmbeddingsFailed as failure:
            logger.warning("embeddings_query_failed", reason=str(failure))
            return [None] * len(texts)
        pairs = [(text_hash(t), t) for t in missing]
        _store_queries(model=model, pairs=pairs, reply=reply)
        if previous is not None and reply.model_version != previous:
            model_version_changed(
                model=model, previous=previous, reported=reply.model_version
            )
            return [None] * len(texts)
        found.update(zip((h for h, _ in pairs), reply.vectors, strict=True))
    return [found.get(h) for h in hashes]


def _store_queries(
    *, model: str, pairs: list[tuple[str, str]], reply: EmbeddingsReply
) -> None:
    # A text stored by an older version is replaced; a concurrent request
    # storing the same text first is fine: either vector will do. A query's
    # key is its text's hash.
    keyed = [(digest, digest) for digest, _ in pairs]
    _vectors_upsert(kind=EmbeddingKind.QUERY, model=model, keyed=keyed, reply=reply)


def embeddings_enqueue(*, kind: str, keys: Collection[str]) -> None:
    """Refresh these objects' vectors in a Huey task once the transaction
    commits; nothing when embeddings are off."""
    keys = sorted({k for k in keys if k})
    if not keys or not embeddings_model():
        return
    from .tasks import embeddings_refresh_task

    transaction.on_commit(lambda: embeddings_refresh_task(kind, keys))
