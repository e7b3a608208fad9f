"""Deleting many catalog rows in bulk: Django's cascade rules, a statement
per batch, no per-row signal.

``QuerySet.delete()`` loads every row to send ``pre_delete``/``post_delete``
(the catalog version, search and Wagtail's reference index listen), which
took minutes for 100k resources. :class:`Cascade` follows the same
``on_delete`` rules from the models' metadata, so it knows every table that
points at the catalog (learners' profiles, feedback, candidates...) without
naming them, but it reads primary keys only and deletes with one statement
per batch. Its caller does, once, what the receivers would have done row by
row (``catalog.services.catalog_delete``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models.deletion import CASCADE, PROTECT, RESTRICT, SET_NULL

from wagtail.models import ReferenceIndex

from wayfinder.errors import Conflict

# SQLite binds at most 999 parameters; PostgreSQL takes every id as one array.
_SQLITE_BATCH = 900


def _matching(sql: str, pks: Sequence[Any], *params: Any) -> Iterator[tuple[str, list]]:
    """``sql`` with its ``{ids}`` placeholder matching ``pks``, as statements.

    On PostgreSQL one statement, ``= ANY(%s)`` with the ids as one array
    parameter: a 10,000-item ``IN`` list cost more to build and parse than
    to run. Elsewhere ``IN (...)`` lists of at most 900 ids.
    """
    if connection.vendor == "postgresql":
        yield sql.format(ids="= ANY(%s)"), [*params, list(pks)]
        return
    for start in range(0, len(pks), _SQLITE_BATCH):
        batch = list(pks[start : start + _SQLITE_BATCH])
        marks = ", ".join(["%s"] * len(batch))
        yield sql.format(ids=f"IN ({marks})"), [*params, *batch]


def _execute(sql: str, pks: Sequence[Any], *params: Any) -> int:
    """Run the statements of :func:`_matching`; the rows they touched."""
    count = 0
    with connection.cursor() as cursor:
        for statement, values in _matching(sql, pks, *params):
            cursor.execute(statement, values)
            count += max(cursor.rowcount, 0)
    return count


def _select(sql: str, pks: Sequence[Any], *params: Any) -> list[Any]:
    found: list[Any] = []
    with connection.cursor() as cursor:
        for statement, values in _matching(sql, pks, *params):
            cursor.execute(statement, values)
            found += [row[0] for row in cursor.fetchall()]
    return found


def _sql(template: str, **names: str) -> str:
    """``template`` with its table and column names filled in, quoted; values
    always go as parameters. ``{ids}`` stays for :func:`_matching`."""
    quoted = {key: connection.ops.quote_name(name) for key, name in names.items()}
    return template.format(ids="{ids}", **quoted)


DELETE = "DELETE FROM {table} WHERE {column} {ids}"
SELECT = "SELECT {pk} FROM {table} WHERE {column} {ids}"
UNLINK = "UPDATE {table} SET {column} = NULL WHERE {column} {ids}"
FORGET = "DELETE FROM {table} WHERE {kind} = %s AND {column} {ids}"


def _relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """The foreign keys pointing at ``model`` (hidden ones and m2m tables too)."""
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created
        and not field.concrete
        and (field.one_to_one or field.one_to_many)
    ]


def _is_leaf(model: type[models.Model]) -> bool:
    return not _relations(model)


class Cascade:
    """Deletes rows and what depends on them, as ``on_delete`` says.

    With ``execute=False`` it writes nothing and counts what it would delete
    (or unlink, for ``SET_NULL``), for a confirmation page. Delete the
    records in dependency order, dependents first (resources before their
    provider, topics before their subject): a ``PROTECT`` relation still
    holding rows raises :class:`~wayfinder.errors.Conflict`, as Django's
    ``ProtectedError`` would. Runs inside the caller's transaction.
    """

    def __init__(self, *, execute: bool) -> None:
        self.execute = execute
        self.deleted: Counter[str] = Counter()
        self.unlinked: Counter[str] = Counter()
        self._seen: defaultdict[type[models.Model], set[int]] = defaultdict(set)

    def pks(self, model: type[models.Model]) -> set[int]:
        """The primary keys of ``model`` deleted (or counted) so far."""
        return self._seen[model]

    def delete(self, model: type[models.Model], pks: Iterable[int]) -> None:
        seen = self._seen[model]
        pks = sorted(set(pks) - seen)
        if not pks:
            return
        seen.update(pks)
        for relation in _relations(model):
            self._follow(relation, pks)
        if self.execute:
            table, pk = model._meta.db_table, model._meta.pk.column
            _execute(_sql(DELETE, table=table, column=pk), pks)
        self.deleted[model._meta.label] += len(pks)
        if self.execute and ReferenceIndex.is_indexed(model):
            _references_forget(model, pks)

    def _follow(self, relation: models.ForeignObjectRel, pks: Sequence[int]) -> None:
        related, field = relation.related_model, relation.field
        on_delete = relation.on_delete
        if on_delete is CASCADE:
            if self.execute and _is_leaf(related):
                self._delete_leaf(related, field, pks)
            else:
                self.delete(related, self._referring(related, field, pks))
        elif on_delete is SET_NULL:
            self._unlink(related, field, pks)
        elif on_delete in (PROTECT, RESTRICT):
            self._check_protected(related, field, pks)
        # DO_NOTHING, SET_DEFAULT, SET(): no catalog relation uses them.

    def _referring(
        self, related: type[models.Model], field: models.Field, pks: Sequence[int]
    ) -> list[int]:
        meta = related._meta
        sql = _sql(SELECT, pk=meta.pk.column, table=meta.db_table, column=field.column)
        return _select(sql, pks)

    def _delete_leaf(
        self, related: type[models.Model], field: models.Field, pks: Sequence[int]
    ) -> None:
        """Rows nothing points at: delete by their foreign key, unread."""
        sql = _sql(DELETE, table=related._meta.db_table, column=field.column)
        count = _execute(sql, pks)
        self.deleted[related._meta.label] += count

    def _unlink(
        self, related: type[models.Model], field: models.Field, pks: Sequence[int]
    ) -> None:
        if self.execute:
            sql = _sql(UNLINK, table=related._meta.db_table, column=field.column)
            count = _execute(sql, pks)
        else:  # rows deleted anyway are not unlinked
            count = len(set(self._referring(related, field, pks)) - self.pks(related))
        self.unlinked[related._meta.label] += count

    def _check_protected(
        self, related: type[models.Model], field: models.Field, pks: Sequence[int]
    ) -> None:
        left = set(self._referring(related, field, pks)) - self.pks(related)
        if not left:
            return
        blockers = related._base_manager.filter(pk__in=sorted(left)[:10])
        shown = ", ".join(sorted(str(obj) for obj in blockers))
        more = ", ..." if len(left) > 10 else ""
        raise Conflict(
            f"Cannot delete: these {related._meta.verbose_name_plural} still "
            f"depend on what would go: {shown}{more}.",
            code="protected",
            details={"count": len(left)},
        )


def _references_forget(model: type[models.Model], pks: Sequence[int]) -> None:
    """Drop Wagtail's reference index rows from and to the deleted objects,
    as its ``post_delete`` receiver would."""
    content_type = ContentType.objects.get_for_model(model).pk
    meta = ReferenceIndex._meta
    ids = [str(pk) for pk in pks]
    for kind, object_id in (
        ("base_content_type", "object_id"),
        ("to_content_type", "to_object_id"),
    ):
        sql = _sql(
            FORGET,
            table=meta.db_table,
            kind=meta.get_field(kind).column,
            column=meta.get_field(object_id).column,
        )
        _execute(sql, ids, content_type)
