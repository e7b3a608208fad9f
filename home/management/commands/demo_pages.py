"""``manage.py demo_pages``: the site's demo pages, created once.

Fills the home page's content when it has none, adds a SubjectPage for each
catalog subject without one and the about, help and privacy pages. Safe to
run again: existing pages and edited content stay as they are.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from home.models import HomePage
from home.services import demo_pages_ensure
from wayfinder.errors import command_errors


class Command(BaseCommand):
    help = "Create the demo site pages (home content, subject, about, help, privacy)."

    @command_errors()
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = demo_pages_ensure()
        except HomePage.DoesNotExist:
            raise CommandError(
                "There is no home page: run `manage.py migrate`."
            ) from None
        home = "content added" if report.home_filled else "kept as it was"
        self.stdout.write(f"Home page: {home}.")
        for label, slugs in (
            ("Subject pages", report.subject_pages_created),
            ("Standard pages", report.standard_pages_created),
        ):
            created = ", ".join(f"/{slug}/" for slug in slugs) or "none new"
            self.stdout.write(f"{label} created: {created}.")
