"""Catalog import and export in the catalog format (docs/catalog-format.md).

- :func:`catalog_validate` lists every problem of a document, with JSON paths.
- :func:`catalog_import` upserts a document, all or nothing, and summarises.
- :func:`catalog_export` gives the whole catalog as a document;
  :func:`catalog_dumps` its canonical, byte-stable text.
"""

from __future__ import annotations

from .export import catalog_dumps, catalog_export
from .importer import catalog_import, catalog_validate
from .issues import CatalogImportError, ImportIssue
from .schema import SCHEMA_PATH, catalog_schema
from .summary import ImportSummary

__all__ = [
    "SCHEMA_PATH",
    "CatalogImportError",
    "ImportIssue",
    "ImportSummary",
    "catalog_dumps",
    "catalog_export",
    "catalog_import",
    "catalog_schema",
    "catalog_validate",
]
