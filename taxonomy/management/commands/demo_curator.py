"""Create (once) the demo curator account that ``make run`` prints."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.groups import curators_group_ensure


def demo_curator_credentials() -> tuple[str, str]:
    """The demo curator's username and password ("" when none was made yet)."""
    username = os.environ.get("DEMO_CURATOR_USERNAME", "curator")
    password = os.environ.get("DEMO_CURATOR_PASSWORD", "")
    secret_file = Path(settings.VAR_DIR) / "demo-curator.txt"
    if not password and secret_file.exists():
        password = secret_file.read_text().strip()
    return username, password


class Command(BaseCommand):
    help = (
        "Ensure the demo curator account exists and print its credentials. "
        "DEMO_CURATOR_USERNAME / DEMO_CURATOR_PASSWORD set them; otherwise the "
        "username is 'curator' and a generated password is kept in "
        "var/demo-curator.txt so later runs print the same one."
    )

    def handle(self, *args: object, **options: object) -> None:
        username, password = demo_curator_credentials()
        secret_file = Path(settings.VAR_DIR) / "demo-curator.txt"
        if not password:
            password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            if created or not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            user.groups.add(curators_group_ensure())
        if "DEMO_CURATOR_PASSWORD" not in os.environ:
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        state = "created" if created else "ready"
        self.stdout.write(
            f"Demo curator {state}: username {username!r}, password {password!r}"
        )
