"""Print where ``make run`` serves and the demo curator's sign-in, once it is up.

``make run`` starts the web server and a worker under honcho; their start-up
logs scroll the credentials printed by ``demo_curator`` away. This process
waits until ``/healthz`` answers, prints the banner, then stays (honcho stops
every process when one exits).
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandParser

from .demo_curator import demo_curator_credentials


class Command(BaseCommand):
    help = "Wait for the local server, then print its URLs and the demo curator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "url", help="the server's base URL, e.g. http://127.0.0.1:8000/"
        )
        parser.add_argument("--timeout", type=float, default=120.0)
        parser.add_argument(
            "--exit", action="store_true", help="exit after printing (for tests)"
        )

    def handle(self, *args: object, **options: object) -> None:
        base = str(options["url"]).rstrip("/") + "/"
        if not _wait_until_up(base + "healthz", timeout=float(options["timeout"])):
            self.stderr.write(f"{base} did not answer within {options['timeout']} s.")
        username, password = demo_curator_credentials()
        rule = "=" * 64
        self.stdout.write(
            "\n".join(
                [
                    rule,
                    f"  Wayfinder is up:   {base}",
                    f"  Curator admin:     {base}admin/",
                    f"  Demo curator:      {username} / {password or '(run make setup)'}",
                    "  (kept in var/demo-curator.txt)",
                    rule,
                ]
            )
        )
        self.stdout.flush()
        if not options["exit"]:
            threading.Event().wait()


def _wait_until_up(url: str, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 -- our own local server
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False
