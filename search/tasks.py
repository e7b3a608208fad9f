"""Background work of search: keeping the indexes in step with the catalog."""

from __future__ import annotations

from huey.contrib.djhuey import db_task, lock_task


@db_task(retries=3, retry_delay=30)
def reindex_changes_task(changes: dict[str, list[int]]) -> None:
    """Re-index what one committed transaction changed: ``{kind: [id, ...]}``.

    Enqueued once per transaction by ``search.services.search_index_enqueue``.
    Idempotent: it reads the catalog as it is when it runs, so a retry or a
    duplicate does no harm.
    """
    from .services import search_index_changes

    search_index_changes(changes=changes)


@db_task(retries=3, retry_delay=30)
def reindex_objects_task(kind: str, ids: list[int]) -> None:
    """Re-index the documents that the catalog objects ``kind``/``ids`` touch.

    For callers outside a transaction's bookkeeping (operators, scripts);
    idempotent like :func:`reindex_changes_task`.
    """
    from .services import search_index_objects

    search_index_objects(kind=kind, ids=ids)


@db_task(retries=1, retry_delay=300)
@lock_task("search-reindex-all")
def reindex_all_task() -> None:
    """Rebuild every search index from the catalog (one at a time)."""
    from .services import search_reindex_all

    search_reindex_all()
