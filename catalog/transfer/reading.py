"""Reading what the database holds for a document's records, in few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import models

CHUNK = 900  # below SQLite's 999 parameters per query
WHOLE_TABLE = 10 * CHUNK


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def slug_ids(model: type[models.Model]) -> dict[str, int]:
    """``{slug: pk}`` of every row."""
    return dict(model.objects.order_by().values_list("slug", "pk"))


def narrowed(
    query: models.QuerySet, lookup: str, values: Iterable[Any]
) -> tuple[set[Any], list[models.QuerySet]]:
    """The wanted values, and ``query`` narrowed to them: one query per chunk,
    or the whole table in one go when that many rows are wanted anyway (a
    scan beats hundreds of long ``IN`` lists)."""
    wanted = set(values)
    if len(wanted) > WHOLE_TABLE:
        return wanted, [query]
    batches = chunks(sorted(wanted))
    return wanted, [query.filter(**{f"{lookup}__in": batch}) for batch in batches]


def existing_rows(
    model: type[models.Model],
    fields: Iterable[str],
    *,
    refs: Iterable[str] = (),
    key: str = "slug",
    values: Iterable[Any],
) -> dict[Any, dict[str, Any]]:
    """Existing rows whose ``key`` is in ``values``, as plain dicts by ``key``;
    a foreign key in ``refs`` comes as the related row's slug."""
    refs = tuple(refs)
    names = ["pk", "slug", *fields, *(f"{ref}__slug" for ref in refs)]
    wanted, queries = narrowed(model.objects.order_by(), key, values)
    out = {}
    for query in queries:
        for row in query.values(*dict.fromkeys(names)):
            if row[key] in wanted:
                for ref in refs:
                    row[ref] = row.pop(f"{ref}__slug")
                out[row[key]] = row
    return out


def existing_children(
    model: type[models.Model], parent: str, pks: Iterable[int], *columns: str
) -> dict[int, list[tuple[Any, ...]]]:
    """The child rows of each parent in ``pks``, as tuples of ``columns``."""
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    wanted, queries = narrowed(model.objects.order_by(), parent, pks)
    for query in queries:
        for parent_pk, *values in query.values_list(f"{parent}_id", *columns):
            if parent_pk in wanted:
                out[parent_pk].append(tuple(values))
    return out
