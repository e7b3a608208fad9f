"""``manage.py delete_catalog``: delete subjects with everything under them,
or the whole catalog, in one bulk delete (``catalog.services.catalog_delete``)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.services import catalog_delete
from taxonomy.models import Subject
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = (
        "Delete subjects with their topics, tracks, choice groups and the "
        "resources only they use, or the whole catalog, all or nothing, and "
        "re-index search once. Counts first with --dry-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--subject", action="append", metavar="SLUG", help="a subject (repeatable)"
        )
        which.add_argument(
            "--everything", action="store_true", help="the whole catalog"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would go, delete nothing"
        )
        parser.add_argument(
            "--yes", action="store_true", help="delete (required unless --dry-run)"
        )
        parser.add_argument("--json", action="store_true", help="print counts as JSON")

    @command_errors("Nothing was deleted")
    def handle(self, *args: Any, **options: Any) -> None:
        if not options["dry_run"] and not options["yes"]:
            raise CommandError("Pass --yes to delete, or --dry-run to count first.")
        subject_ids = _subject_ids(options["subject"] or [])
        deletion = catalog_delete(
            subject_ids=subject_ids,
            everything=options["everything"],
            dry_run=options["dry_run"],
            reindex="now",
        )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "dry_run": deletion.dry_run,
                        "deleted": deletion.deleted,
                        "unlinked": deletion.unlinked,
                    },
                    indent=2,
                    sort_keys=True,
                )
            )
            return
        verb = "would delete" if deletion.dry_run else "deleted"
        for label, count in sorted(deletion.deleted.items()):
            self.stdout.write(f"{label}: {count} {verb}")
        for label, count in sorted(deletion.unlinked.items()):
            self.stdout.write(f"{label}: {count} kept, unlinked")


def _subject_ids(slugs: list[str]) -> list[int]:
    found = dict(Subject.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    if missing := sorted(set(slugs) - set(found)):
        raise CommandError(f"No subject with the slug {', '.join(missing)}.")
    return list(found.values())
