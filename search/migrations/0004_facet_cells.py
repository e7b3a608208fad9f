# ruff: noqa: S608 - statements are built from the constant names below only.
"""Facet cells: search documents counted per combination of filter values (PostgreSQL).

A search without words (the search page's default, a learner ticking facets)
matches by filter columns alone, and counting its facets over every row it
matches cost 50-90 ms at 100k resources, even by an index-only scan. The
cells hold the same counts grouped by the columns such a search filters and
counts on (about 10k cells for 100k resources), so it sums cells instead.

Statement-level triggers with transition tables keep the cells exact in the
same transaction as every write to the documents, whoever makes it (an
index run, a delete, ``flush``'s TRUNCATE). A cell whose count falls to zero
is kept (searches skip it): deleting it could race a concurrent insert.
SQLite (the embedded mode, small catalogs) counts documents directly.
"""

from django.db import migrations

CELLS = "search_facet_cell"
KEY = "kind, subjects, format, language, level, cost, link_health"


def _apply(changes: str) -> str:
    """Add the ``delta`` of each key in ``changes`` to its cell.

    Keys whose changes cancel out (a document re-indexed unchanged, the usual
    case) are skipped. Cells are locked in key order, so concurrent writers
    queue rather than deadlock.
    """
    return (
        f"INSERT INTO {CELLS} AS c ({KEY}, n)"
        f" SELECT {KEY}, SUM(delta) FROM ({changes}) AS changes GROUP BY {KEY}"
        f" HAVING SUM(delta) <> 0 ORDER BY {KEY}"
        f" ON CONFLICT ({KEY}) DO UPDATE SET n = c.n + EXCLUDED.n;"
    )


OLD = f"SELECT {KEY}, -1 AS delta FROM old_rows"
NEW = f"SELECT {KEY}, 1 AS delta FROM new_rows"

FORWARDS = [
    f"""
    CREATE TABLE {CELLS} (
        kind varchar(10) NOT NULL,
        subjects jsonb NOT NULL,
        format varchar(16) NOT NULL,
        language varchar(5) NOT NULL,
        level varchar(20) NOT NULL,
        cost varchar(10) NOT NULL,
        link_health varchar(12) NOT NULL,
        n integer NOT NULL,
        UNIQUE ({KEY})
    )
    """,
    f"""
    CREATE FUNCTION search_facet_cell_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM {CELLS};
        ELSIF TG_OP = 'INSERT' THEN
            {_apply(NEW)}
        ELSIF TG_OP = 'DELETE' THEN
            {_apply(OLD)}
        ELSE
            {_apply(f"{OLD} UNION ALL {NEW}")}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER search_facet_cell_insert AFTER INSERT ON search_searchdocument"
    " REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION search_facet_cell_count()",
    "CREATE TRIGGER search_facet_cell_update AFTER UPDATE ON search_searchdocument"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION search_facet_cell_count()",
    "CREATE TRIGGER search_facet_cell_delete AFTER DELETE ON search_searchdocument"
    " REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION search_facet_cell_count()",
    "CREATE TRIGGER search_facet_cell_truncate AFTER TRUNCATE ON search_searchdocument"
    " FOR EACH STATEMENT EXECUTE FUNCTION search_facet_cell_count()",
    f"INSERT INTO {CELLS} ({KEY}, n)"
    f" SELECT {KEY}, COUNT(*) FROM search_searchdocument GROUP BY {KEY}",
]
BACKWARDS = [
    "DROP TRIGGER IF EXISTS search_facet_cell_truncate ON search_searchdocument",
    "DROP TRIGGER IF EXISTS search_facet_cell_delete ON search_searchdocument",
    "DROP TRIGGER IF EXISTS search_facet_cell_update ON search_searchdocument",
    "DROP TRIGGER IF EXISTS search_facet_cell_insert ON search_searchdocument",
    "DROP FUNCTION IF EXISTS search_facet_cell_count()",
    f"DROP TABLE IF EXISTS {CELLS}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_facets_covering_index")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS))]
