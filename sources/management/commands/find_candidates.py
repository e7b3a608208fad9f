"""``manage.py find_candidates --topic SLUG [--source NAME]``: search now."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sources.registry import sources_named
from sources.services import candidates_find
from taxonomy.models import Topic
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = (
        "Search the enabled sources for one topic, queue what they find for "
        "curator review and print each queued candidate. Exits 1 when every "
        "source failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--topic", required=True, metavar="SLUG")
        parser.add_argument(
            "--source",
            action="append",
            metavar="NAME",
            help="Only this source (repeatable); all enabled sources by default.",
        )

    @command_errors("find_candidates")
    def handle(self, *args: Any, **options: Any) -> None:
        topic = (
            Topic.objects.select_related("subject")
            .filter(slug=options["topic"])
            .first()
        )
        if topic is None:
            raise CommandError(
                f"find_candidates: no topic with slug {options['topic']!r}."
            )
        try:
            sources = sources_named(options["source"])
        except ImproperlyConfigured as exc:
            # A wrong SOURCES_ENABLED or SOURCE_*_URL is the operator's to fix:
            # say which, without a traceback.
            raise CommandError(f"find_candidates: {exc}") from exc
        if not sources:
            raise CommandError(
                "find_candidates: no source is enabled (SOURCES_ENABLED); "
                "nothing was searched."
            )
        summary = candidates_find(topic=topic, sources=sources)
        for failure in summary.failures:
            self.stderr.write(
                f"{failure.source} failed for {failure.query!r}: {failure.error}"
            )
        if summary.all_failed:
            raise CommandError(
                f"find_candidates: every source failed ({len(summary.failures)} "
                f"searches); nothing was queued for {topic.slug}."
            )
        for candidate in summary.queued:
            self.stdout.write(f"{candidate.title}\t{candidate.url}\t{candidate.source}")
        self.stdout.write(
            f"Queued {len(summary.queued)} candidates for {topic.slug} "
            f"({summary.searches} searches, {len(summary.failures)} failed, "
            f"{summary.skipped} left out)."
        )
