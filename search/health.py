"""Readiness of search, reported by ``/readyz``."""

from __future__ import annotations

import structlog

from .backends import DatabaseBackend, SearchUnavailable, search_backend

logger = structlog.get_logger(__name__)


def search_health() -> str:
    """``"ok"``; ``"degraded"`` when the configured engine is down but the
    database backend answers in its place; raises when no backend can answer.

    ``/readyz`` stays 200 when search is only degraded: searches still work,
    from the fallback.
    """
    backend = search_backend()
    try:
        return backend.health()
    except SearchUnavailable as exc:
        if isinstance(backend, DatabaseBackend):
            raise
        DatabaseBackend().health()
        logger.warning("search_degraded", backend=backend.name, error=str(exc))
        return "degraded"
