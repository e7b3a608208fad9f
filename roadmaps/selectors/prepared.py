"""Querysets compiled to SQL once per connection, run again with other values.

The roadmap detail runs the same few reads on every request with other ids.
Building each queryset and compiling it to SQL cost more CPU than the
database took to answer it (the roadmap read: about 0.85 ms to build and
compile, 0.1 ms to run, measured in-process). :class:`PreparedRows` builds the
queryset once with stand-in values, keeps its SQL and its compiler (for the
fields' converters), and afterwards only puts the real values in the place of
the stand-ins and runs the SQL.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import QuerySet

#: Stand-in values no real argument takes (ids are positive).
_STAND_IN = -(2**62)


class PreparedRows:
    """The rows of ``build(*arguments)``, a ``values_list`` queryset, with its
    SQL compiled once per database connection.

    ``build`` must take ``arity`` integer arguments and use each in a
    parameter of the query (never in its shape: no argument may choose a
    table, a join or a limit); :meth:`rows` checks that every argument was
    found among the compiled parameters.
    """

    def __init__(self, build: Callable[..., QuerySet], *, arity: int) -> None:
        self._build = build
        self._stand_ins = tuple(_STAND_IN - i for i in range(arity))
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _compile(self, connection: Any) -> tuple[str, list, list[int | None], Any]:
        queryset = self._build(*self._stand_ins)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = [
            self._stand_ins.index(p) if p in self._stand_ins else None for p in params
        ]
        if {s for s in slots if s is not None} != set(range(len(self._stand_ins))):
            raise ValueError(
                "every argument of a prepared query must be one of its parameters"
            )
        # The compiler converts the rows as the queryset would (JSON, dates on
        # SQLite); ``results_iter`` needs its select list set up by as_sql.
        return sql, list(params), slots, compiler

    def rows(self, *arguments: int, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        """The query's rows for these ``arguments`` (one query)."""
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            with self._lock:
                compiled = self._compile(connection)
                self._compiled[connection] = compiled
        sql, params, slots, compiler = compiled
        values = [
            p if s is None else arguments[s] for p, s in zip(params, slots, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            fetched = cursor.fetchall()
        return list(compiler.results_iter(results=[fetched], tuple_expected=True))


def concrete_attnames(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """The attribute names of ``model``'s concrete fields among ``names``
    (field names or attribute names), in the model's field order: the order
    :meth:`Model.from_db` reads a partial row in. The primary key always."""
    wanted = set(names)
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.primary_key or f.name in wanted or f.attname in wanted
    ]


def instance_from_row(
    model: type[models.Model],
    attnames: Sequence[str],
    row: Sequence[Any],
    using: str = DEFAULT_DB_ALIAS,
) -> models.Model:
    """A ``model`` instance loaded from ``row`` (values of ``attnames``, in the
    model's field order), as the ORM would load it: the other fields deferred."""
    return model.from_db(using, list(attnames), list(row))
