"""Curator admin pages in a real browser: the import page and the resource
listing at phone and desktop widths (issue 8).

The checks measure what a curator sees: the Upload button's label on screen
with an icon of text size, and resource titles that wrap between words, never
inside one.
"""

from __future__ import annotations

from pathlib import Path

from django.test import Client
from django.urls import reverse

import pytest
from playwright.sync_api import Page, expect

from catalog.groups import curators_group_ensure
from catalog.models import Resource
from taxonomy.enums import Format
from tests.admin import curator_user
from tests.factories import ProviderFactory, ResourceFactory
from tests.search.conftest import Catalog

from .browser import axe_clean

WIDTHS = [360, 1280]

# Titles shaped like the starter catalog's: long, with long words, next to
# long provider names; the ones Wagtail's listing used to cut mid-word.
LONG_TITLES = (
    "100 Days of Code: The Complete Python Pro Bootcamp",
    "18.05 Introduction to Probability and Statistics (Spring 2022)",
    "18.650 Statistics for Applications (Fall 2016)",
    "Computational Thinking and Data Science: Comprehensive Walkthrough",
    "Internationalization and Localization in Django",
)

# Each word of each title in its own inline span: a word the browser broke
# across two lines has two client rectangles.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const title of document.querySelectorAll(selector)) {
    const words = title.textContent.trim().split(/\\s+/);
    title.replaceChildren(...words.flatMap((word, i) => {
      const span = document.createElement("span");
      span.textContent = word;
      return i ? [document.createTextNode(" "), span] : [span];
    }));
    for (const span of title.querySelectorAll("span")) {
      if (span.getClientRects().length > 1) broken.push(span.textContent);
    }
  }
  return broken;
}"""


@pytest.fixture
def curator_page(page: Page, live_server, search_catalog: Catalog) -> Page:
    """The browser signed in as a curator, over the search catalog plus long titles."""
    providers = [
        ProviderFactory(slug="mit-ocw", name="MIT OpenCourseWare"),
        ProviderFactory(slug="django-docs", name="Django documentation"),
    ]
    for i, title in enumerate(LONG_TITLES):
        ResourceFactory(
            title=title, provider=providers[i % 2], format=Format.DOCUMENTATION
        )
    # A transactional test before this one may have flushed the group away.
    curators_group_ensure()
    client = Client()
    client.force_login(curator_user())
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def _axe_clean(page: Page, axe_path: Path) -> None:
    # The admin's markup is Wagtail's: hold it to no serious violation.
    axe_clean(page, axe_path, "admin", impacts=("serious", "critical"))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_upload_button_shows_its_label_on_screen(
    curator_page: Page, live_server, axe_path: Path, width: int
):
    page = curator_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + reverse("catalog_admin:import"))

    button = page.get_by_role("button", name="Upload")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    sizes = button.evaluate(
        """(button) => {
          const rect = (r) => ({left: r.left, right: r.right, top: r.top,
                                bottom: r.bottom, width: r.width, height: r.height});
          const text = [...button.childNodes].find(
            (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
          const label = document.createRange();
          label.selectNodeContents(text);
          return {
            font: parseFloat(getComputedStyle(button).fontSize),
            icon: rect(button.querySelector("svg").getBoundingClientRect()),
            label: rect(label.getBoundingClientRect()),
            button: rect(button.getBoundingClientRect()),
          };
        }"""
    )
    icon, label, inside = sizes["icon"], sizes["label"], sizes["button"]
    assert max(icon["width"], icon["height"]) <= 1.5 * sizes["font"], sizes
    # The label is drawn inside the button, beside the icon, not under it.
    assert label["width"] > 0 and label["left"] >= inside["left"], sizes
    assert label["right"] <= inside["right"] and label["bottom"] <= inside["bottom"]
    assert label["left"] >= icon["right"] or label["right"] <= icon["left"], sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    _axe_clean(page, axe_path)


@pytest.mark.parametrize("width", WIDTHS)
def test_resource_titles_wrap_between_words_and_fit_the_screen(
    curator_page: Page, live_server, axe_path: Path, width: int
):
    page = curator_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse(Resource.snippet_viewset.get_url_name("list")))
    expect(page.get_by_role("link", name=LONG_TITLES[0])).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    table = page.locator("table.listing").bounding_box()
    assert table is not None and table["x"] + table["width"] <= width, table
    broken = page.evaluate(BROKEN_WORDS, "table.listing td.title [id$='_title']")
    assert broken == [], broken

    _axe_clean(page, axe_path)
