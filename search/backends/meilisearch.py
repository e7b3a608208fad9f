"""The Meilisearch backend: a thin adapter over the official ``meilisearch`` client.

One index per document kind (``<prefix>-resource``, ``-topic``, ``-track``),
primary key ``id``. Writes are asynchronous in Meilisearch: every write
returns a task, which is awaited with a timeout and checked for failure.

The adapter uses only these endpoints, which the contract test
(``tests/search/test_meilisearch_contract.py``) serves on loopback:
``POST /indexes``, ``PATCH /indexes/{uid}/settings``,
``POST /indexes/{uid}/documents``, ``POST /indexes/{uid}/documents/delete``,
``POST /indexes/{uid}/search``, ``GET /tasks/{uid}`` and ``GET /health``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

import meilisearch
import structlog
from meilisearch.errors import MeilisearchApiError, MeilisearchError

from ..documents import KINDS, Document
from ..query import ONE_TYPO_MIN, TWO_TYPOS_MIN, synonyms_for_meilisearch
from .base import (
    BROKEN,
    FACETS,
    FILTER_FIELDS,
    FILTERS,
    SearchBackend,
    SearchHit,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
)
from .database import now_ms

logger = structlog.get_logger(__name__)

SEARCHABLE = ["title", "topics", "tags", "description", "provider", "subject_names"]
SORTABLE = ["curator_rating", "duration_minutes", "title"]
RANKING_RULES = ["words", "typo", "proximity", "attribute", "sort", "exactness"]
HIDDEN_FIELDS = {"id", "kind", "indexed_at"}


def index_settings(kind: str) -> dict[str, Any]:
    """The settings of ``kind``'s index, applied by ``manage.py search_setup``."""
    filterable = sorted(
        {"id", "indexed_at", *(FILTER_FIELDS[name] for name in FILTERS[kind])}
    )
    if kind == "resource":
        filterable = sorted({*filterable, "link_health"})
    ranking = [*RANKING_RULES]
    if kind == "resource":
        ranking.append("curator_rating:desc")
    return {
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": filterable,
        "sortableAttributes": SORTABLE,
        "rankingRules": ranking,
        "synonyms": synonyms_for_meilisearch(),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": ONE_TYPO_MIN, "twoTypos": TWO_TYPOS_MIN},
        },
        "faceting": {"maxValuesPerFacet": 200},
        "pagination": {"maxTotalHits": 10000},
    }


def _quote(value: str) -> str:
    return json.dumps(value)  # a double-quoted string with \" and \\ escaped


def filter_expression(request: SearchRequest) -> str:
    """The request's filters in Meilisearch's filter syntax, joined with AND."""
    parts = []
    for name, values in request.filters.items():
        field = FILTER_FIELDS[name]
        if name == "duration_min":
            parts.append(f"{field} >= {int(values[0])}")
        elif name == "duration_max":
            parts.append(f"{field} <= {int(values[0])}")
        elif len(values) == 1:
            parts.append(f"{field} = {_quote(values[0])}")
        else:
            parts.append(f"{field} IN [{', '.join(_quote(v) for v in values)}]")
    if request.hides_broken:
        parts.append(f"link_health != {_quote(BROKEN)}")
    return " AND ".join(parts)


def _is_outage(exc: MeilisearchError) -> bool:
    """Unreachable, timed out or a server error, as opposed to a refused request."""
    return not isinstance(exc, MeilisearchApiError) or exc.status_code >= 500


