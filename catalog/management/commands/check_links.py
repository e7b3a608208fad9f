"""``manage.py check_links``: run the link checker now and print what it found."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from catalog.models import Resource, ResourceLink
from catalog.services import LinkCheckSummary, links_check


class Command(BaseCommand):
    help = (
        "Check resource links (those due, unless --all) and record the results. "
        "Exits 0 whatever the links answer; 1 only on bad arguments."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--all",
            "--force",
            dest="force",
            action="store_true",
            help="Check every link, not only the ones due for a check.",
        )
        parser.add_argument(
            "--resource",
            dest="resources",
            action="extend",
            nargs="+",
            default=[],
            metavar="SLUG",
            help="Check only these resources' links, due or not (repeatable).",
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print JSON."
        )

    def handle(
        self, *, force: bool, resources: list[str], as_json: bool, **options: Any
    ) -> None:
        links = None
        if resources:
            links = _links_of(resources)
            force = True  # naming a resource is asking for it to be checked now
        summary = links_check(links=links, force=force)
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
        else:
            self._write_text(summary, force=force)

    def _write_text(self, summary: LinkCheckSummary, *, force: bool) -> None:
        if not summary.checked and not summary.skipped:
            hint = "" if force else " (--all checks every link)"
            self.stdout.write(f"No links to check{hint}.")
            return
        self.stdout.write(
            f"Checked {summary.checked} links: {summary.healthy} healthy, "
            f"{summary.broken} broken, {summary.transient} transient; "
            f"{summary.skipped} skipped (host backing off)."
        )
        now_broken = ", ".join(summary.resources_now_broken) or "none"
        self.stdout.write(f"Resources now broken: {now_broken}")
        for link in summary.broken_links:
            status = link.status if link.status is not None else "-"
            self.stdout.write(
                self.style.ERROR(
                    f"BROKEN {link.resource} [{link.kind}] {link.url} "
                    f"status={status} error={link.error}"
                )
            )


def _links_of(slugs: list[str]) -> QuerySet[ResourceLink]:
    known = set(Resource.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    unknown = sorted(set(slugs) - known)
    if unknown:
        raise CommandError(f"Unknown resource slug(s): {', '.join(unknown)}")
    return ResourceLink.objects.filter(resource__slug__in=slugs)
