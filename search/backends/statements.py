# ruff: noqa: S608 - statements are built from allow-listed identifiers only;
# every value, user text included, travels as a query parameter.
"""The one statement a database search runs: the page, the total and the facets.

``found`` holds every match once (see :func:`_found`); the total and the
facets are counted from it (a widened facet from ``matched``), the page is
cut from it, and only the page's rows are read in full. Browsing by the
filters the facet cells hold (PostgreSQL) counts cells instead of documents.
"""

from __future__ import annotations

import dataclasses

from .base import BROKEN, RANGE_FILTERS, SearchRequest
from .dialects import ARRAY_COLUMNS, TABLE, Dialect, Match

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
# On PostgreSQL, the best matches by text rank and rating are re-ranked with
# trigram similarity; computing it for every match would dominate a broad
# query's time (see docs/search.md).
RERANK_CANDIDATES = 200
# The filters (and facets) the facet cells hold: browsing by these alone
# counts cells, not documents (migration search.0004).
CELL_FILTERS = frozenset(
    {"subject", "format", "language", "level", "cost", "link_health"}
)


def search_statement(
    request: SearchRequest,
    match: Match,
    dialect: Dialect,
    *,
    browse: bool,
    ranking_text: str,
) -> tuple[str, list[object]]:
    """The SQL and parameters answering ``request`` with ``match``; its rows
    are ``total, facets, score`` then the page's ``HIT_COLUMNS``."""
    if (
        browse
        and dialect.cells
        and CELL_FILTERS.issuperset({*request.filters, *request.facets})
    ):
        return _by_cells(request, dialect)
    return _by_documents(
        request, match, dialect, browse=browse, ranking_text=ranking_text
    )


def _by_documents(
    request: SearchRequest,
    match: Match,
    dialect: Dialect,
    *,
    browse: bool,
    ranking_text: str,
) -> tuple[str, list[object]]:
    base = dialect.rating_score() if browse else match.score
    text = "" if browse else ranking_text
    title = ", d.title" if dialect.titles_found(text) else ""
    ctes, cte_params = _found(
        request,
        match,
        dialect,
        head=f"d.id{title}, {base} AS base",
        head_params=[] if browse else match.score_params,
    )
    ranked, ranked_params = dialect.ranked(
        text, candidates=RERANK_CANDIDATES, window=request.offset + request.per_page
    )
    page = (
        "page AS (SELECT id, score, tier, title FROM ranked"
        " ORDER BY tier, score DESC, title, id LIMIT %s OFFSET %s)"
    )
    sql = _statement(
        f"{ctes}, {ranked}, {page}",
        total="(SELECT COUNT(*) FROM found)",
        facets=_facets_json(request, dialect, count="COUNT(*)"),
    )
    return sql, [*cte_params, *ranked_params, request.per_page, request.offset]


def _by_cells(request: SearchRequest, dialect: Dialect) -> tuple[str, list[object]]:
    """Browsing: the total and facets summed over the facet cells; the page
    (best rated first, as ``_by_documents`` orders it) read from the
    documents, walking the browse index.

    The page is read only when the total reaches it: a filter matching
    nothing would otherwise walk the whole index looking for its rows.
    """
    cells = Match(from_sql=f"{dialect.cells} d", where=["d.n > 0"])
    ctes, cte_params = _found(request, cells, dialect, head="d.n", head_params=[])
    where, where_params = _where(
        dataclasses.replace(request, widen_facets=False), dialect.browse(), dialect
    )
    total = "(SELECT COALESCE(SUM(n), 0) FROM found)"
    page = (
        f"page AS (SELECT d.id, {dialect.rating_score()} AS score,"
        f" 0 AS tier, d.title FROM {TABLE} d WHERE {where} AND {total} > %s"
        # The rating itself, which the browse index holds, orders as its score.
        " ORDER BY d.curator_rating DESC, d.title, d.id LIMIT %s OFFSET %s)"
    )
    sql = _statement(
        f"{ctes}, {page}",
        total=total,
        facets=_facets_json(request, dialect, count="SUM(m.n)"),
    )
    params = [*cte_params, *where_params, request.offset]
    return sql, [*params, request.per_page, request.offset]


def _statement(ctes: str, *, total: str, facets: str) -> str:
    """The total and facets, then each row of ``page`` read in full."""
    return (
        f"WITH {ctes}"
        " SELECT meta.total, meta.facets, p.score, "
        + ", ".join(f"d.{column}" for column in HIT_COLUMNS)
        + f" FROM (SELECT {total} AS total, {facets} AS facets) AS meta"
        f" LEFT JOIN (page p JOIN {TABLE} d ON d.id = p.id) ON 1 = 1"
        " ORDER BY p.tier, p.score DESC, p.title, p.id"
    )


def _found(
    request: SearchRequest,
    match: Match,
    dialect: Dialect,
    *,
    head: str,
    head_params: list[object],
) -> tuple[str, list[object]]:
    """The ``found`` CTE (every match passing every filter), after ``matched``
    when some facets are widened.

    Each match carries ``head`` (a document's id, base score and, when
    ranking needs it, title; a facet cell's count) and facet columns; with
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
    columns = "".join(
        f", d.{column}" for column in sorted({COLUMNS[n] for n in request.facets})
    )
    columns += "".join(
        f", {condition} AS ok_{index}" for index, (condition, _) in enumerate(flags)
    )
    select = f"SELECT {head}{columns} FROM {match.from_sql} WHERE {where}"
    params = [
        *head_params,
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


def _facets_json(request: SearchRequest, dialect: Dialect, *, count: str) -> str:
    """A JSON array of ``[facet, value, count]``, or NULL without facets.

    Facets count ``found``; a widened one counts ``matched`` rows passing
    every other widened filter.
    """
    if not request.facets:
        return "NULL"
    widened = request.widened
    plain = [(name, COLUMNS[name]) for name in request.facets if name not in widened]
    selects = (
        dialect.facet_counts(plain, source="found m", count=count) if plain else []
    )
    for index, name in enumerate(widened):
        others = [f"m.ok_{other}" for other in range(len(widened)) if other != index]
        selects += dialect.facet_counts(
            [(name, COLUMNS[name])],
            source="matched m",
            where=" AND ".join(others),
            count=count,
        )
    return dialect.json_rows(" UNION ALL ".join(selects))
