"""The learner's pages the other browser tests do not look at: the
dashboard (empty, with roadmaps, with a message), a roadmap with notices,
the lockout page. At 360 and 1280 px: nothing scrolls sideways, targets
are 44 px, axe-core finds nothing; screenshots in the test's output folder
(tests/e2e/browser.py, ``look``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

import pytest
from playwright.sync_api import Browser, Page, expect

from roadmaps.models import RoadmapStep
from roadmaps.services import step_complete
from tests.e2e.browser import look, signed_in
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build
from tests.roadmaps.conftest import roadmap_plan
from tests.roadmaps.test_site_notices import NOTICES

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_dashboard_empty_and_with_roadmaps(
    page: Page, live_server, axe_path: Path, output_path
):
    small_catalog_build()
    learner = UserFactory(first_name="Ada")
    signed_in(page, live_server, learner)
    page.goto(f"{live_server.url}/roadmaps/")
    expect(page.get_by_role("link", name="Start a roadmap")).to_be_visible()
    look(page, axe_path, output_path, "dashboard-empty")

    roadmap = roadmap_plan(learner)
    roadmap_plan(learner)
    first = RoadmapStep.objects.filter(version=roadmap.current_id).first()
    step_complete(roadmap_id=roadmap.pk, step_id=first.pk, actor=learner)
    page.goto(f"{live_server.url}/roadmaps/")
    expect(page.locator(".roadmap-card")).to_have_count(2)
    expect(page.get_by_role("link", name="Start another roadmap")).to_be_visible()
    look(page, axe_path, output_path, "dashboard")


def test_a_long_email_as_the_name_does_not_push_the_page_sideways(
    page: Page, live_server, axe_path: Path, output_path
):
    # The header shows the email when there is no first name; found walking
    # the site at 360 px: this one made every signed-in page 410 px wide.
    email = "walker360signup1796606127@example.org"
    learner = UserFactory(email=email, first_name="")
    signed_in(page, live_server, learner)
    page.goto(f"{live_server.url}/roadmaps/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_contain_text(email)
    look(page, axe_path, output_path, "header-long-email")


def test_a_learner_sent_from_the_admin_reads_why_and_dismisses_it(
    page: Page, browser: Browser, live_server, axe_path: Path, output_path
):
    learner = UserFactory()
    signed_in(page, live_server, learner)
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(f"{live_server.url}/roadmaps/")
    message = page.get_by_role("status")
    expect(message).to_contain_text("The admin is where curators edit the catalog.")
    look(page, axe_path, output_path, "dashboard-message")

    # Dismissed without JavaScript: the label of a hidden checkbox.
    context = browser.new_context(java_script_enabled=False)
    bare = context.new_page()
    signed_in(bare, live_server, learner)
    bare.goto(f"{live_server.url}/admin/")
    flash = bare.locator(".flash")
    expect(flash).to_contain_text("The admin is where curators edit the catalog.")
    bare.locator(".flash-close", has_text="Dismiss").click()
    expect(flash).to_be_hidden()
    context.close()


def test_a_roadmap_with_notices(page: Page, live_server, axe_path: Path, output_path):
    small_catalog_build()
    learner = UserFactory()
    roadmap = roadmap_plan(learner)
    version = roadmap.current
    version.notices = NOTICES
    version.save(update_fields=["notices"])
    signed_in(page, live_server, learner)
    page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/")
    notices = page.locator("#notices")
    expect(notices.get_by_role("heading", level=2)).to_have_text("About this plan")
    notices.get_by_text("Why each one was left out").click()
    expect(notices).to_contain_text("You said you know Loops, which needs Setup.")
    look(page, axe_path, output_path, "roadmap-notices")


def test_the_lockout_page(page: Page, live_server, axe_path: Path, output_path):
    UserFactory(email="lin@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill("lin@example.org")
        page.get_by_label("Password", exact=True).fill("wrong-password")
        page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in is locked")
    expect(page.get_by_role("link", name="Reset my password")).to_be_visible()
    look(page, axe_path, output_path, "lockout")
