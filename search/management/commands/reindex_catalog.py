"""``manage.py reindex_catalog``: rebuild the search indexes from the catalog."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from search.documents import KINDS
from search.services import BATCH_SIZE, search_reindex_all
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = (
        "Rebuild the search indexes (the database table, and Meilisearch when it "
        "is the configured backend) from the whole catalog, in batches."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--kind",
            dest="kinds",
            action="append",
            choices=KINDS,
            help="Only this kind of document (repeatable); all by default.",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--json", dest="as_json", action="store_true")

    @command_errors(prefix="reindex incomplete")
    def handle(self, *, kinds: list[str] | None, **options: Any) -> None:
        summary = search_reindex_all(
            kinds=kinds or KINDS, batch_size=options["batch_size"]
        )
        if options["as_json"]:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
            return
        counts = ", ".join(f"{n} {kind}s" for kind, n in summary.documents.items())
        self.stdout.write(
            f"Indexed {counts} into {', '.join(summary.backends)} "
            f"in {summary.seconds:.2f} s."
        )
