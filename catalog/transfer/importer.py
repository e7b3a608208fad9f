"""Validate and import a catalog document."""

from __future__ import annotations

from typing import cast

from django.db import transaction

from search.services import search_index_suspended, search_reindex_all
from taxonomy.services import catalog_version_batch, catalog_version_lock

from .apply import plan_apply
from .build import plan_build
from .checks import document_issues, existing_load
from .issues import CatalogImportError, ImportIssue, issues_sorted
from .plan import Plan
from .summary import ImportSummary


def catalog_validate(*, data: object) -> list[ImportIssue]:
    """Every problem that would make :func:`catalog_import` refuse ``data``.

    ``data`` is a parsed JSON document. Returns the issues in document order,
    each with its JSON path; an empty list means the import would succeed.
    Reads the database (references to records that already exist are
    accepted, cycles are looked for in the database's graph and the file's
    together) and writes nothing.
    """
    issues, _ = _prepare(data)
    return issues


@transaction.atomic
def catalog_import(
    *, data: object, dry_run: bool = False, reindex: str = "task"
) -> ImportSummary:
    """Upsert the records of ``data`` (a parsed catalog document), all or nothing.

    Records are matched by slug (resources by slug, else by primary URL); a
    record's prerequisites, targets, covered topics and links replace the
    stored ones; nothing absent from the document is deleted. Unchanged
    records are not written, so importing the same document twice writes
    nothing and leaves the catalog version alone; any change bumps it once.
    With ``dry_run`` the writes are made and rolled back.

    The bulk writes skip per-object search indexing; after a change that
    commits, the search indexes are rebuilt: by a Huey task (``reindex="task"``,
    right for the admin), in the caller's process (``"now"``, the command) or
    not at all (``"none"``, when the caller rebuilds later).

    Returns an :class:`ImportSummary`. Raises :class:`CatalogImportError`
    listing every problem, having written nothing.
    """
    # The lock that prerequisite_add takes: no concurrent edit can close a
    # cycle between our check and our writes.
    catalog_version_lock()
    issues, plan = _prepare(data)
    if plan is None:
        raise CatalogImportError(issues)
    plan.summary.dry_run = dry_run
    if plan.summary.changed:
        with transaction.atomic():
            with catalog_version_batch(), search_index_suspended():
                plan_apply(plan=plan)
            if dry_run:
                transaction.set_rollback(True)
        if not dry_run:
            _reindex_on_commit(reindex)
    return plan.summary


def _reindex_on_commit(mode: str) -> None:
    if mode == "task":
        from search.tasks import reindex_all_task

        transaction.on_commit(reindex_all_task)
    elif mode == "now":
        transaction.on_commit(search_reindex_all)
    elif mode != "none":
        raise ValueError(f"reindex must be 'task', 'now' or 'none', not {mode!r}")


def _prepare(data: object) -> tuple[list[ImportIssue], Plan | None]:
    issues = document_issues(data, existing_load())
    if issues:
        return issues_sorted(issues), None
    plan = plan_build(doc=cast(dict, data))  # document_issues refused non-objects
    if plan.issues:
        return issues_sorted(plan.issues), None
    return [], plan
