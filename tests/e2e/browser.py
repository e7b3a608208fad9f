"""Helpers the browser tests share: signing a user in by session cookie and
running axe-core on the page."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.test import Client

from playwright.sync_api import Page

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target)}));
}"""


def signed_in(page: Page, live_server, user) -> None:
    """Give the browser ``user``'s session, as if they had signed in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )


def axe_clean(page: Page, axe_path: Path) -> None:
    """Assert axe-core finds no violation on the page as it is now."""
    page.add_script_tag(path=str(axe_path))
    violations = page.evaluate(AXE_RUN)
    assert violations == [], json.dumps(violations, indent=2)
