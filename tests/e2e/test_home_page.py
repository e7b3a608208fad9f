"""The home page in a real browser: subjects, the search box, a11y, 360 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .browser import axe_clean

pytestmark = pytest.mark.usefixtures("search_catalog", "home_page")


@pytest.fixture
def home_page(search_catalog):
    """The site's home page; a transactional test may have flushed the tree."""
    from wagtail.models import Locale, Page, Site

    from home.models import HomePage

    if HomePage.objects.exists() and Site.objects.filter(is_default_site=True).exists():
        return
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = root.add_child(instance=HomePage(title="Wayfinder", slug="wayfinder-home"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_the_home_page_is_accessible_and_fits_a_small_screen(
    page: Page, live_server, axe_path: Path, width: int
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")
    expect(page.locator("h2", has_text="Subjects")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe_clean(page, axe_path, f"home at {width} px")


def test_the_home_search_box_leads_to_the_catalog_search(page: Page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    page.locator("#home-q").fill("functions")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=functions")
    expect(page.locator(".result-title").first).to_be_visible()
