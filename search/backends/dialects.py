# ruff: noqa: S608 - statements are built from allow-listed identifiers only;
# every value, user text included, travels as a query parameter.
"""The SQL the database backend speaks: PostgreSQL full text, or SQLite FTS5.

A dialect knows how to ask the database about a query's words (the
vocabulary, and on PostgreSQL their normalized forms), how to match a
:class:`~search.query.QueryPlan`, how to score a match, how to test membership in a JSON array column and how to unnest one
for facet counts. Everything else (filters, paging, facets) is shared SQL
written by :mod:`search.backends.database`. Every value reaches the database
as a query parameter; only names from the allow-lists below are inlined.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

from django.db.backends.base.base import BaseDatabaseWrapper

from ..query import SYNONYMS, Lookup, QueryPlan

TABLE = "search_searchdocument"
TERMS = "search_searchterm"
# Documents counted per combination of filter values (migration search.0004).
CELLS = "search_facet_cell"
# The order a full re-index keeps the documents in (migration search.0005).
ORDER_INDEX = "search_document_order"
FTS = "search_fts"

# Text search configuration per resource language; anything else is "simple"
# (no stemming, no stop words), which still matches whole words.
TS_CONFIGS = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
}
SIMPLE = "simple"
ALL_CONFIGS = (*TS_CONFIGS.values(), SIMPLE)

# Ranking weights, in one place (see docs/search.md).
TRIGRAM_WEIGHT = 0.3  # title similarity to the (corrected) query, 0..1
RATING_WEIGHT = 0.02  # per curator rating point, 1..5
FTS5_COLUMN_WEIGHTS = (10.0, 4.0, 1.5, 1.0)  # title, keywords, body, extra
BM25_WEIGHT = 0.3
# PostgreSQL's default ts_rank weights for A, B, C, D.
COLUMN_WEIGHTS = (("title", 1.0), ("keywords", 0.4), ("body", 0.2), ("extra", 0.1))
# A one-word query at least this long that is no vocabulary word, nor the start
# of one, nor a typo of one also matches titles by trigram word similarity
# (pg_trgm's ``<%``, 0.6 by default, served by the trigram index on title): it
# finds a word inside a longer one ("script" in "JavaScript") that the stemmed
# index cannot. Other queries skip it: there the index would hand thousands of
# candidates to recheck ("ing" is in many titles) and add little.
TRIGRAM_MATCH_MIN_LENGTH = 4
NEAR_TERMS = 10
# SearchDocument columns holding JSON arrays (facets count each element).
ARRAY_COLUMNS = frozenset({"subjects", "topics"})


def ts_config(language: str) -> str:
    return TS_CONFIGS.get(language, SIMPLE)


@dataclass
class Match:
    """The FROM clause, WHERE conditions and score of a text match."""

    from_sql: str
    where: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    score: str = "0"
    score_params: list[object] = field(default_factory=list)


@dataclass
class Analysis:
    """What the database said about a query's words before the search.

    ``known``: vocabulary terms among the looked-up words (for corrections);
    ``normalized``: PostgreSQL only, each ``to_tsquery`` fragment mapped to
    what each text search configuration makes of it (``''`` for stop words).
    """

    known: set[str] = field(default_factory=set)
    normalized: dict[str, set[str]] = field(default_factory=dict)


class Dialect:
    vendor: str
    # The facet cells table, where the engine keeps one.
    cells: str = ""
    # The statement rewriting the documents in the order of ORDER_INDEX,
    # where the engine keeps one.
    reorder: str = ""

    def analyse(
        self,
        connection: BaseDatabaseWrapper,
        lookup: Lookup,
        *,
        configs: tuple[str, ...],
    ) -> Analysis:
        """Ask the database about the query's words (one statement at most)."""
        raise NotImplementedError

    def match(self, plan: QueryPlan, analysis: Analysis) -> Match:
        """The text match of ``plan`` and its base score (relevance + rating)."""
        raise NotImplementedError

    def contains_any(self, column: str, values: tuple[str, ...]) -> tuple[str, list]:
        raise NotImplementedError

    def unnest(self, array: str) -> str:
        """A FROM item yielding ``v.value`` for each element of the JSON array
        ``array`` (a qualified column)."""
        raise NotImplementedError

    def json_rows(self, select: str) -> str:
        """A scalar subquery: the rows of ``select`` as a JSON array of arrays."""
        raise NotImplementedError

    def facet_counts(
        self,
        facets: list[tuple[str, str]],
        *,
        source: str,
        where: str = "",
        count: str = "COUNT(*)",
    ) -> list[str]:
        """SELECTs of ``(facet, value, n)`` for ``(facet, column)`` pairs,
        counting (by ``count``) the rows of ``source`` (a CTE aliased ``m``)
        that pass ``where``: one per facet. An array column is counted per
        distinct array first, then unnested: far fewer arrays to take apart
        than rows (one per subject combination)."""
        condition = f" WHERE {where}" if where else ""
        selects = []
        for name, column in facets:
            if column in ARRAY_COLUMNS:
                selects.append(
                    f"SELECT '{name}' AS facet, v.value AS value, SUM(g.n) AS n"
                    f" FROM (SELECT m.{column} AS members, {count} AS n"
                    f" FROM {source}{condition} GROUP BY m.{column}) AS g,"
                    f" {self.unnest('g.members')} GROUP BY v.value"
                )
            else:
                selects.append(
                    f"SELECT '{name}' AS facet, m.{column} AS value, {count} AS n"
                    f" FROM {source}{condition} GROUP BY m.{column}"
                )
        return selects

    def titles_found(self, text: str) -> bool:
        """Whether ``found`` must carry every match's title for :meth:`ranked`."""
        return True

    def ranked(
        self, text: str, *, candidates: int, window: int
    ) -> tuple[str, list[object]]:
        """The ``ranked(id, score, tier, title)`` CTE over ``found``; pages
        are cut from it up to row ``window``."""
        return "ranked AS (SELECT id, base AS score, 0 AS tier, title FROM found)", []

    def rating_score(self) -> str:
        """A document's rating part of its score."""
        return f"{RATING_WEIGHT} * d.curator_rating"

    @staticmethod
    def browse() -> Match:
        return Match(from_sql=f"{TABLE} d")


