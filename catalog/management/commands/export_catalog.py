"""``manage.py export_catalog PATH``: write the whole catalog as one file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.transfer import catalog_dumps, catalog_export


class Command(BaseCommand):
    help = (
        "Export the catalog in the catalog format (docs/catalog-format.md): "
        "records by slug, keys sorted, the same bytes for the same catalog."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", help='the file to write, or "-" for standard output'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = catalog_export()
        text = catalog_dumps(data)
        if options["path"] == "-":
            self.stdout.write(text, ending="")
            return
        write_atomically(Path(options["path"]), text)
        counts = ", ".join(
            f"{len(data[kind])} {kind}"
            for kind in ("providers", "subjects", "topics", "tracks", "resources")
        )
        self.stderr.write(f"Wrote {counts} to {options['path']}.")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (temporary file + rename)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
