"""The database backend: the ``SearchDocument`` table, searched in SQL.

PostgreSQL full-text search in production and CI, SQLite FTS5 in the
embedded mode. A search makes at most two statements, whatever the catalog
size or the page: one asking about the query's words (the vocabulary, for
corrections, and on PostgreSQL their normalized forms; on SQLite only when a
word may hold a typo), and one returning the page, the total and the facet
counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connections, transaction

import structlog

from .. import query
from ..documents import KINDS, Document
from ..models import SearchDocument, SearchTerm
from .base import (
    SearchBackend,
    SearchError,
    SearchHit,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
)
from .dialects import (
    ALL_CONFIGS,
    DIALECTS,
    Analysis,
    Dialect,
    Match,
    ts_config,
)
from .statements import HIT_COLUMNS, search_statement

UPDATE_FIELDS = [
    f.name
    for f in SearchDocument._meta.concrete_fields
    if f.name not in {"id", "kind", "object_id"}
]
WRITE_BATCH = 500
# How long reordering the documents waits for their table: searches queue
# behind a waiting CLUSTER, so it gives up soon and leaves the order for the
# next full re-index.
REORDER_LOCK_TIMEOUT = "2s"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires

logger = structlog.get_logger(__name__)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self, using: str = "default") -> None:
        self.using = using

    @property
    def connection(self) -> Any:
        return connections[self.using]

    @property
    def dialect(self) -> Dialect:
        try:
            return DIALECTS[self.connection.vendor]()
        except KeyError:
            raise SearchUnavailable(
                f"the database backend supports {', '.join(DIALECTS)}, "
                f"not {self.connection.vendor}"
            ) from None

    # Writing

    def index(self, documents: Sequence[Document]) -> None:
        if not documents:
            return
        stamp = now_ms()
        rows = [_row(document, stamp) for document in documents]
        terms = query.vocabulary(
            value
            for document in documents
            for value in (
                document.title,
                *document.topics,
                *document.tags,
                document.provider,
                *document.subject_names,
            )
        )
        with transaction.atomic(using=self.using):
            SearchDocument.objects.using(self.using).bulk_create(
                rows,
                batch_size=WRITE_BATCH,
                update_conflicts=True,
                unique_fields=["kind", "object_id"],
                update_fields=UPDATE_FIELDS,
            )
            SearchTerm.objects.using(self.using).bulk_create(
                [SearchTerm(term=term) for term in sorted(terms)],
                batch_size=WRITE_BATCH * 2,
                ignore_conflicts=True,
            )

    def delete(self, *, kind: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            SearchDocument.objects.using(self.using).filter(
                kind=kind, object_id__in=ids
            ).delete()

    def prune(self, *, kind: str, indexed_before: int) -> None:
        SearchDocument.objects.using(self.using).filter(
            kind=kind, indexed_at__lt=indexed_before
        ).delete()

    def terms_rebuild(self) -> None:
        """Rebuild the vocabulary from the documents, dropping unused words."""
        manager = SearchTerm.objects.using(self.using)
        with transaction.atomic(using=self.using):
            manager.all().delete()
            rows = SearchDocument.objects.using(self.using).values_list(
                "title", "keywords", "extra"
            )
            words: set[str] = set()
            for row in rows.iterator(chunk_size=2000):
                words |= query.vocabulary(row)
            manager.bulk_create(
                [SearchTerm(term=term) for term in sorted(words)],
                batch_size=WRITE_BATCH * 2,
            )

    def documents_reorder(self) -> bool:
        """Rewrite the documents grouped by kind, first subject and first
        topic, where the engine keeps that order (PostgreSQL: ``CLUSTER``).

        A broad word search's matches then share heap pages (see migration
        search.0005). ``CLUSTER`` holds the table against searches while it
        runs (a few seconds at 100k documents), so it waits at most
        ``REORDER_LOCK_TIMEOUT`` for it, and does not run inside a caller's
        transaction, which would hold the lock until it commits. Returns
        whether the documents were reordered.
        """
        statement = self.dialect.reorder
        if not statement or self.connection.in_atomic_block:
            return False
        try:
            with (
                transaction.atomic(using=self.using),
                self.connection.cursor() as cursor,
            ):
                cursor.execute(f"SET LOCAL lock_timeout = '{REORDER_LOCK_TIMEOUT}'")
                cursor.execute(statement)
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            logger.warning("search_reorder_skipped", error=str(exc))
            return False
        return True

    # Reading

    def run(self, request: SearchRequest) -> SearchResults:
        dialect = self.dialect
        configs = _configs(request)
        analysis = Analysis()

        def known(lookup: query.Lookup) -> set[str]:
            nonlocal analysis
            analysis = dialect.analyse(self.connection, lookup, configs=configs)
            return analysis.known

        try:
            plan = query.query_plan(request.query, known=known)
            match = dialect.match(plan, analysis) if plan.terms else dialect.browse()
            hits, total, facets = self._search(
                request,
                match,
                dialect,
                browse=not plan.terms,
                ranking_text=plan.ranking_text,
            )
        except DatabaseError as exc:
            raise SearchUnavailable(f"database search failed: {exc}") from exc
        return SearchResults(
            hits=hits,
            total=total,
            facets=facets,
            backend=self.name,
            query=request.query,
            page=request.page,
            per_page=request.per_page,
            corrected_query=plan.corrected_text,
        )

    def _search(
        self,
        request: SearchRequest,
        match: Match,
        dialect: Dialect,
        *,
        browse: bool,
        ranking_text: str,
    ) -> tuple[list[SearchHit], int, dict[str, dict[str, int]]]:
        """The page, the total and the facet counts, in one statement.

        See :func:`~search.backends.statements.search_statement`.
        """
        sql, params = search_statement(
            request, match, dialect, browse=browse, ranking_text=ranking_text
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        total, facets = rows[0][0], _facet_counts(request, _json(rows[0][1]) or [])
        hits = [
            _hit(request.kind, row[2], row[3:]) for row in rows if row[2] is not None
        ]
        return hits, total, facets

    def health(self) -> str:
        try:
            SearchDocument.objects.using(self.using).only("pk").first()
        except DatabaseError as exc:
            raise SearchUnavailable(f"database search failed: {exc}") from exc
        return "ok"


def _configs(request: SearchRequest) -> tuple[str, ...]:
    """The text search configurations the query is parsed with.

    Each document was indexed with its own language's configuration, so the
    query is parsed with each configuration the matching documents may use.
    A widened language facet counts documents of every language, so then
    every configuration is in play.
    """
    if request.kind != "resource":
        return (ts_config(settings.LANGUAGE_CODE),)
    languages = request.filters.get("language")
    if languages and "language" not in request.widened:
        return tuple(dict.fromkeys(ts_config(language) for language in languages))
    return ALL_CONFIGS


def _facet_counts(
    request: SearchRequest, rows: list[list[Any]]
) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {name: {} for name in request.facets}
    for facet, value, count in rows:
        if value not in (None, ""):
            counts[facet][str(value)] = count
    return {
        name: dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
        for name, values in counts.items()
    }


def _row(document: Document, stamp: int) -> SearchDocument:
    if document.kind not in KINDS:
        raise SearchError(f"cannot index a document of kind {document.kind!r}")
    return SearchDocument(
        kind=document.kind,
        object_id=document.id,
        slug=document.slug,
        language=document.language,
        ts_config=ts_config(document.language or settings.LANGUAGE_CODE),
        title=document.title[:255],
        keywords="\n".join([*document.topics, *document.tags]),
        body=document.description,
        extra="\n".join([document.provider, *document.subject_names]).strip(),
        subjects=list(document.subjects),
        topics=list(document.topic_slugs),
        provider=document.provider_slug,
        format=document.format,
        level=document.level,
        cost=document.cost,
        duration_minutes=document.duration_minutes,
        link_health=document.link_health,
        curator_rating=document.curator_rating or 0,
        data={
            "provider": document.provider,
            "topics": list(document.topics),
            "subject_names": list(document.subject_names),
            "tags": list(document.tags),
            **document.extra_fields,
        },
        indexed_at=stamp,
    )


def _json(value: Any) -> Any:
    """JSON columns come back decoded on PostgreSQL, as text on SQLite."""
    if isinstance(value, str):
        return json.loads(value)
    return value


def _hit(kind: str, score: float, row: tuple) -> SearchHit:
    values = dict(zip(HIT_COLUMNS, row, strict=True))
    data = _json(values.pop("data")) or {}
    fields = {
        "slug": values["slug"],
        "title": values["title"],
        "description": values["body"],
        "language": values["language"],
        "provider": data.pop("provider", ""),
        "provider_slug": values["provider"],
        "topics": data.pop("topics", []),
        "topic_slugs": _json(values["topics"]),
        "subjects": _json(values["subjects"]),
        "subject_names": data.pop("subject_names", []),
        "tags": data.pop("tags", []),
        "format": values["format"],
        "level": values["level"],
        "cost": values["cost"],
        "duration_minutes": values["duration_minutes"],
        "link_health": values["link_health"],
        "curator_rating": values["curator_rating"] or None,
        **data,
    }
    return SearchHit(
        id=values["object_id"], kind=kind, score=round(float(score), 4), fields=fields
    )
