"""``manage.py search_catalog QUERY``: ranked results with their scores."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search.backends import FACETS, SearchResults
from search.documents import KINDS
from search.selectors import catalog_search
from wayfinder.errors import command_errors


def _filter_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise CommandError(f"--filter takes key=value, got {text!r}")
    return name.strip(), value.strip()


class Command(BaseCommand):
    help = (
        "Search the catalog with the configured backend (falling back to the "
        "database) and print the ranked results with their scores."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("query", nargs="?", default="", help="What to look for.")
        parser.add_argument(
            "--filter",
            dest="filters",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="subject, topic, provider, format, language, level, cost, "
            "link_health, duration_min, duration_max; repeat a key (or separate "
            "values with commas) for alternatives.",
        )
        parser.add_argument("--kind", choices=KINDS, default="resource")
        parser.add_argument(
            "--facet",
            dest="facets",
            action="append",
            default=[],
            help="Count the matches per value of this field (repeatable; "
            "'all' for every facet of the kind).",
        )
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--per-page", type=int, default=10)
        parser.add_argument(
            "--include-broken",
            action="store_true",
            help="Include resources whose primary link is broken (curators).",
        )
        parser.add_argument("--json", dest="as_json", action="store_true")

    @command_errors()
    def handle(self, *, query: str, filters: list[str], **options: Any) -> None:
        selected: dict[str, list[str]] = {}
        for name, value in map(_filter_pair, filters):
            selected.setdefault(name, []).append(value)
        facets = options["facets"]
        if "all" in facets:
            facets = list(FACETS[options["kind"]])
        results = catalog_search(
            query=query,
            kind=options["kind"],
            filters=selected,
            facets=facets,
            page=options["page"],
            per_page=options["per_page"],
            include_broken=options["include_broken"],
        )
        if options["as_json"]:
            self.stdout.write(json.dumps(results.as_dict(), indent=2, default=str))
        else:
            self._write_text(results)

    def _write_text(self, results: SearchResults) -> None:
        origin = results.backend
        if results.fallback_from:
            origin += f" (fallback: {results.fallback_from} unavailable)"
        self.stdout.write(f"{results.total} result(s) from {origin}")
        if results.corrected_query:
            self.stdout.write(f"Showing results for: {results.corrected_query}")
        first = (results.page - 1) * results.per_page
        for position, hit in enumerate(results.hits, start=first + 1):
            fields = hit.fields
            details = ", ".join(
                str(fields[key])
                for key in ("format", "language", "level", "cost")
                if fields.get(key)
            )
            self.stdout.write(
                f"{position:>3}. {hit.score:8.4f}  {fields.get('title', '')}"
                f"  [{fields.get('slug', hit.id)}]"
                + (f"  {details}" if details else "")
            )
        for name, counts in results.facets.items():
            shown = ", ".join(f"{value} {count}" for value, count in counts.items())
            self.stdout.write(f"{name}: {shown or '-'}")