def _needs_trigram_match(plan: QueryPlan, analysis: Analysis) -> bool:
    if len(plan.terms) != 1 or plan.corrections:
        return False
    word = plan.terms[0].text
    if len(word) < TRIGRAM_MATCH_MIN_LENGTH:
        return False
    return not any(term.startswith(word) for term in analysis.known)


class PostgresDialect(Dialect):
    vendor = "postgresql"
    cells = CELLS
    reorder = f"CLUSTER {TABLE} USING {ORDER_INDEX}"

    def analyse(
        self,
        connection: BaseDatabaseWrapper,
        lookup: Lookup,
        *,
        configs: tuple[str, ...],
    ) -> Analysis:
        """One statement: the vocabulary lookup, and every fragment the query
        may use (its words, their synonyms, the vocabulary's candidate
        corrections) normalized by each configuration.

        Normalizing here lets the search statement carry one deduplicated
        ``tsquery`` constant: ``'function':*`` once rather than once per
        configuration, which keeps PostgreSQL's row estimate, and so its
        choice of the GIN index, right.
        """
        # One string rather than an array: adapting a list of some thousand
        # one-edit variants costs more client time than the lookup itself.
        found = [f"SELECT term FROM {TERMS} WHERE term = ANY(string_to_array(%s, ' '))"]
        params: list[object] = [" ".join(sorted(lookup.exact))]
        for word in lookup.near:
            found.append(
                f"(SELECT term FROM {TERMS} ORDER BY term <-> %s LIMIT {NEAR_TERMS})"
            )
            params.append(word)
        for word in lookup.prefixes:  # letters only: no LIKE wildcard to escape
            found.append(f"(SELECT term FROM {TERMS} WHERE term LIKE %s LIMIT 1)")
            params.append(word + "%")
        # Vocabulary terms are letters only: quote_literal() quotes them for
        # to_tsquery too.
        sql = (
            f"WITH found AS MATERIALIZED ({' UNION '.join(found)}),"
            " fragments(fragment, term) AS ("
            " SELECT f, NULL::text FROM unnest(%s::text[]) AS f"
            " UNION ALL SELECT quote_literal(term), term FROM found"
            # A correction of the last word is searched as a prefix, as typed.
            " UNION ALL SELECT quote_literal(term) || ':*', term FROM found)"
            " SELECT fragments.term, fragments.fragment,"
            " to_tsquery(c.config::regconfig, fragments.fragment)::text"
            " FROM fragments CROSS JOIN unnest(%s::text[]) AS c(config)"
        )
        fragments = word_fragments(lookup.words)
        if lookup.needs_vocabulary:  # a correction brings its synonyms along
            fragments += synonym_fragments()
        params += [list(dict.fromkeys(fragments)), list(configs)]
        analysis = Analysis()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for term, fragment, normalized in cursor.fetchall():
                if term is not None:
                    analysis.known.add(term)
                analysis.normalized.setdefault(fragment, set()).add(normalized)
        return analysis

    def match(self, plan: QueryPlan, analysis: Analysis) -> Match:
        tsquery = tsquery_text(plan, analysis.normalized)
        if not tsquery:  # only stop words
            return Match(from_sql=f"{TABLE} d", where=["FALSE"])
        condition = "d.document @@ %s::tsquery"
        params: list[object] = [tsquery]
        if _needs_trigram_match(plan, analysis):
            condition = f"({condition} OR %s <%% d.title)"
            params.append(plan.ranking_text)
        return Match(
            from_sql=f"{TABLE} d",
            where=[condition],
            params=params,
            score=f"ts_rank(d.document, %s::tsquery, 1) + {self.rating_score()}",
            score_params=[tsquery],
        )

    def rating_score(self) -> str:
        """The rating part in float8: ``0.02 * rating`` is numeric arithmetic
        per match, and turning numeric into float8 prints and parses it
        (about 8 % of a broad query's time). Dividing by the weight's inverse, a
        whole number, gives the very same float8 (both are the exact product
        correctly rounded)."""
        return f"d.curator_rating / {1 / RATING_WEIGHT}::float8"

    def titles_found(self, text: str) -> bool:
        """With words, only the candidates' titles are read (copying every
        match's title cost about a tenth of a broad query)."""
        return not text

    def ranked(
        self, text: str, *, candidates: int, window: int
    ) -> tuple[str, list[object]]:
        """The best ``candidates`` by text rank and rating come first (tier 0),
        re-ranked with their title's trigram similarity to the query; the
        rest follow in text rank order, so paging stays consistent. A page
        within the candidates (most pages) needs only them."""
        if not text:
            return super().ranked(text, candidates=candidates, window=window)
        best = (
            "best AS (SELECT c.id, c.base"
            f" + {TRIGRAM_WEIGHT} * word_similarity(%s, t.title) AS score,"
            " 0 AS tier, t.title FROM (SELECT id, base FROM found"
            f" ORDER BY base DESC, id LIMIT {int(candidates)}) AS c"
            f" JOIN {TABLE} t ON t.id = c.id)"
        )
        if window <= candidates:
            return f"{best}, ranked AS (SELECT * FROM best)", [text]
        return (
            f"{best}, ranked AS (SELECT id, score, tier, title FROM best UNION ALL"
            f" SELECT f.id, f.base, 1, t.title FROM found f JOIN {TABLE} t"
            " ON t.id = f.id WHERE f.id NOT IN (SELECT id FROM best))",
            [text],
        )

    def facet_counts(
        self,
        facets: list[tuple[str, str]],
        *,
        source: str,
        where: str = "",
        count: str = "COUNT(*)",
    ) -> list[str]:
        """Scalar facets in one pass (GROUPING SETS) rather than one each."""
        scalar = [(name, col) for name, col in facets if col not in ARRAY_COLUMNS]
        if len(scalar) < 2:
            return super().facet_counts(facets, source=source, where=where, count=count)
        arrays = [(name, col) for name, col in facets if col in ARRAY_COLUMNS]
        facet = " ".join(
            f"WHEN GROUPING(m.{column}) = 0 THEN '{name}'" for name, column in scalar
        )
        value = " ".join(
            f"WHEN GROUPING(m.{column}) = 0 THEN m.{column}" for _, column in scalar
        )
        sets = ", ".join(f"(m.{column})" for _, column in scalar)
        condition = f" WHERE {where}" if where else ""
        grouped = (
            f"SELECT CASE {facet} END AS facet, CASE {value} END AS value,"
            f" {count} AS n FROM {source}{condition} GROUP BY GROUPING SETS ({sets})"
        )
        arrays_counted = super().facet_counts(
            arrays, source=source, where=where, count=count
        )
        return [grouped, *arrays_counted]

    def contains_any(self, column: str, values: tuple[str, ...]) -> tuple[str, list]:
        return f"d.{column} ?| %s::text[]", [list(values)]

    def unnest(self, array: str) -> str:
        return f"jsonb_array_elements_text({array}) AS v(value)"

    def json_rows(self, select: str) -> str:
        # As text: every row of the page repeats it, and psycopg would decode
        # each copy.
        return (
            "(SELECT COALESCE(json_agg(json_build_array(f.facet, f.value, f.n)),"
            f" '[]'::json)::text FROM ({select}) AS f)"
        )


