"""Writes to the search indexes: keeping them in step with the catalog.

Catalog writes call :func:`search_index_enqueue` (through the receivers in
``search.signals``); the changes of one transaction are collected and handed
to Huey when it commits. The worker then runs :func:`search_index_changes`.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction

import structlog

from catalog.models import Resource, ResourceTopic
from catalog.signals import catalog_bulk_write_active
from taxonomy.models import Topic, Track

from .backends import DatabaseBackend, SearchBackend, SearchUnavailable, search_backend
from .backends.database import now_ms
from .documents import KINDS, Document, documents_for, id_batches

__all__ = [
    "SOURCE_KINDS",
    "search_backend",
    "search_documents_affected",
    "search_index_changes",
    "search_index_enqueue",
    "search_index_objects",
    "search_index_suspended",
    "search_reindex_all",
    "search_setup",
    "search_write_backends",
]

logger = structlog.get_logger(__name__)

SOURCE_KINDS = ("subject", "topic", "track", "provider", "resource")
BATCH_SIZE = 1000

_suspended: ContextVar[bool] = ContextVar("search_index_suspended", default=False)


def search_write_backends() -> list[SearchBackend]:
    """Where documents are written: the database backend always (it is the
    fallback), then the configured backend when it is another one."""
    backends: list[SearchBackend] = [DatabaseBackend()]
    if settings.SEARCH_BACKEND != "database":
        backends.append(search_backend())
    return backends


def search_setup() -> list[str]:
    """Create the engines' indexes and apply their settings (idempotent).

    Returns the names of the backends set up. Raises ``SearchUnavailable``
    when an engine cannot be reached.
    """
    backends = search_write_backends()
    for backend in backends:
        backend.setup()
    return [backend.name for backend in backends]


def search_documents_affected(*, kind: str, ids: Iterable[int]) -> dict[str, set[int]]:
    """The documents that changes to the ``kind`` objects ``ids`` touch.

    A topic's name appears in the documents of the resources covering it and
    of the tracks aiming at it; a subject's in those of its topics, tracks and
    their resources; a provider's in its resources'. One query per relation.
    """
    ids = set(ids)
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown catalog kind {kind!r}")
    if not ids or kind in {"resource", "track"}:
        return {kind: ids}
    if kind == "provider":
        resources = Resource.objects.filter(provider_id__in=ids)
        return {"resource": set(resources.values_list("pk", flat=True))}
    targets = Track.targets.through.objects
    if kind == "topic":
        return {
            "topic": ids,
            "resource": set(
                ResourceTopic.objects.filter(topic_id__in=ids).values_list(
                    "resource_id", flat=True
                )
            ),
            "track": set(
                targets.filter(topic_id__in=ids).values_list("track_id", flat=True)
            ),
        }
    return {
        "topic": set(
            Topic.objects.filter(subject_id__in=ids).values_list("pk", flat=True)
        ),
        "track": set(
            Track.objects.filter(subject_id__in=ids).values_list("pk", flat=True)
        ),
        "resource": set(
            ResourceTopic.objects.filter(topic__subject_id__in=ids).values_list(
                "resource_id", flat=True
            )
        ),
    }


class _Writer:
    """Applies batches to every write backend; one that fails is skipped for
    the rest of the run so the others still finish, and the run then raises."""

    def __init__(self, backends: list[SearchBackend]) -> None:
        self.backends = backends
        self.failures: dict[str, SearchUnavailable] = {}

    def apply(
        self, *, kind: str, documents: list[Document], gone: Iterable[int] = ()
    ) -> None:
        gone = list(gone)
        for backend in self.backends:
            if backend.name in self.failures:
                continue
            try:
                backend.index(documents)
                if gone:
                    backend.delete(kind=kind, ids=gone)
            except SearchUnavailable as exc:
                logger.warning(
                    "search_index_failed", backend=backend.name, error=str(exc)
                )
                self.failures[backend.name] = exc

    def prune(self, *, kind: str, indexed_before: int) -> None:
        for backend in self.backends:
            if backend.name not in self.failures:
                try:
                    backend.prune(kind=kind, indexed_before=indexed_before)
                except SearchUnavailable as exc:
                    self.failures[backend.name] = exc

    def raise_failures(self) -> None:
        if self.failures:
            name, exc = next(iter(self.failures.items()))
            raise SearchUnavailable(f"{name}: {exc}") from exc


def search_index_objects(
    *, kind: str, ids: Iterable[int], batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Re-index every document that the ``kind`` objects ``ids`` appear in.

    See :func:`search_index_changes`.
    """
    return search_index_changes(changes={kind: ids}, batch_size=batch_size)


