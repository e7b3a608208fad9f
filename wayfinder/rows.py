"""Many rows at once: inserting them (``COPY`` on PostgreSQL, else
``bulk_create``) and matching many values (:class:`Among`).

A stored plan is hundreds of steps and a thousand or more ranked resources;
an import of a large catalog, hundreds of thousands of child rows (topic
coverage, links, prerequisites). Building a model instance per row and
letting ``bulk_create`` prepare every value costs more than the database
takes to store them, so the roadmap store and the catalog import hand plain
rows (``{attname: value}``) to :func:`rows_insert`, which streams them
with PostgreSQL's ``COPY`` and falls back to ``bulk_create`` on other
databases (SQLite, the embedded default). Both paths store the same values:
a field missing from a row takes the model field's default, JSON fields are
encoded as Django encodes them, and every other value is given to the
database as it is.

Looking up the rows a plan names (a thousand or more resource slugs) costs
the same way: an ``IN`` list prepares and quotes every value in Python (1,500
slugs: 17 ms of CPU in the client, against 3 ms as one array parameter).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connection, models
from django.db.models.lookups import In, Lookup

#: Database vendors whose rows go through ``COPY``; any other uses ``bulk_create``.
COPY_VENDORS = frozenset({"postgresql"})

Row = Mapping[str, Any]


class JSONText(str):
    """A JSON field's value already encoded, for a caller that builds many
    similar values faster as text (the roadmap store's score parts): ``COPY``
    writes it as it is, ``bulk_create`` is given it decoded."""

    __slots__ = ()


class JSONTextField(models.TextField):
    """A JSON value kept as its text: the database stores it without parsing it.

    For values written in bulk, read back whole and never queried by key (a
    stored roadmap's score parts): a ``jsonb`` column parses every number of
    every row, about 5 ms of PostgreSQL's time for a roadmap's 1,200 score
    objects, a third of writing those rows (docs/performance.md). Reads give
    the decoded value, as ``JSONField`` does; a Python value is written
    encoded by ``json.dumps``, a :class:`JSONText` as it is.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, JSONText):
            return value
        return json.dumps(value)

    def value_to_string(self, obj: models.Model) -> str:
        return self.get_prep_value(self.value_from_object(obj))


class Among(Lookup):
    """``field IN values`` as a filter expression,
    ``Model.objects.filter(Among(F("slug"), slugs))``: on PostgreSQL
    ``= ANY(%s)`` with the values as one array parameter, elsewhere a plain
    ``IN`` (the caller keeps the list inside the backend's limits). The
    values are given to the database as they are, not prepared by the field.
    """

    lookup_name = "among"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


def rows_insert(
    model: type[models.Model], rows: Sequence[Row], *, ids: bool = False
) -> list[int]:
    """Insert ``rows`` (each a mapping of field attnames to values) as
    ``model`` rows in one statement (two with ``ids`` on PostgreSQL: the ids
    are taken from the table's sequence first). Returns the new rows' primary
    keys in the order of ``rows`` when ``ids`` is set, else an empty list.
    Raises the database's error (IntegrityError, DataError) when a row breaks
    a constraint: the caller's transaction decides what survives.
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if any(
        getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        for f in fields
    ):
        raise TypeError(f"{model.__name__}: auto_now fields are not filled here")
    unknown = set().union(*rows) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no field {sorted(unknown)[0]!r}")
    if connection.vendor in COPY_VENDORS:
        return _copy(model, fields, rows, ids=ids)
    created = model.objects.bulk_create([model(**_decoded(row)) for row in rows])
    return [obj.pk for obj in created] if ids else []


def _copy(
    model: type[models.Model],
    fields: list[models.Field],
    rows: Sequence[Row],
    *,
    ids: bool,
) -> list[int]:
    from psycopg import sql

    meta = model._meta
    columns = [f.column for f in fields]
    pks: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            pks = _ids_take(cursor, meta.db_table, meta.pk.column, len(rows))
            columns.insert(0, meta.pk.column)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(meta.db_table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
        )
        # Recorded like any query, so query counts and the debug log see it.
        debug_sql = getattr(cursor, "debug_sql", None)
        logged = debug_sql(statement.as_string(cursor.cursor)) if debug_sql else None
        # Raised as Django's errors (IntegrityError, OperationalError...), as
        # any other query's: callers and the job's retry rules expect those.
        with (
            connection.wrap_database_errors,
            logged or nullcontext(),
            cursor.cursor.copy(statement) as copy,
        ):
            for values in _values(fields, rows, pks):
                copy.write_row(values)
    return pks


def _decoded(row: Row) -> Row:
    if not any(isinstance(value, JSONText) for value in row.values()):
        return row
    return {
        name: json.loads(value) if isinstance(value, JSONText) else value
        for name, value in row.items()
    }


def _ids_take(cursor: Any, table: str, column: str, count: int) -> list[int]:
    """``count`` new primary keys from the table's sequence, ascending."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
        " ORDER BY 1",
        [table, column, count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def _values(
    fields: list[models.Field], rows: Sequence[Row], pks: list[int]
) -> Iterator[list[Any]]:
    """Each row's values in ``fields`` order (after its primary key, when
    ``pks`` are given) as ``COPY`` takes them: a field missing from a row
    takes its default (what ``model(**row)`` would hold), JSON is encoded as
    Django encodes it (``JSONText`` is already), None in a JSON field is SQL
    NULL as Django stores it."""
    names = [f.attname for f in fields]
    defaults = [f.get_default() for f in fields]
    # One encoder per field for all rows: ``json.dumps(value, cls=...)`` would
    # build a new one per value, which cost about as much as the encoding.
    encoded = [
        (index, (getattr(field, "encoder", None) or json.JSONEncoder)().encode)
        for index, field in enumerate(fields)
        if isinstance(field, models.JSONField | JSONTextField)
    ]
    for index, row in enumerate(rows):
        values = list(map(row.get, names, defaults))
        for at, encode in encoded:
            value = values[at]
            if value is not None and not isinstance(value, JSONText):
                values[at] = encode(value)
        if pks:
            values.insert(0, pks[index])
        yield values
