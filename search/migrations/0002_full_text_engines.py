"""The engine-specific half of the search table (see search/models.py).

PostgreSQL: pg_trgm, the weighted ``document`` tsvector kept by a trigger, and
the GIN/GiST indexes. SQLite: an external-content FTS5 table kept by triggers.
Each part runs only on its own engine, so the migration is a no-op elsewhere.

On SQLite, Django rebuilds a table to alter it, which drops its triggers: a
later migration that alters SearchDocument must run ``SQLITE_FORWARDS`` again.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRES_FORWARDS = [
    "ALTER TABLE search_searchdocument ADD COLUMN document tsvector",
    """
    CREATE FUNCTION search_document_tsvector() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.document :=
            setweight(to_tsvector(NEW.ts_config::regconfig, coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector(NEW.ts_config::regconfig, coalesce(NEW.keywords, '')), 'B')
            || setweight(to_tsvector(NEW.ts_config::regconfig, coalesce(NEW.body, '')), 'C')
            || setweight(to_tsvector(NEW.ts_config::regconfig, coalesce(NEW.extra, '')), 'D');
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER search_document_tsvector
    BEFORE INSERT OR UPDATE OF title, keywords, body, extra, ts_config
    ON search_searchdocument
    FOR EACH ROW EXECUTE FUNCTION search_document_tsvector()
    """,
    "CREATE INDEX search_document_fts ON search_searchdocument USING gin (document)",
    "CREATE INDEX search_document_title_trgm ON search_searchdocument"
    " USING gin (title gin_trgm_ops)",
    "CREATE INDEX search_document_subjects ON search_searchdocument USING gin (subjects)",
    "CREATE INDEX search_document_topics ON search_searchdocument USING gin (topics)",
    "CREATE INDEX search_term_trgm ON search_searchterm USING gist (term gist_trgm_ops)",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS search_term_trgm",
    "DROP INDEX IF EXISTS search_document_topics",
    "DROP INDEX IF EXISTS search_document_subjects",
    "DROP INDEX IF EXISTS search_document_title_trgm",
    "DROP INDEX IF EXISTS search_document_fts",
    "DROP TRIGGER IF EXISTS search_document_tsvector ON search_searchdocument",
    "DROP FUNCTION IF EXISTS search_document_tsvector()",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS document",
]

_FTS_COLUMNS = "title, keywords, body, extra"
_FTS_NEW = "new.id, new.title, new.keywords, new.body, new.extra"
_FTS_OLD = "'delete', old.id, old.title, old.keywords, old.body, old.extra"
SQLITE_FORWARDS = [
    f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        {_FTS_COLUMNS},
        content='search_searchdocument', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2', prefix='2 3'
    )
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS search_fts_insert AFTER INSERT ON search_searchdocument
    BEGIN
        INSERT INTO search_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW});
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS search_fts_delete AFTER DELETE ON search_searchdocument
    BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD});
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS search_fts_update AFTER UPDATE ON search_searchdocument
    BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD});
        INSERT INTO search_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW});
    END
    """,
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        TrigramExtension(),  # does nothing on other engines
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            _run({"postgresql": POSTGRES_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
        ),
    ]