class SqliteDialect(Dialect):
    vendor = "sqlite"

    def analyse(
        self,
        connection: BaseDatabaseWrapper,
        lookup: Lookup,
        *,
        configs: tuple[str, ...],
    ) -> Analysis:
        """The vocabulary lookup, when a word may hold a typo (FTS5 stems
        queries itself, so there is nothing to normalize)."""
        if not lookup.needs_vocabulary:
            return Analysis()
        parts = [
            f"SELECT term FROM {TERMS} WHERE term IN (SELECT value FROM json_each(%s))"
        ]
        params: list[object] = [json.dumps(sorted(lookup.exact))]
        for word in lookup.near:
            parts.append(
                f"SELECT term FROM {TERMS} WHERE substr(term, 1, 1) = %s"
                " AND length(term) BETWEEN %s AND %s"
            )
            params += [word[0], len(word) - 2, len(word) + 2]
        for word in lookup.prefixes:  # letters only: no GLOB wildcard to escape
            parts.append(
                f"SELECT * FROM (SELECT term FROM {TERMS} WHERE term GLOB %s LIMIT 1)"
            )
            params.append(word + "*")
        with connection.cursor() as cursor:
            cursor.execute(" UNION ".join(parts), params)
            return Analysis(known={row[0] for row in cursor.fetchall()})

    def match(self, plan: QueryPlan, analysis: Analysis) -> Match:
        weights = ", ".join(str(w) for w in FTS5_COLUMN_WEIGHTS)
        # bm25() is negative, better matches lower; r / (1 + r) maps -bm25 to
        # 0..1. Its IDF makes words found in most documents worth nearly
        # nothing, which on a small catalog ranks by noise, so the score adds
        # where each query word was found, weighted like PostgreSQL's A-D.
        relevance = f"(-bm25({FTS}, {weights}))"
        placement, params = _placement_score(plan)
        return Match(
            # CROSS JOIN makes SQLite run the full-text query once and look
            # the rows up, rather than probe the index once per row of kind.
            from_sql=f"{FTS} CROSS JOIN {TABLE} d ON d.id = {FTS}.rowid",
            where=[f"{FTS} MATCH %s"],
            params=[fts5_text(plan)],
            score=(
                f"{BM25_WEIGHT} * {relevance} / (1.0 + {relevance})"
                f" + {placement} + {self.rating_score()}"
            ),
            score_params=params,
        )

    def contains_any(self, column: str, values: tuple[str, ...]) -> tuple[str, list]:
        marks = ", ".join(["%s"] * len(values))
        return (
            f"EXISTS (SELECT 1 FROM json_each(d.{column}) AS j WHERE j.value IN ({marks}))",
            list(values),
        )

    def unnest(self, array: str) -> str:
        return f"json_each({array}) AS v"

    def json_rows(self, select: str) -> str:
        return f"(SELECT json_group_array(json_array(f.facet, f.value, f.n)) FROM ({select}) AS f)"


