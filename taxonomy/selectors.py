"""Reads of the taxonomy."""

from __future__ import annotations

from .models import CatalogVersion


def catalog_version_current() -> int:
    """The catalog version (``CatalogVersion.value``; 1 before any change).

    A write after this read moves the version again, even in the same
    transaction (``taxonomy.services.catalog_version_bump``).
    """
    from .services import catalog_version_read

    catalog_version_read()
    value = CatalogVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    return int(value) if value is not None else 1
