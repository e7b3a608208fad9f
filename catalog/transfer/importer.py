"""Validate and import a catalog document."""

from __future__ import annotations

import functools
from typing import cast

from django.conf import settings
from django.db import transaction

from catalog.signals import REBUILD_MODES, catalog_bulk_write, catalog_imported
from taxonomy.services import catalog_version_batch, catalog_version_lock

from .apply import import_plan_apply
from .build import import_plan_build
from .checks import document_issues, document_text, document_warnings, existing_load
from .issues import CatalogImportError, ImportIssue, issues_sorted
from .plan import ImportPlan
from .repeat import (
    document_digest,
    import_key,
    outcome_get,
    outcome_keep,
    repeat_summary,
)
from .summary import ImportSummary
from .translations import translations_apply, translations_plan


def catalog_validate(*, data: object) -> list[ImportIssue]:
    """Every problem that would make :func:`catalog_import` refuse ``data``.

    ``data`` is a parsed JSON document. Returns the issues in document order,
    each with its JSON path; an empty list means the import would succeed.
    Reads the database (references to records that already exist are
    accepted, cycles are looked for in the database's graph and the file's
    together) and writes nothing.
    """
    issues, _ = _prepare(data, document_text(data))
    return issues


@transaction.atomic
def catalog_import(
    *, data: object, dry_run: bool = False, reindex: str = "task"
) -> ImportSummary:
    """Upsert the records of ``data`` (a parsed catalog document), all or nothing.

    Records are matched by slug (resources by slug, else by primary URL); a
    record's prerequisites, targets, group members, covered topics and links
    replace the stored ones (group prerequisites and target groups too, when
    the record has the key); nothing absent from the document is deleted. Unchanged
    records are not written, so importing the same document twice writes
    nothing and leaves the catalog version alone; any change bumps it once.
    With ``dry_run`` the writes are made and rolled back. A document imported
    before against the very rows the catalog holds now is answered from the
    cache, without validating or planning again (``repeat``).

    The writes are marked as a bulk write (``catalog.signals``), which holds
    per-object search indexing off; after a change that commits,
    ``catalog_imported`` asks for the search indexes to be rebuilt: by a Huey
    task (``reindex="task"``, right for the admin), in the caller's process
    (``"now"``, the command) or not at all (``"none"``, when the caller
    rebuilds later).

    Returns an :class:`ImportSummary`, with warnings for resource and link
    URLs that point at private addresses (``LINKCHECK["ALLOWED_NETWORKS"]``
    excepted): imported, but the link checker will not reach them. Raises :class:`CatalogImportError`
    listing every problem, having written nothing, and ``ValueError`` for an
    unknown ``reindex``.
    """
    if reindex not in REBUILD_MODES:
        raise ValueError(f"reindex must be 'task', 'now' or 'none', not {reindex!r}")
    # The lock that prerequisite_add takes: no concurrent edit can close a
    # cycle between our check and our writes.
    catalog_version_lock()
    # An outcome kept for this document against these very rows (.repeat).
    text = document_text(data)
    document = document_digest(text)
    key = import_key(document)
    if (kept := outcome_get(key, dry_run=dry_run)) is not None:
        return kept
    issues, plan = _prepare(data, text)
    if plan is None:
        raise CatalogImportError(issues)
    plan.summary.dry_run = dry_run
    outcome_keep(key, plan.summary)
    if plan.summary.changed:
        with transaction.atomic():
            with catalog_version_batch(), catalog_bulk_write():
                import_plan_apply(plan=plan)
                translations_apply(plan.translations)
            if dry_run:
                transaction.set_rollback(True)
        if not dry_run:
            outcome_keep(import_key(document), repeat_summary(plan.summary))
            transaction.on_commit(
                functools.partial(
                    catalog_imported.send, sender=ImportPlan, rebuild=reindex
                )
            )
    return plan.summary


def _prepare(
    data: object, text: str | None
) -> tuple[list[ImportIssue], ImportPlan | None]:
    issues = document_issues(data, existing_load(), text=text)
    if issues:
        return issues_sorted(issues), None
    # document_issues refused non-objects
    doc = cast(dict, data)
    plan = import_plan_build(doc=doc)
    if plan.issues:
        return issues_sorted(plan.issues), None
    plan.translations = translations_plan(doc=doc, summary=plan.summary)
    allowed = settings.LINKCHECK.get("ALLOWED_NETWORKS", ())
    plan.summary.warnings = document_warnings(doc, allowed_networks=allowed)
    return [], plan
