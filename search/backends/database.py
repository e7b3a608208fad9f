# ruff: noqa: S608 - statements are built from allow-listed identifiers only;
# every value, user text included, travels as a query parameter.
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
from django.db import DatabaseError, connections, transaction

from .. import query
from ..documents import KINDS, Document
from ..models import SearchDocument, SearchTerm
from .base import (
    BROKEN,
    RANGE_FILTERS,
    SearchBackend,
    SearchError,
    SearchHit,
    SearchRequest,
    SearchResults,
    SearchUnavailable,
)
from .dialects import (
    ALL_CONFIGS,
    ARRAY_COLUMNS,
    DIALECTS,
    RATING_WEIGHT,
    TABLE,
    Analysis,
    Dialect,
    Match,
    ts_config,
)

# Filter name -> SearchDocument column; the JSON array columns need the
# dialect's membership test.
COLUMNS = {
    "subject": "subjects",
    "topic": "topics",
    "provider": "provider",
    "format": "format",
    "language": "language",
    "level": "level",
    "cost": "cost",
    "link_health": "link_health",
}
HIT_COLUMNS = (
    "object_id",
    "slug",
    "title",
    "body",
    "language",
    "provider",
    "subjects",
    "topics",
    "format",
    "level",
    "cost",
    "duration_minutes",
    "link_health",
    "curator_rating",
    "data",
)
UPDATE_FIELDS = [
    f.name
    for f in SearchDocument._meta.concrete_fields
    if f.name not in {"id", "kind", "object_id"}
]
WRITE_BATCH = 500
# On PostgreSQL, the best matches by text rank and rating are re-ranked with
# trigram similarity; computing it for every match would dominate a broad
# query's time (see docs/search.md).
RERANK_CANDIDATES = 200


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

        ``found`` holds every match once (see :func:`_found`); the total and
        the facets are counted from it (a widened facet from ``matched``),
        the page is cut from it, and only the page's rows are read in full.
        """
        ctes, cte_params = _found(request, match, dialect, browse=browse)
        ranked, ranked_params = dialect.ranked(
            "" if browse else ranking_text,
            candidates=RERANK_CANDIDATES,
            window=request.offset + request.per_page,
        )
        sql = (
            f"WITH {ctes}, {ranked},"
            " page AS (SELECT id, score, tier, title FROM ranked"
            " ORDER BY tier, score DESC, title, id LIMIT %s OFFSET %s)"
            " SELECT meta.total, meta.facets, p.score, "
            + ", ".join(f"d.{column}" for column in HIT_COLUMNS)
            + " FROM (SELECT (SELECT COUNT(*) FROM found) AS total,"
            f" {_facets_json(request, dialect)} AS facets) AS meta"
            f" LEFT JOIN (page p JOIN {TABLE} d ON d.id = p.id) ON 1 = 1"
            " ORDER BY p.tier, p.score DESC, p.title, p.id"
        )
        params = [*cte_params, *ranked_params, request.per_page, request.offset]
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


def _found(
    request: SearchRequest, match: Match, dialect: Dialect, *, browse: bool
) -> tuple[str, list[object]]:
    """The ``found`` CTE (every match passing every filter), after ``matched``
    when some facets are widened.

    Each match carries its id, title, base score and facet columns; with
    widened facets, ``matched`` also holds the rows failing one widened
    filter, with a flag per widened filter (``ok_0``, ``ok_1``...).
    """
    where, where_params = _where(request, match, dialect)
    flags = [
        _filter_condition(name, request.filters[name], dialect)
        for name in request.widened
    ]
    flag_params = [param for _, params in flags for param in params]
    if flags:  # a row failing one widened filter still counts for its facet
        failures = " + ".join(
            f"(CASE WHEN {condition} THEN 0 ELSE 1 END)" for condition, _ in flags
        )
        where = f"{where} AND {failures} <= 1"
    base = f"{RATING_WEIGHT} * d.curator_rating" if browse else match.score
    columns = "".join(
        f", d.{column}" for column in sorted({COLUMNS[n] for n in request.facets})
    )
    columns += "".join(
        f", {condition} AS ok_{index}" for index, (condition, _) in enumerate(flags)
    )
    select = (
        f"SELECT d.id, d.title, {base} AS base{columns}"
        f" FROM {match.from_sql} WHERE {where}"
    )
    params = [
        *([] if browse else match.score_params),
        *flag_params,
        *where_params,
        *flag_params,
    ]
    if not flags:
        return f"found AS MATERIALIZED ({select})", params
    every = " AND ".join(f"m.ok_{index}" for index in range(len(flags)))
    return (
        f"matched AS MATERIALIZED ({select}),"
        f" found AS (SELECT * FROM matched m WHERE {every})",
        params,
    )


def _where(
    request: SearchRequest, match: Match, dialect: Dialect
) -> tuple[str, list[object]]:
    """The conditions every match meets: text, kind, the filters not widened."""
    conditions = ["d.kind = %s", *match.where]
    params: list[object] = [request.kind, *match.params]
    for name, values in request.filters.items():
        if name not in request.widened:
            condition, condition_params = _filter_condition(name, values, dialect)
            conditions.append(condition)
            params += condition_params
    if request.hides_broken:
        conditions.append("d.link_health <> %s")
        params.append(BROKEN)
    return " AND ".join(conditions), params


def _filter_condition(
    name: str, values: tuple[str, ...], dialect: Dialect
) -> tuple[str, list[object]]:
    if name in RANGE_FILTERS:
        operator = ">=" if name == "duration_min" else "<="
        return f"d.duration_minutes {operator} %s", [int(values[0])]
    column = COLUMNS[name]
    if column in ARRAY_COLUMNS:
        return dialect.contains_any(column, values)
    return f"d.{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _facets_json(request: SearchRequest, dialect: Dialect) -> str:
    """A JSON array of ``[facet, value, count]``, or NULL without facets.

    Facets count ``found``; a widened one counts ``matched`` rows passing
    every other widened filter.
    """
    if not request.facets:
        return "NULL"
    widened = request.widened
    plain = [(name, COLUMNS[name]) for name in request.facets if name not in widened]
    selects = dialect.facet_counts(plain, source="found m") if plain else []
    for index, name in enumerate(widened):
        others = [f"m.ok_{other}" for other in range(len(widened)) if other != index]
        selects += dialect.facet_counts(
            [(name, COLUMNS[name])], source="matched m", where=" AND ".join(others)
        )
    return dialect.json_rows(" UNION ALL ".join(selects))


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
