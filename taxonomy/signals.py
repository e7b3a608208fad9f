"""Keep the catalog version moving with every write to catalog data.

A receiver is used, against the habit of keeping logic out of signals, because
the counter must move for *every* write path (services, the import, Wagtail's
snippet views, the shell) and in the same transaction as the write; Wagtail's
``after_edit_snippet`` hooks run after the view's transaction has committed.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

CATALOG_MODELS = (
    "taxonomy.Subject",
    "taxonomy.Topic",
    "taxonomy.Prerequisite",
    "taxonomy.Track",
    "catalog.Provider",
    "catalog.Resource",
    "catalog.ResourceTopic",
    "catalog.ResourceLink",
)


def _bump(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    from .services import catalog_version_bump

    catalog_version_bump()


def _bump_m2m(sender: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        _bump(sender)


def connect() -> None:
    for label in CATALOG_MODELS:
        model = apps.get_model(label)
        post_save.connect(
            _bump, sender=model, dispatch_uid=f"catalog-version-save-{label}"
        )
        post_delete.connect(
            _bump, sender=model, dispatch_uid=f"catalog-version-del-{label}"
        )
    through = apps.get_model("taxonomy.Track").targets.through
    m2m_changed.connect(
        _bump_m2m, sender=through, dispatch_uid="catalog-version-track-targets"
    )
