"""The catalog version follows every catalog write; the apps above the catalog
hear of the writes that send no model signal.

Receivers move the catalog version, against the habit of keeping logic out of
signals, because the counter must move for *every* write path (services, the
import, Wagtail's snippet views, the shell) and in the same transaction as
the write; Wagtail's ``after_edit_snippet`` hooks run after the view's
transaction has committed. They are connected here, for every model of
``catalog.registry.CATALOG_MODELS``, from ``CatalogConfig.ready``: the
catalog owns the list and the taxonomy below it cannot import it.

The catalog sits below the apps that derive data from it (search), so it never
calls them. It sends these signals instead, and they connect receivers in
their own ``ready()``:

- :data:`resources_updated` (``ids``): resources changed by a queryset
  ``.update()``, which sends no ``post_save`` (the link checker's health
  changes). Sent in the writer's transaction.
- :data:`catalog_imported` (``rebuild``): an import committed changes it wrote
  inside :func:`catalog_bulk_write`. ``rebuild`` says how derived data is to
  be rebuilt: ``"task"`` in the background, ``"now"`` in this process, or
  ``"none"`` (the caller rebuilds later). Sent after the commit.
- :data:`catalog_bulk_deleting` (``deleted``, ``rebuild``): a bulk delete
  (``catalog.services.catalog_delete``) is about to remove these records,
  ``{kind: [id, ...]}`` for the kinds subject, topic, track, provider and
  resource, or ``None`` when the whole catalog goes. Sent in the deleting
  transaction *before* any row goes, so receivers can still read what
  depends on them; they act on commit, as ``rebuild`` says.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from taxonomy.services import catalog_version_bump

from .registry import CATALOG_M2M_FIELDS, CATALOG_MODELS

resources_updated = Signal()
catalog_imported = Signal()
catalog_bulk_deleting = Signal()
REBUILD_MODES = ("task", "now", "none")

_bulk_write: ContextVar[bool] = ContextVar("catalog_bulk_write", default=False)


@contextlib.contextmanager
def catalog_bulk_write() -> Iterator[None]:
    """Mark a bulk write: per-object receivers of the apps above hold off.

    The writer then tells them once, by :data:`catalog_imported`, so a
    100k-row import does not queue 100k index updates.
    """
    token = _bulk_write.set(True)
    try:
        yield
    finally:
        _bulk_write.reset(token)


def catalog_bulk_write_active() -> bool:
    """True inside :func:`catalog_bulk_write`."""
    return _bulk_write.get()


def _bump(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loaddata writes rows as stored, the fixture's version included
    catalog_version_bump()


def _bump_m2m(sender: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        catalog_version_bump()


def connect() -> None:
    """Connect the catalog-version receivers (called from ``CatalogConfig.ready``)."""
    for label in CATALOG_MODELS:
        model = apps.get_model(label)
        post_save.connect(
            _bump, sender=model, dispatch_uid=f"catalog-version-save-{label}"
        )
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"catalog-version-del-{label}"
        )
    for label, field in CATALOG_M2M_FIELDS:
        through = getattr(apps.get_model(label), field).through
        m2m_changed.connect(
            _bump_m2m,
            sender=through,
            dispatch_uid=f"catalog-version-m2m-{label}.{field}",
        )
