"""Huey tasks of the embeddings: thin, they call a service."""

from __future__ import annotations

import structlog
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

logger = structlog.get_logger(__name__)


# A retry re-sends only what is still stale, so retrying does no harm.
@db_task(retries=2, retry_delay=60, retry_backoff=2)
def embeddings_refresh_task(kind: str, keys: list[str] | None = None) -> int:
    """Recompute the stale vectors of these catalog objects (all of ``kind``
    when ``keys`` is None); nothing when embeddings are off."""
    from .client import embeddings_model
    from .services import embeddings_refresh

    if not embeddings_model():
        return 0
    return embeddings_refresh(kind=kind, keys=keys).computed


# Nightly: catches writes that sent no signal (bulk updates, the shell) and a
# model version the endpoint moved to (it asks first; docs/embeddings.md).
@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("embeddings-refresh-catalog")
def embeddings_refresh_periodic() -> None:
    from .client import EmbeddingsFailed, embeddings_model
    from .services import embeddings_refresh_catalog

    if not embeddings_model():
        return
    try:
        results = embeddings_refresh_catalog(only_stale=True)
    except EmbeddingsFailed as failure:
        logger.warning("embeddings_catalog_refresh_failed", reason=str(failure))
        return
    logger.info(
        "embeddings_catalog_refreshed", computed=sum(r.computed for r in results)
    )
