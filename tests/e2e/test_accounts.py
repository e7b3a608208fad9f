"""Accounts in a real browser: sign up, sign out, sign back in; axe-core on
the sign-in, sign-up and account pages at 360 and 1280 px (screenshots in
the pytest-playwright output folder)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import axe_clean, look

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct-horse-battery-staple"


def test_sign_up_sign_out_and_sign_in_again(page: Page, live_server, output_path):
    page.goto(f"{live_server.url}/search/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Sign up"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(f"{live_server.url}/roadmaps/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_contain_text("ada@example.org")
    expect(nav.get_by_role("link", name="My roadmaps")).to_be_visible()
    assert get_user_model().objects.filter(email="ada@example.org").exists()

    nav.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)

    # Back in by email, by keyboard: Enter submits the form.
    nav.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    expect(page).to_have_url(f"{live_server.url}/roadmaps/")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(
        "ada@example.org"
    )


def test_a_wrong_password_is_announced(page: Page, live_server, axe_path: Path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password", exact=True).fill("wrong-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    axe_clean(page, axe_path)


@pytest.mark.parametrize("width", [360, 1280])
def test_account_pages_have_no_axe_violations(
    page: Page, live_server, axe_path: Path, output_path, width: int
):
    for name, url in (
        ("sign-in", "/accounts/login/"),
        ("sign-up", "/accounts/signup/"),
        ("password-reset", "/accounts/password/reset/"),
    ):
        page.goto(f"{live_server.url}{url}")
        look(page, axe_path, output_path, name, widths=(width,))

    # Errors next to their fields, still without violations.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    look(page, axe_path, output_path, "sign-up-errors", widths=(width,))

    # Signed in: the account page, the deletion page, the sign-out page.
    get_user_model().objects.create_user(
        username="lin", email="lin@example.org", password=PASSWORD
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("lin@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{live_server.url}/roadmaps/")
    for name, url in (
        ("account", "/accounts/"),
        ("delete", "/accounts/delete/"),
        ("sign-out", "/accounts/logout/"),
        ("password-change", "/accounts/password/change/"),
    ):
        page.goto(f"{live_server.url}{url}")
        look(page, axe_path, output_path, name, widths=(width,))