def search_index_changes(
    *, changes: Mapping[str, Iterable[int]], batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Re-index every document that the changed catalog objects appear in.

    ``changes`` maps catalog kinds (``SOURCE_KINDS``) to object ids. The
    documents they touch are gathered first, so one touched through several
    changes (a new provider and its new resource) is written once.
    Idempotent: documents are rebuilt from the database as it is now, and
    those of objects that no longer exist are deleted. Returns how many
    documents of each kind were written or deleted. Raises
    ``SearchUnavailable`` if a backend failed, after the others are done.
    """
    changes = {kind: {int(pk) for pk in ids} for kind, ids in changes.items()}
    affected: defaultdict[str, set[int]] = defaultdict(set)
    for kind, ids in changes.items():
        for doc_kind, doc_ids in search_documents_affected(kind=kind, ids=ids).items():
            affected[doc_kind] |= doc_ids
    writer = _Writer(search_write_backends())
    counts: dict[str, int] = {}
    for doc_kind in KINDS:
        ordered = sorted(affected.get(doc_kind, ()))
        for start in range(0, len(ordered), batch_size):
            chunk = ordered[start : start + batch_size]
            documents = documents_for(doc_kind, chunk)
            gone = set(chunk) - {document.id for document in documents}
            writer.apply(kind=doc_kind, documents=documents, gone=gone)
        if ordered:
            counts[doc_kind] = len(ordered)
    writer.raise_failures()
    logger.info(
        "search_indexed",
        changes={kind: len(ids) for kind, ids in changes.items()},
        documents=counts,
    )
    return counts


@dataclass(frozen=True)
class ReindexSummary:
    documents: dict[str, int]
    backends: list[str]
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def search_reindex_all(
    *, kinds: Iterable[str] = KINDS, batch_size: int = BATCH_SIZE
) -> ReindexSummary:
    """Rebuild the search indexes from the whole catalog.

    Applies the engines' settings, writes every document in batches (two or
    three queries each), then prunes the documents nobody wrote this time:
    those of deleted objects. Searches keep answering throughout, but for
    the few seconds the database backend takes to put its documents back in
    subject and topic order at the end
    (:meth:`~search.backends.database.DatabaseBackend.documents_reorder`).
    An import leads here once it commits (``search.signals``).
    """
    started, clock = now_ms(), time.perf_counter()
    backends = search_write_backends()
    writer = _Writer(backends)
    for backend in backends:
        try:
            backend.setup()
        except SearchUnavailable as exc:
            writer.failures[backend.name] = exc
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = 0
        for ids in id_batches(kind, batch_size=batch_size):
            documents = documents_for(kind, ids)
            writer.apply(kind=kind, documents=documents)
            counts[kind] += len(documents)
        writer.prune(kind=kind, indexed_before=started)
    database = DatabaseBackend()
    database.terms_rebuild()
    database.documents_reorder()
    summary = ReindexSummary(
        documents=counts,
        backends=[backend.name for backend in backends],
        seconds=round(time.perf_counter() - clock, 2),
    )
    logger.info("search_reindexed", **summary.as_dict())
    writer.raise_failures()
    return summary


class _PendingChanges:
    """The catalog changes of one transaction, sent to Huey when it commits."""

    def __init__(self) -> None:
        self.changes: defaultdict[str, set[int]] = defaultdict(set)

    def __call__(self) -> None:
        from .tasks import reindex_changes_task

        reindex_changes_task(
            {kind: sorted(ids) for kind, ids in sorted(self.changes.items())}
        )


def _pending_changes() -> _PendingChanges:
    """This transaction's collector, registered with ``on_commit`` when new.

    The collector is found among the connection's on-commit callbacks, so it
    lives exactly as long as its registration: when the savepoint or the
    transaction it was registered in rolls back, Django drops it, and the
    next change starts a new one.
    """
    # run_on_commit holds (savepoint ids, callback, robust) entries.
    for entry in transaction.get_connection().run_on_commit:
        if isinstance(entry[1], _PendingChanges):
            return entry[1]
    pending = _PendingChanges()
    transaction.on_commit(pending)
    return pending


def search_index_enqueue(*, kind: str, ids: Iterable[int | None]) -> None:
    """Re-index the documents of these catalog objects once the transaction commits.

    Every change made in one transaction is collected; at commit a single
    Huey task receives them all. Outside a transaction the task is enqueued
    at once. Does nothing inside :func:`search_index_suspended` or the
    catalog's ``catalog_bulk_write`` (an import, which asks for one rebuild
    when it commits).
    """
    if _suspended.get() or catalog_bulk_write_active():
        return
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown catalog kind {kind!r}")
    ids = {int(pk) for pk in ids if pk is not None}
    if not ids:
        return
    if not transaction.get_connection().in_atomic_block:
        pending = _PendingChanges()
        pending.changes[kind] |= ids
        pending()
        return
    _pending_changes().changes[kind] |= ids


@contextlib.contextmanager
def search_index_suspended() -> Iterator[None]:
    """Skip per-object indexing inside the block (bulk writes of tests, scripts).

    The caller rebuilds afterwards with :func:`search_reindex_all`. The
    catalog's import marks its writes with ``catalog_bulk_write`` instead.
    """
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)
