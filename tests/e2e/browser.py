"""Helpers the browser tests share: signing a user in by session cookie,
running axe-core on the page, and looking at a page at both widths.

Screenshots go to pytest-playwright's output folder (the ``output_path``
fixture: ``test-results/<test>/`` under the project, ``--output`` moves it),
one PNG per page and width, named ``<page>-<width>.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.test import Client

from playwright.sync_api import Page

AXE_RUN = """async (impacts) => {
  // Let transitions that end (a panel sliding in, a fade) end first: colours
  // measured half-way through one read as poor contrast. Endless ones (a
  // spinner) are left running.
  const ending = document.getAnimations().filter(
    a => a.effect && a.effect.getComputedTiming().endTime !== Infinity
  );
  await Promise.all(ending.map(a => a.finished.catch(() => null)));
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => impacts === null || impacts.includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}));
}"""
#: The widths every page is checked at: a small phone and a laptop.
WIDTHS = (360, 1280)
#: Touch targets: controls a person taps, each at least 44 CSS px tall
#: (links inside running text are exempt, as in WCAG 2.5.8).
SMALL_TARGETS = """() => {
  const controls = document.querySelectorAll(
    "button, .button, summary, select, textarea, nav a, label[for], "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
  );
  const choice = (el) => el.control && ["checkbox", "radio"].includes(el.control.type);
  return [...controls].filter(el => {
    if (el.tagName === "LABEL" && !choice(el)) return false;
    // A label whose ::after covers its card answers clicks on the whole card.
    const cover = getComputedStyle(el, "::after").position === "absolute";
    const box = (cover && el.offsetParent ? el.offsetParent : el).getBoundingClientRect();
    const seen = box.width > 1 && box.height > 1 && getComputedStyle(el).visibility !== "hidden";
    return seen && box.height < 43.5;
  }).map(el => el.outerHTML.slice(0, 120));
}"""


def signed_in(page: Page, live_server, user) -> None:
    """Give the browser ``user``'s session, as if they had signed in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )


def axe_clean(
    page: Page,
    axe_path: Path,
    where: str = "",
    impacts: tuple[str, ...] | None = None,
) -> None:
    """Assert axe-core finds no violation on the page as it is now (only
    those of ``impacts``, such as ("serious", "critical"), when given: for
    pages whose markup is Wagtail's, not ours)."""
    if not page.evaluate("() => window.axe !== undefined"):
        page.add_script_tag(path=str(axe_path))
    violations = page.evaluate(AXE_RUN, list(impacts) if impacts else None)
    assert violations == [], f"{where}\n" + json.dumps(violations, indent=2)


def look(
    page: Page,
    axe_path: Path,
    output_path: str | Path,
    name: str,
    *,
    widths: tuple[int, ...] = WIDTHS,
    full_page: bool = True,
) -> None:
    """The page as it is now, at each width: nothing scrolls sideways, every
    touch target is at least 44 px tall, axe-core finds nothing; and a
    screenshot ``<name>-<width>.png`` in the test's output folder."""
    shots = Path(output_path)
    shots.mkdir(parents=True, exist_ok=True)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        where = f"{name} at {width} px"
        page.screenshot(path=shots / f"{name}-{width}.png", full_page=full_page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{where} scrolls sideways ({scroll} px)"
        small = page.evaluate(SMALL_TARGETS)
        assert small == [], f"{where}: targets under 44 px: {small}"
        axe_clean(page, axe_path, where)
