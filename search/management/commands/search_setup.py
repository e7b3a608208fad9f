"""``manage.py search_setup``: create the engine's indexes and apply their settings."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from search.services import search_setup
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = (
        "Create the search indexes and apply their settings (searchable, "
        "filterable and sortable attributes, synonyms, typo tolerance, ranking "
        "rules). Idempotent; reindex_catalog runs it too."
    )

    @command_errors()
    def handle(self, **options: Any) -> None:
        names = search_setup()
        self.stdout.write(f"Search set up: {', '.join(names)}.")
