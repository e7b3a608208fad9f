"""Catalog writes schedule the re-indexing of the documents they touch.

Receivers, against the habit of keeping logic out of signals, for the reason
``catalog/signals.py`` gives: every write path (services, the import,
Wagtail's snippet views, the shell) must reach the index. They do no query:
they note the changed ids, and :func:`search.services.search_index_enqueue`
hands them to Huey when the transaction commits.

The catalog never calls search (it sits below it); its own signals say what
model signals cannot: resources changed by a bulk ``.update()``, and an
import that held the per-object receivers off and wants one rebuild.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from catalog.registry import CATALOG_M2M_FIELDS, CATALOG_MODELS
from catalog.signals import catalog_bulk_deleting, catalog_imported, resources_updated

# model label -> (catalog kind, attribute holding that kind's id)
SOURCES = {
    "taxonomy.Subject": ("subject", "pk"),
    "taxonomy.Topic": ("topic", "pk"),
    "taxonomy.Track": ("track", "pk"),
    "taxonomy.TrackTarget": ("track", "track_id"),
    "catalog.Provider": ("provider", "pk"),
    "catalog.Resource": ("resource", "pk"),
    "catalog.ResourceTopic": ("resource", "resource_id"),
    "catalog.ResourceLink": ("resource", "resource_id"),
}
# Catalog models no search document shows: the prerequisite graph and the
# choice groups (matched in the database by the admin, docs/search.md).
NOT_INDEXED = frozenset(
    {
        "taxonomy.Prerequisite",
        "taxonomy.ChoiceGroup",
        "taxonomy.ChoiceGroupMember",
        "taxonomy.GroupPrerequisite",
    }
)
# Catalog many-to-many relations search follows: a track's document lists its
# target topics (see _targets_changed); its target groups re-index it too.
M2M_SOURCES = frozenset(
    {("taxonomy.Track", "targets"), ("taxonomy.Track", "target_groups")}
)


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .services import search_index_enqueue

    kind, attribute = SOURCES[sender._meta.label]
    search_index_enqueue(kind=kind, ids=[getattr(instance, attribute)])


def _targets_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A track's targets changed, from either side of the relation."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from .services import search_index_enqueue

    if reverse:  # topic.tracks.add(...): the tracks are in pk_set
        search_index_enqueue(kind="track", ids=pk_set or [])
    else:
        search_index_enqueue(kind="track", ids=[instance.pk])


def _resources_updated(sender: Any, ids: Any, **kwargs: Any) -> None:
    from .services import search_index_enqueue

    search_index_enqueue(kind="resource", ids=ids)


def _catalog_imported(sender: Any, rebuild: str, **kwargs: Any) -> None:
    if rebuild == "task":
        from .tasks import reindex_all_task

        reindex_all_task()
    elif rebuild == "now":
        from .services import search_reindex_all

        search_reindex_all()


def _catalog_bulk_deleting(
    sender: Any, deleted: dict[str, list[int]] | None, rebuild: str, **kwargs: Any
) -> None:
    """Re-index, once the delete commits, the documents it touches: found
    now, while the rows that lead to them are still there."""
    if rebuild == "none":
        return
    if deleted is None:  # the whole catalog: a rebuild only prunes
        transaction.on_commit(functools.partial(_catalog_imported, sender, rebuild))
        return
    from .services import search_documents_affected

    changes: defaultdict[str, set[int]] = defaultdict(set)
    for kind, ids in deleted.items():
        for doc_kind, doc_ids in search_documents_affected(kind=kind, ids=ids).items():
            changes[doc_kind] |= doc_ids
    transaction.on_commit(
        functools.partial(
            _changes_reindex,
            {kind: sorted(ids) for kind, ids in changes.items()},
            rebuild,
        )
    )


def _changes_reindex(changes: dict[str, list[int]], rebuild: str) -> None:
    if rebuild == "task":
        from .tasks import reindex_changes_task

        reindex_changes_task(changes)
    else:
        from .services import search_index_changes

        search_index_changes(changes=changes)


def sources_check(
    *,
    models: Iterable[str] = CATALOG_MODELS,
    m2m_fields: Iterable[tuple[str, str]] = CATALOG_M2M_FIELDS,
) -> None:
    """Refuse to start when the catalog's lists and what search follows disagree.

    ``models`` and ``m2m_fields`` default to ``catalog.registry``'s lists. A
    catalog model search neither indexes nor declares in ``NOT_INDEXED``
    would silently go missing from search. Raises ``ImproperlyConfigured``.
    """
    declared, m2m = set(SOURCES) | NOT_INDEXED, set(m2m_fields)
    problems = [
        *(
            f"{label} is not in SOURCES or NOT_INDEXED"
            for label in models
            if label not in declared
        ),
        *(f"{label} is not a catalog model" for label in declared - set(models)),
        *(f"{'.'.join(pair)} is not in M2M_SOURCES" for pair in m2m - M2M_SOURCES),
        *(f"{'.'.join(pair)} is not a catalog relation" for pair in M2M_SOURCES - m2m),
    ]
    if problems:
        raise ImproperlyConfigured(
            "search.signals does not match catalog.registry: "
            + "; ".join(sorted(problems))
        )


def connect() -> None:
    """Connect the receivers (called from ``SearchConfig.ready``)."""
    sources_check()
    for label in SOURCES:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"search-save-{label}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"search-delete-{label}"
        )
    for label, field in M2M_SOURCES:
        through = getattr(apps.get_model(label), field).through
        m2m_changed.connect(
            _targets_changed, sender=through, dispatch_uid=f"search-{label}.{field}"
        )
    resources_updated.connect(_resources_updated, dispatch_uid="search-resources")
    catalog_imported.connect(_catalog_imported, dispatch_uid="search-import")
    catalog_bulk_deleting.connect(
        _catalog_bulk_deleting, dispatch_uid="search-bulk-delete"
    )
