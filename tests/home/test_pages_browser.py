"""The site's pages in a real browser: axe-core finds nothing and nothing
scrolls sideways at 360 and 1280 px; screenshots for a person to look at."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import axe_path, browser_type_launch_args  # noqa: F401

from .conftest import build_small_catalog

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target)}));
}"""

PATHS = {"home": "/", "subject": "/astronomy/", "about": "/about/", "404": "/gone/"}


def _site_with_demo_pages() -> None:
    from django.core.management import call_command

    from wagtail.models import Locale, Page, Site

    from home.models import HomePage

    if not HomePage.objects.exists():  # a transactional test may have flushed it
        Locale.objects.get_or_create(language_code="en")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="Wayfinder", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
        )
    build_small_catalog(topic_count=7)
    call_command("demo_pages", stdout=StringIO())


def test_the_site_pages_pass_axe_and_fit_360_px(
    page: Page,
    live_server,
    axe_path: Path,  # noqa: F811
    output_path,
):
    _site_with_demo_pages()
    shots = Path(output_path)
    shots.mkdir(parents=True, exist_ok=True)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in PATHS.items():
            response = page.goto(live_server.url + path)
            assert response is not None
            assert response.status == (404 if name == "404" else 200), path
            page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            page.add_script_tag(path=str(axe_path))
            violations = page.evaluate(AXE_RUN)
            assert violations == [], f"{path} at {width}px: " + json.dumps(violations)
    # A track on the home page leads to its card on the subject page.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="First steps").click()
    page.wait_for_url("**/astronomy/#track-astronomy-first-steps")