class MeilisearchBackend(SearchBackend):
    name = "meilisearch"
    # URL -> monotonic time until which searches skip the server and fail
    # fast, after it failed to answer (a per-process circuit breaker).
    _outages: ClassVar[dict[str, float]] = {}

    def __init__(
        self,
        *,
        url: str,
        api_key: str = "",
        index_prefix: str = "wayfinder",
        timeout: float = 2.0,
        write_timeout: float = 30.0,
        task_timeout_ms: int = 60_000,
        batch_size: int = 1000,
        retry_after: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.index_prefix = index_prefix
        self.timeout = timeout
        self.write_timeout = write_timeout
        self.task_timeout_ms = task_timeout_ms
        self.batch_size = batch_size
        self.retry_after = retry_after

    @classmethod
    def from_settings(cls) -> MeilisearchBackend:
        if not settings.MEILISEARCH_URL:
            raise ImproperlyConfigured(
                "SEARCH_BACKEND=meilisearch needs MEILISEARCH_URL"
            )
        return cls(
            url=settings.MEILISEARCH_URL,
            api_key=settings.MEILISEARCH_API_KEY,
            index_prefix=settings.MEILISEARCH_INDEX_PREFIX,
            timeout=settings.MEILISEARCH_TIMEOUT,
            task_timeout_ms=settings.MEILISEARCH_TASK_TIMEOUT_MS,
            batch_size=settings.MEILISEARCH_BATCH_SIZE,
        )

    def uid(self, kind: str) -> str:
        return f"{self.index_prefix}-{kind}"

    def _client(self, *, write: bool = False) -> meilisearch.Client:
        return meilisearch.Client(
            self.url,
            self.api_key or None,
            timeout=self.write_timeout if write else self.timeout,
        )

    def _wait(
        self, client: meilisearch.Client, task_uid: int, *, tolerate: str = ""
    ) -> None:
        """Wait for a task; raise if it failed (unless with the ``tolerate`` code)."""
        task = client.wait_for_task(task_uid, timeout_in_ms=self.task_timeout_ms)
        if task.status == "succeeded":
            return
        error = task.error or {}
        if tolerate and error.get("code") == tolerate:
            return
        raise SearchUnavailable(
            f"Meilisearch task {task_uid} ({task.type}) {task.status}: "
            f"{error.get('code', '')} {error.get('message', '')}".strip()
        )

    def _write(self, action: str, work: Any) -> None:
        try:
            work(self._client(write=True))
        except MeilisearchError as exc:
            raise SearchUnavailable(f"Meilisearch {action} failed: {exc}") from exc

    # Writing

    def setup(self) -> None:
        def work(client: meilisearch.Client) -> None:
            for kind in KINDS:
                task = client.create_index(self.uid(kind), {"primaryKey": "id"})
                self._wait(client, task.task_uid, tolerate="index_already_exists")
                task = client.index(self.uid(kind)).update_settings(
                    index_settings(kind)
                )
                self._wait(client, task.task_uid)

        self._write("setup", work)

    def index(self, documents: Sequence[Document]) -> None:
        stamp = now_ms()
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for document in documents:
            by_kind.setdefault(document.kind, []).append(
                {**document.as_dict(), "indexed_at": stamp}
            )

        def work(client: meilisearch.Client) -> None:
            # Send every batch first, then wait: the engine works while we send.
            tasks = []
            for kind, payload in by_kind.items():
                index = client.index(self.uid(kind))
                for start in range(0, len(payload), self.batch_size):
                    batch = payload[start : start + self.batch_size]
                    tasks.append(index.add_documents(batch, primary_key="id"))
            for task in tasks:
                self._wait(client, task.task_uid)

        self._write("indexing", work)

    def delete(self, *, kind: str, ids: Iterable[int]) -> None:
        ids = sorted({int(pk) for pk in ids})
        if ids:
            self._delete_where(
                kind,
                [
                    f"id IN [{', '.join(map(str, ids[start : start + self.batch_size]))}]"
                    for start in range(0, len(ids), self.batch_size)
                ],
            )

    def prune(self, *, kind: str, indexed_before: int) -> None:
        self._delete_where(kind, [f"indexed_at < {int(indexed_before)}"])

    def _delete_where(self, kind: str, filters: list[str]) -> None:
        def work(client: meilisearch.Client) -> None:
            index = client.index(self.uid(kind))
            tasks = [
                index.delete_documents(filter=expression) for expression in filters
            ]
            for task in tasks:
                self._wait(client, task.task_uid)

        self._write("deletion", work)

    # Reading

    def run(self, request: SearchRequest) -> SearchResults:
        if self._outages.get(self.url, 0.0) > time.monotonic():
            raise SearchUnavailable("Meilisearch failed recently; not retried yet")
        params: dict[str, Any] = {
            "page": request.page,
            "hitsPerPage": request.per_page,
            "showRankingScore": True,
            "matchingStrategy": "all",
        }
        expression = filter_expression(request)
        if expression:
            params["filter"] = expression
        if request.facets:
            params["facets"] = [FILTER_FIELDS[name] for name in request.facets]
        try:
            response = (
                self._client()
                .index(self.uid(request.kind))
                .search(request.query, params)
            )
        except MeilisearchError as exc:
            if _is_outage(exc):
                self._outages[self.url] = time.monotonic() + self.retry_after
            raise SearchUnavailable(f"Meilisearch search failed: {exc}") from exc
        self._outages.pop(self.url, None)
        results = self._results(request, response)
        # Meilisearch counts facets under every filter: one more search per
        # facet whose filter is in use.
        for name in request.widened:
            widened = self.run(request.widened_request(name))
            results.facets[name] = widened.facets[name]
        return results

    def _results(
        self, request: SearchRequest, response: dict[str, Any]
    ) -> SearchResults:
        hits = [
            SearchHit(
                id=int(hit["id"]),
                kind=request.kind,
                score=round(float(hit.get("_rankingScore", 0.0)), 4),
                fields={
                    key: value
                    for key, value in hit.items()
                    if not key.startswith("_") and key not in HIDDEN_FIELDS
                },
            )
            for hit in response.get("hits", [])
        ]
        distribution = response.get("facetDistribution") or {}
        facets = {
            name: dict(
                sorted(
                    distribution.get(FILTER_FIELDS[name], {}).items(),
                    key=lambda item: (-item[1], item[0]),
                )
            )
            for name in request.facets
            if name in FACETS[request.kind]
        }
        total = response.get("totalHits", response.get("estimatedTotalHits", len(hits)))
        return SearchResults(
            hits=hits,
            total=int(total),
            facets=facets,
            backend=self.name,
            query=request.query,
            page=request.page,
            per_page=request.per_page,
        )

    def health(self) -> str:
        try:
            status = self._client().health().get("status")
        except MeilisearchError as exc:
            self._outages[self.url] = time.monotonic() + self.retry_after
            raise SearchUnavailable(f"Meilisearch is unreachable: {exc}") from exc
        if status != "available":
            raise SearchUnavailable(f"Meilisearch reports {status!r}")
        self._outages.pop(self.url, None)
        return "ok"
