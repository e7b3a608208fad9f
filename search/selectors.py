"""Reads: searching the catalog, with the database backend as the fallback."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import structlog

from .backends import (
    DatabaseBackend,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
    search_backend,
)

logger = structlog.get_logger(__name__)


def catalog_search(
    *,
    query: str = "",
    kind: str = "resource",
    filters: Mapping[str, Any] | None = None,
    facets: Iterable[str] = (),
    page: int = 1,
    per_page: int = 20,
    include_broken: bool = False,
    widen_facets: bool = False,
) -> SearchResults:
    """Search the catalog with the configured backend.

    When that backend cannot answer (Meilisearch down, timing out or missing
    its index), the database backend answers instead, the switch is logged
    and the results say so in ``fallback_from``. Raises ``SearchError`` (an
    InvalidInput, 400) for an invalid request (unknown filter or facet, bad
    page), and ``SearchUnavailable`` (a ServiceUnavailable, 503) only when
    the database cannot answer either.
    ``include_broken`` is for curators: learners never see resources whose
    primary link is broken. ``widen_facets`` counts each facet in use under
    the other filters only (see ``SearchRequest``), in the same search.
    """
    request = SearchRequest.build(
        query,
        kind=kind,
        filters=filters,
        facets=facets,
        page=page,
        per_page=per_page,
        include_broken=include_broken,
        widen_facets=widen_facets,
    )
    backend = search_backend()
    try:
        return backend.run(request)
    except SearchUnavailable as exc:
        if isinstance(backend, DatabaseBackend):
            raise
        logger.warning(
            "search_fallback", backend=backend.name, fallback="database", error=str(exc)
        )
    results = DatabaseBackend().run(request)
    return dataclasses.replace(results, fallback_from=backend.name)
