"""The catalog search page in a real browser: as-you-type results, filters,
no JavaScript, keyboard only, a 360 px screen, and axe-core."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import axe_clean

pytestmark = pytest.mark.usefixtures("search_catalog")

FIRST_FUNCTIONS = ("Python Functions", "Functions in Python")


def _open(page: Page, live_server, query: str = "") -> None:
    page.goto(f"{live_server.url}/search/{query}")
    # htmx is loaded and has processed the page.
    page.wait_for_function("() => window.htmx !== undefined")


def _params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _titles(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(".result-title").all_inner_texts()]


def test_typing_updates_the_results_without_loading_a_page(page: Page, live_server):
    _open(page, live_server)
    expect(page.locator("#search-status")).to_have_text("7 resources in the catalog.")
    page.evaluate("window.sameDocument = true")
    requests: list[str] = []
    page.on(
        "request", lambda r: requests.append(r.url) if "/search/" in r.url else None
    )

    page.locator("#search-q").press_sequentially("pyhton func", delay=40)

    expect(page.locator("#search-status")).to_contain_text("match “pyhton func”")
    expect(page.locator("#search-status")).to_contain_text("Showing results for")
    assert _titles(page)[0].startswith(FIRST_FUNCTIONS)
    assert "Python Functions Cheat Sheet" not in _titles(page)
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
    assert 1 <= len(requests) < len("pyhton func"), "typing is not debounced"
    assert _params(page) == {"q": ["pyhton func"]}
    assert page.evaluate("document.activeElement.id") == "search-q"


def test_a_filter_updates_results_counts_and_the_address(page: Page, live_server):
    _open(page, live_server, "?q=python")
    page.evaluate("window.sameDocument = true")

    page.locator("#filter-format-video").check()

    expect(page.locator("#search-status")).to_contain_text("with these filters")
    expect(page.locator(".result")).to_have_count(2)
    assert _params(page) == {"q": ["python"], "format": ["video"]}
    assert page.evaluate("window.sameDocument") is True
    # The filters were redrawn with new counts; focus came back to the checkbox.
    assert page.evaluate("document.activeElement.id") == "filter-format-video"
    expect(page.locator('label[for="filter-language-es"]')).to_contain_text("(1)")

    page.go_back()
    expect(page.locator("#search-status")).not_to_contain_text("with these filters")
    expect(page.locator("#filter-format-video")).not_to_be_checked()


def test_without_javascript_the_form_submits_and_filters_apply(
    browser: Browser, live_server
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/search/")
    page.locator("#search-q").fill("python functions")
    page.locator("#search-q").press("Enter")
    page.wait_for_url("**/search/?q=python+functions*")
    assert _titles(page)[0].startswith(FIRST_FUNCTIONS)

    page.locator("#filter-language-es").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**language=es*")
    assert _titles(page) == ["Funciones en Python"]
    context.close()


FOCUS_PROBE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    id: el.id, tag: el.tagName, type: el.type || "",
    result: !!el.closest(".result"), href: el.getAttribute("href") || "",
    outline: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0,
  };
}"""


def test_keyboard_reaches_box_filters_and_results_with_visible_focus(
    page: Page, live_server
):
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, live_server, "?q=python")
    stops = []
    for _ in range(40):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_PROBE)
        stops.append(stop)
        if stop["result"]:
            break
    kinds = [
        "box"
        if s["id"] == "search-q"
        else "filter"
        if s["type"] == "checkbox"
        else "result"
        if s["result"]
        else "other"
        for s in stops
    ]
    assert "box" in kinds and "filter" in kinds and "result" in kinds, stops
    assert kinds.index("box") < kinds.index("filter") < kinds.index("result")
    for stop in stops:
        assert stop["outline"] != "none" and stop["width"] >= 2, (
            f"no focus ring: {stop}"
        )

    # Space toggles the focused filter, and the results follow.
    while page.evaluate("document.activeElement.type") != "checkbox":
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(page.locator("#search-status")).to_contain_text("with these filters")


@pytest.mark.parametrize(
    "query",
    ["", "?q=python&format=video", "?q=" + "supercalifragilistic" * 6],
)
def test_a_360_pixel_screen_needs_no_horizontal_scroll(
    page: Page, live_server, query: str
):
    page.set_viewport_size({"width": 360, "height": 780})
    _open(page, live_server, query)
    page.locator(".filter-panel > summary").click()  # open (or close) the filters
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".filter-panel > summary").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("query", ["", "?q=pyhton&format=video", "?q=zzzzqqq"])
def test_axe_finds_no_violations(
    page: Page, live_server, axe_path: Path, width: int, query: str
):
    page.set_viewport_size({"width": width, "height": 900})
    _open(page, live_server, query)
    axe_clean(page, axe_path, f"search {query!r} at {width} px")

    if query:  # and after an htmx swap, once the results have faded back in
        page.locator("#search-q").fill("loops")
        expect(page.locator("#search-status")).to_contain_text("“loops”")
        expect(page.locator(".htmx-request")).to_have_count(0)
        axe_clean(page, axe_path, f"search 'loops' after {query!r} at {width} px")
