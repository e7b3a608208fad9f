"""Catalog writes schedule the re-indexing of the documents they touch.

Receivers, against the habit of keeping logic out of signals, for the reason
``taxonomy/signals.py`` gives: every write path (services, the import,
Wagtail's snippet views, the shell) must reach the index. They do no query:
they note the changed ids, and :func:`search.services.search_index_enqueue`
hands them to Huey when the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

# model label -> (catalog kind, attribute holding that kind's id)
SOURCES = {
    "taxonomy.Subject": ("subject", "pk"),
    "taxonomy.Topic": ("topic", "pk"),
    "taxonomy.Track": ("track", "pk"),
    "catalog.Provider": ("provider", "pk"),
    "catalog.Resource": ("resource", "pk"),
    "catalog.ResourceTopic": ("resource", "resource_id"),
    "catalog.ResourceLink": ("resource", "resource_id"),
}


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .services import search_index_enqueue

    kind, attribute = SOURCES[sender._meta.label]
    search_index_enqueue(kind=kind, ids=[getattr(instance, attribute)])


def _targets_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from .services import search_index_enqueue

    if reverse:  # topic.tracks.add(...): the tracks are in pk_set
        search_index_enqueue(kind="track", ids=pk_set or [])
    else:
        search_index_enqueue(kind="track", ids=[instance.pk])


def connect() -> None:
    """Connect the receivers (called from ``SearchConfig.ready``)."""
    for label in SOURCES:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"search-save-{label}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"search-delete-{label}"
        )
    through = apps.get_model("taxonomy.Track").targets.through
    m2m_changed.connect(
        _targets_changed, sender=through, dispatch_uid="search-track-targets"
    )