DIALECTS: dict[str, type[Dialect]] = {
    PostgresDialect.vendor: PostgresDialect,
    SqliteDialect.vendor: SqliteDialect,
}


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _placement_score(plan: QueryPlan) -> tuple[str, list[object]]:
    """0..1: per query word, the weight of the best column holding it, averaged.

    A word counts as found when it (without a plural "s"), one of its
    alternatives or, for the last word, its prefix occurs in the column.
    """
    cases = []
    params: list[object] = []
    for term in plan.terms:
        word = term.text
        if not term.prefix and len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        patterns = [_like(option) for option in (word, *term.alternatives)]
        whens = []
        for column, weight in COLUMN_WEIGHTS:
            found = " OR ".join(f"d.{column} LIKE %s ESCAPE '\\'" for _ in patterns)
            whens.append(f"WHEN {found} THEN {weight}")
            params += patterns
        cases.append(f"(CASE {' '.join(whens)} ELSE 0 END)")
    return f"({' + '.join(cases)}) / {len(cases)}.0", params


def _tsquery_quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def fragment(text: str, *, prefix: bool = False) -> str:
    """``text`` as a ``to_tsquery`` operand: quoted, a phrase when several words.

    Quoting makes operators typed by the user plain text, and the
    configuration's parser then splits it exactly as it split the documents.
    """
    words = text.split()
    if len(words) > 1:
        return " <-> ".join(_tsquery_quote(word) for word in words)
    return _tsquery_quote(text) + (":*" if prefix else "")


