"""Catalog import and export timings on synthetic catalogs (plain timers).

    DATABASE_URL=postgres://... python bench/catalog_transfer.py --sizes 1000:10000

For each ``topics:resources`` size: generate, validate (and time its schema
check alone), import into an empty catalog, re-import unchanged, export. The catalog tables of the database in
DATABASE_URL are emptied first: point it at a benchmark database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wayfinder.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from catalog.models import Provider, Resource  # noqa: E402
from catalog.signals import catalog_bulk_write  # noqa: E402
from catalog.synthetic import catalog_synthesize  # noqa: E402
from catalog.transfer import (  # noqa: E402
    catalog_dumps,
    catalog_export,
    catalog_import,
    catalog_validate,
)
from catalog.transfer.schema import schema_issues  # noqa: E402
from taxonomy.models import Subject, Topic, Track  # noqa: E402
from taxonomy.services import catalog_version_batch  # noqa: E402


def timed(label: str, fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    print(f"  {label:<28} {time.perf_counter() - started:8.2f} s", flush=True)
    return value


def empty_catalog() -> None:
    # Deleting sends a signal per row: fold the version bumps into one and keep
    # search from queueing every row, or emptying 100k resources takes minutes.
    with catalog_version_batch(), catalog_bulk_write():
        Resource.objects.all().delete()
        Track.objects.all().delete()
        Topic.objects.all().delete()
        Subject.objects.all().delete()
        Provider.objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000:10000,10000:100000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    for size in args.sizes.split(","):
        topics, resources = (int(part) for part in size.split(":"))
        print(f"{topics} topics / {resources} resources")
        timed("empty the catalog", empty_catalog)
        document = timed(
            "generate",
            catalog_synthesize,
            topics=topics,
            resources=resources,
            seed=args.seed,
        )
        issues = timed("validate", catalog_validate, data=document)
        assert not issues, issues[:3]
        # Part of validate; once more alone, warm (the schema compiled).
        timed("  schema check alone, warm", schema_issues, document)
        summary = timed("import into empty catalog", catalog_import, data=document)
        assert summary.changed
        again = timed("re-import, unchanged", catalog_import, data=document)
        assert not again.changed
        text = timed("export + dumps", lambda: catalog_dumps(catalog_export()))
        print(f"  export size {len(text) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
