"""The order a full re-index keeps the search documents in (PostgreSQL).

A broad word search reads every match from the heap. In catalog order a
subject's or a topic's documents are spread over the whole table, so 4,751
matches of ``python`` sat on 4,350 of its 16,000 pages at 100k resources;
ordered by kind, first subject and first topic they share pages. ``CLUSTER``
needs a btree index naming that order: this is it. The full re-index runs
``CLUSTER ... USING`` it (``DatabaseBackend.documents_reorder``); incremental
writes put new row versions wherever there is room, so the order wears until
the next full re-index. SQLite (the embedded mode) gets nothing.
"""

from django.db import migrations

FORWARDS = (
    "CREATE INDEX IF NOT EXISTS search_document_order ON search_searchdocument"
    " (kind, (subjects ->> 0), (topics ->> 0))"
)
BACKWARDS = "DROP INDEX IF EXISTS search_document_order"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_facet_cells")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS))]
