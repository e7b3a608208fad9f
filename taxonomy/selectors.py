"""Reads of the taxonomy."""

from __future__ import annotations

import hashlib

from django.db import connection

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


def catalog_version_cache_key(prefix: str, version: int) -> str:
    """A cache key for data derived from the catalog at ``version``.

    Version numbers only mean something within one database: a developer's
    database and a test database sharing a Redis must not swap entries, so
    the key carries a short hash of the database's identity.
    """
    where = connection.settings_dict
    identity = (connection.vendor, where.get("HOST"), where.get("PORT"), where["NAME"])
    database = hashlib.sha256(repr(identity).encode()).hexdigest()[:12]
    return f"{prefix}:{database}:v{version}"
