"""Data steps of the migrations that made catalog identity case-folded.

Shared by taxonomy's and catalog's migrations, which pass their historical
models. Kept apart from the models so that a migration never depends on how
the models read today.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models.functions import Length


def identity_rows_prepare(
    model: Any, *, text_limits: dict[str, int], names_unique: bool = False
) -> None:
    """Make ``model``'s rows fit lowercase slugs, text limits and (with
    ``names_unique``) names unique ignoring case.

    A slug with uppercase letters is lowercased when nothing else holds the
    lowercase form. What cannot be fixed without choosing between records (two
    slugs or names that differ only by case, text over its limit) stops the
    migration with one line per record, for an operator to rename, shorten or
    delete, then migrate again.
    """
    label = model._meta.verbose_name
    problems: list[str] = []
    taken = set(model.objects.values_list("slug", flat=True))
    folds: list[tuple[int, str]] = []
    for pk, slug in model.objects.order_by("slug").values_list("pk", "slug"):
        lower = slug.lower()
        if lower == slug:
            continue
        if lower in taken:
            problems.append(
                f"{label} slug {slug!r} differs only by case from {lower!r}"
            )
        else:
            taken.add(lower)
            folds.append((pk, lower))
    if names_unique:
        by_name: dict[str, list[str]] = defaultdict(list)
        for name, slug in model.objects.order_by("slug").values_list("name", "slug"):
            by_name[name.lower()].append(f"{name!r} (slug {slug!r})")
        problems += [
            f"{label} names differ only by case: {', '.join(same)}"
            for same in by_name.values()
            if len(same) > 1
        ]
    for field, limit in text_limits.items():
        rows = model.objects.annotate(length=Length(field)).filter(length__gt=limit)
        problems += [
            f"{label} {slug!r}: {field} has {length} characters, at most {limit}"
            for slug, length in rows.order_by("slug").values_list("slug", "length")
        ]
    if problems:
        raise RuntimeError(
            "Records to fix before this migration (rename, shorten or delete "
            "them, then migrate again):\n" + "\n".join(problems)
        )
    for pk, lower in folds:
        model.objects.filter(pk=pk).update(slug=lower)
