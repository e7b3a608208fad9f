"""Search backends: ``database`` (default) and ``meilisearch``.

``SEARCH_BACKEND`` picks the one searches go to. Whatever it is, the database
backend is always written too: it is the fallback when Meilisearch is down.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    FACETS,
    FILTERS,
    SearchBackend,
    SearchError,
    SearchHit,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
)
from .database import DatabaseBackend

__all__ = [
    "BACKENDS",
    "FACETS",
    "FILTERS",
    "DatabaseBackend",
    "SearchBackend",
    "SearchError",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "SearchUnavailable",
    "search_backend",
]

BACKENDS = ("database", "meilisearch")


def search_backend() -> SearchBackend:
    """The backend ``SEARCH_BACKEND`` names, built from the current settings.

    Raises ``ImproperlyConfigured`` for an unknown name, or for Meilisearch
    without ``MEILISEARCH_URL``.
    """
    name = settings.SEARCH_BACKEND
    if name == "database":
        return DatabaseBackend()
    if name == "meilisearch":
        from .meilisearch import MeilisearchBackend

        return MeilisearchBackend.from_settings()
    raise ImproperlyConfigured(
        f"SEARCH_BACKEND={name!r}; expected one of {', '.join(BACKENDS)}"
    )
