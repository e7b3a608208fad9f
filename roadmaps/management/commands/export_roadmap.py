"""``manage.py export_roadmap ID --out FILE``: a roadmap's export, for operators.

Writes exactly the bytes ``POST /api/v1/roadmaps/{id}/export`` stores for the
roadmap's current state (validated against the schema), without storing
anything and without an owner check. docs/export-contract.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from roadmaps.services.export import export_bytes_for
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = (
        "Write a roadmap's JSON export (schemas/roadmap-export.v1.schema.json): "
        "the same bytes the export endpoint stores for its current state."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("roadmap_id", type=int, metavar="ID", help="roadmap id")
        parser.add_argument(
            "--out",
            required=True,
            metavar="FILE",
            help='the file to write, or "-" for standard output',
        )

    @command_errors()
    def handle(self, *args: Any, **options: Any) -> None:
        data = export_bytes_for(roadmap_id=options["roadmap_id"])
        if options["out"] == "-":
            self._write_stdout(data)
            return
        write_atomically(Path(options["out"]), data)
        self.stderr.write(
            f"Wrote {len(data)} bytes of roadmap {options['roadmap_id']} "
            f"to {options['out']}."
        )

    def _write_stdout(self, data: bytes) -> None:
        # The bytes themselves, whatever the terminal's encoding; a text-only
        # stream (a StringIO in tests) gets the same text.
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        self.stdout.flush()
        buffer.write(data)
        buffer.flush()


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (temporary file + rename)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None
