"""A full re-index leaves the documents grouped by kind, subject and topic
(PostgreSQL's CLUSTER), so a broad word search reads few heap pages; the
rating part of a score is the same number in float8 as in numeric."""

from __future__ import annotations

from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

import psycopg
import pytest

from catalog.models import Resource
from search.backends import DatabaseBackend, database
from search.backends.dialects import ORDER_INDEX, TABLE, Dialect, PostgresDialect
from search.selectors import catalog_search
from search.services import (
    search_index_changes,
    search_index_suspended,
    search_reindex_all,
)
from tests.factories import ResourceFactory, SubjectFactory, TopicFactory

pytestmark = [
    pytest.mark.usefixtures("database_search"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the order is PostgreSQL's"
    ),
]


def _interleaved_catalog() -> None:
    """Resources of three subjects and six topics, created round-robin and
    indexed in catalog order, so neighbours are in different subjects."""
    subjects = [SubjectFactory(slug=slug) for slug in ("rust", "go", "python")]
    topics = [
        TopicFactory(slug=f"{subject.slug}-{name}", subject=subject)
        for subject in subjects
        for name in ("loops", "types")
    ]
    with search_index_suspended():
        for number in range(36):
            ResourceFactory(
                title=f"Loops and types {number}",
                topics=[topics[number % len(topics)]],
                curator_rating=1 + number % 5,
            )
    search_index_changes(changes={"subject": [subject.pk for subject in subjects]})


def _physical_order() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, subjects ->> 0, topics ->> 0 FROM {TABLE} ORDER BY ctid"  # noqa: S608
        )
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_full_reindex_groups_documents_by_kind_subject_and_topic() -> None:
    _interleaved_catalog()
    assert _physical_order() != sorted(_physical_order())
    before = catalog_search(query="loops types", facets=("subject", "level"))

    search_reindex_all()

    rows = _physical_order()
    assert len(rows) == Resource.objects.count() + 6
    assert rows == sorted(rows)
    after = catalog_search(query="loops types", facets=("subject", "level"))
    assert after == before


@pytest.mark.django_db(transaction=True)
def test_reorder_gives_up_soon_when_the_table_is_busy(monkeypatch) -> None:
    _interleaved_catalog()
    monkeypatch.setattr(database, "REORDER_LOCK_TIMEOUT", "50ms")
    dsn = connections["default"].get_connection_params()
    with psycopg.connect(**dsn) as reader, reader.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] > 0  # its transaction holds the table

        assert DatabaseBackend().documents_reorder() is False

    assert DatabaseBackend().documents_reorder() is True


@pytest.mark.django_db
def test_reorder_is_left_out_inside_a_callers_transaction() -> None:
    assert connection.in_atomic_block
    assert DatabaseBackend().documents_reorder() is False


@pytest.mark.django_db
def test_rating_score_in_float8_equals_the_numeric_product() -> None:
    ratings = ", ".join(f"({rating})" for rating in range(101))
    exact = Dialect().rating_score()
    fast = PostgresDialect().rating_score()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.curator_rating, pg_typeof({fast})::text, ({exact})::float8,"  # noqa: S608
            f" {fast} FROM (VALUES {ratings}) AS d(curator_rating)"
        )
        rows = cursor.fetchall()
    assert {row[1] for row in rows} == {"double precision"}
    assert [row[2] for row in rows] == [row[3] for row in rows]


@pytest.mark.django_db(transaction=True)
def test_order_index_migration_is_reversible() -> None:
    def migrate(target: str) -> bool:
        executor = MigrationExecutor(connection)
        executor.migrate([("search", target)])
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [ORDER_INDEX])
            return cursor.fetchone()[0]

    assert migrate("0004_facet_cells") is False
    assert migrate("0005_document_order_index") is True
