"""``manage.py catalog_report [--json]``: the catalog health report."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from catalog.reports import catalog_health_report


class Command(BaseCommand):
    help = (
        "Print the catalog health report: thin topics, language and level gaps, "
        "orphan topics, resources covering no topic, broken links by provider."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the report as JSON (sorted keys, stable order).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = catalog_health_report()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, sort_keys=True))
        else:
            self.stdout.write("\n".join(report.lines()))
