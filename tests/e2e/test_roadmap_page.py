"""The roadmap page in a real browser: open a step's panel, complete the
step by keyboard, see the next one unlock; open the regenerate dialog by
keyboard, regenerate, see the changes and the previous version; axe-core at
360 and 1280 px."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from planner.models import JobState, PlanningJob
from planner.services import job_execute
from roadmaps.models import RoadmapStep
from roadmaps.services import step_complete
from tests.e2e.browser import axe_clean as _axe
from tests.e2e.browser import look
from tests.e2e.browser import signed_in as _signed_in
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build
from tests.roadmaps.conftest import roadmap_plan

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_complete_a_step_by_keyboard_and_the_next_unlocks(
    page: Page, live_server, axe_path: Path, output_path
):
    small_catalog_build()
    owner = UserFactory()
    roadmap = roadmap_plan(owner)
    steps = list(RoadmapStep.objects.filter(version=roadmap.current_id))
    first = steps[0]
    after = next(s for s in steps if first.topic_slug in s.requires)
    _signed_in(page, live_server, owner)

    page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/")
    page.wait_for_function("() => window.htmx !== undefined")
    look(page, axe_path, output_path, "roadmap")

    node = page.locator(f"#node-{after.pk}")
    expect(node.locator(".node-state")).to_have_text("Locked")
    expect(page.locator(f"#node-{first.pk} .node-state")).to_have_text("Ready to start")
    page.get_by_role("link", name=f"Start next step: {first.title}").click()
    panel = page.locator("#step-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text(first.title)
    expect(page).to_have_url(
        f"{live_server.url}/roadmaps/{roadmap.pk}/steps/{first.pk}/"
    )
    look(page, axe_path, output_path, "panel", full_page=False)

    # Keyboard only: focus the button and press Enter.
    panel.get_by_role("button", name="Mark complete").focus()
    page.keyboard.press("Enter")
    expect(panel.locator(".panel-messages")).to_contain_text("Completed. Well done!")
    expect(node.locator(".node-state")).to_have_text("Ready to start")

    page.reload()
    expect(panel).to_be_visible()
    look(page, axe_path, output_path, "panel-reloaded", full_page=False)


def test_regenerate_by_keyboard_then_see_the_changes_and_the_old_version(
    page: Page, live_server, axe_path: Path, output_path
):
    small_catalog_build()
    owner = UserFactory()
    roadmap = roadmap_plan(owner)
    first = RoadmapStep.objects.filter(version=roadmap.current_id).first()
    step_complete(roadmap_id=roadmap.pk, step_id=first.pk, actor=owner)
    _signed_in(page, live_server, owner)
    shots = Path(output_path)
    shots.mkdir(parents=True, exist_ok=True)
    dialog = page.locator("#regenerate-dialog")

    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/")
        page.wait_for_function("() => window.htmx !== undefined")
        opener = page.get_by_role("link", name="Regenerate this roadmap")
        opener.focus()
        page.keyboard.press("Enter")
        expect(dialog).to_be_visible()
        heading = dialog.get_by_role("heading", name="Regenerate this roadmap?")
        expect(heading).to_be_focused()
        expect(dialog).to_contain_text(f"Completed steps (1): {first.title}")
        page.screenshot(path=shots / f"regenerate-dialog-{width}.png")
        _axe(page, axe_path)
        # Escape closes it and gives focus back to the link that opened it.
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(opener).to_be_focused()
        # Without JavaScript the same link opens a confirmation page.
        page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/regenerate/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Regenerate")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=shots / f"regenerate-page-{width}.png", full_page=True)
        _axe(page, axe_path)

    # Confirmed in the dialog, by keyboard: Tab from its heading, Enter.
    page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/")
    page.wait_for_function("() => window.htmx !== undefined")
    opener = page.get_by_role("link", name="Regenerate this roadmap")
    opener.focus()
    page.keyboard.press("Enter")
    # Tab at once when it shows: htmx's own autofocus (in its settle step)
    # used to take the focus back to the heading after the dialog opened.
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    confirm = dialog.get_by_role("button", name="Regenerate now")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    job = PlanningJob.objects.get(regenerates=roadmap)
    assert job_execute(job_id=job.pk, worker_id="e2e").state == JobState.SUCCEEDED

    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/roadmaps/{roadmap.pk}/#changes")
        expect(page.locator("#changes")).to_contain_text("What changed in version 2")
        page.screenshot(path=shots / f"changes-{width}.png", full_page=True)
        _axe(page, axe_path)
        page.get_by_role("link", name="See version 1").click()
        expect(page.locator(".version-banner")).to_contain_text(
            "This is version 1 of 2, replaced on"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=shots / f"version-{width}.png", full_page=True)
        _axe(page, axe_path)
