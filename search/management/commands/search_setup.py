"""``manage.py search_setup``: create the engine's indexes and apply their settings."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from search.backends import SearchUnavailable
from search.services import search_setup


class Command(BaseCommand):
    help = (
        "Create the search indexes and apply their settings (searchable, "
        "filterable and sortable attributes, synonyms, typo tolerance, ranking "
        "rules). Idempotent; reindex_catalog runs it too."
    )

    def handle(self, **options: Any) -> None:
        try:
            names = search_setup()
        except SearchUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Search set up: {', '.join(names)}.")
