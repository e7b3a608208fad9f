"""``manage.py import_catalog PATH``: upsert a catalog file, all or nothing."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.transfer import CatalogImportError, catalog_import
from catalog.transfer.parsing import CatalogParseError, catalog_loads
from taxonomy.models import Topic


class Command(BaseCommand):
    help = (
        "Import a catalog file (docs/catalog-format.md). Every problem is listed "
        "with its JSON path and nothing is written unless the whole file is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help='the catalog file, or "-" for standard input')
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and report what would change, without writing",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the summary as JSON"
        )
        parser.add_argument(
            "--only-if-empty",
            action="store_true",
            help="do nothing when the database already holds topics (make run uses "
            "this so a second run never overwrites curators' edits)",
        )
        parser.add_argument(
            "--rebuild-references",
            action="store_true",
            help="after a change, rebuild Wagtail's reference index (the admin's "
            "'used by' counts and delete protection); bulk writes bypass it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["only_if_empty"] and Topic.objects.exists():
            self.stdout.write("The catalog already holds topics: nothing imported.")
            return
        data = read_document(options["path"])
        try:
            summary = catalog_import(
                data=data, dry_run=options["dry_run"], reindex="now"
            )
        except CatalogImportError as error:
            for found in error.errors:
                self.stderr.write(str(found))
            raise CommandError(str(error)) from None
        for warning in summary.warnings:
            self.stderr.write(f"warning: {warning}")
        if options["rebuild_references"] and summary.changed and not options["dry_run"]:
            call_command("rebuild_references_index", verbosity=0)
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2, sort_keys=True))
        else:
            for line in summary.lines():
                self.stdout.write(line)


def read_document(path: str) -> object:
    """The parsed JSON of ``path`` ("-" for standard input), or CommandError.

    Read as the admin upload reads: a UTF-8 byte order mark is skipped, and
    nesting deeper than any catalog is refused before parsing.
    """
    name = "standard input" if path == "-" else path
    try:
        if path == "-":
            # Bytes when there are (a terminal or a pipe), so the file's own
            # encoding is checked, not the locale's.
            stream = getattr(sys.stdin, "buffer", None)
            text = stream.read().decode("utf-8") if stream else sys.stdin.read()
        else:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
        return catalog_loads(text)
    except CatalogParseError as error:
        raise CommandError(f"{name} is not a catalog: {error}") from None
    except OSError as error:
        raise CommandError(f"cannot read {name}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise CommandError(f"{name} is not UTF-8 text: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{name} is not valid JSON: {error.msg} "
            f"(line {error.lineno}, column {error.colno})"
        ) from None