def word_fragments(words: tuple[str, ...] | list[str]) -> list[str]:
    """The fragments of the typed words (the last one a prefix) and their synonyms."""
    fragments = []
    for position, word in enumerate(words):
        fragments.append(fragment(word, prefix=position == len(words) - 1))
        fragments += [fragment(synonym) for synonym in SYNONYMS.get(word, ())]
    return list(dict.fromkeys(fragments))


@functools.cache
def synonym_fragments() -> list[str]:
    """Every synonym as a fragment (a few dozen): normalized up front whenever
    a word may be corrected, since its correction's synonyms are searched."""
    return sorted({fragment(s) for others in SYNONYMS.values() for s in others})


def tsquery_text(plan: QueryPlan, normalized: dict[str, set[str]]) -> str:
    """``(form | form) & (form) ...``: per word, every distinct normalized form
    of it, its prefix, synonyms and correction; words whose every form is a
    stop word are left out."""
    parts = []
    for term in plan.terms:
        fragments = [fragment(term.text, prefix=term.prefix)]
        fragments += [fragment(alternative) for alternative in term.alternatives]
        forms = sorted(
            {form for f in fragments for form in normalized.get(f, ()) if form}
        )
        if forms:
            parts.append("(" + " | ".join(f"({form})" for form in forms) + ")")
    return " & ".join(parts)


def _fts5_quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts5_text(plan: QueryPlan) -> str:
    """``("word"* OR "word" OR "synonym") AND ...`` for FTS5 ``MATCH``.

    Strings are phrases. A prefix is matched against the stemmed index as
    typed, so the last word is also matched whole (and stemmed): the prefix
    "functions" alone would miss the indexed stem "function".
    """
    parts = []
    for term in plan.terms:
        options = [_fts5_quote(term.text) + "*"] if term.prefix else []
        options.append(_fts5_quote(term.text))
        options += [_fts5_quote(alternative) for alternative in term.alternatives]
        parts.append("(" + " OR ".join(options) + ")")
    return " AND ".join(parts)
