"""A new learner's whole journey in a real browser, as a person would do it:
sign up, the wizard with Back and Skip, the clarifying questions, the
generation's progress, the roadmap, a step opened and completed (the next
unlocks), a resource pinned, a regeneration through the dialog (the pin
kept, the changes shown), the export downloaded, sign out.

The planning jobs are run by the test itself (``job_execute``), as a Huey
worker would: the page only polls, so who runs the job does not matter to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.contrib.auth import get_user_model

import pytest
from playwright.sync_api import Page, expect

from planner.models import JobState, PlanningJob
from planner.selectors import catalog_graph_forget
from planner.services import job_execute
from roadmaps.models import Roadmap, RoadmapStep
from taxonomy.models import Topic
from taxonomy.services import catalog_version_bump
from tests.planner.conftest import small_catalog_build

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EMAIL = "ada@example.org"
PASSWORD = "correct-horse-battery-staple"


def _run_job(**lookup) -> PlanningJob:
    """Run the newest matching planning job as the worker would."""
    job = PlanningJob.objects.filter(**lookup).latest("pk")
    assert job_execute(job_id=job.pk, worker_id="e2e").state == JobState.SUCCEEDED
    job.refresh_from_db()
    return job


def _wizard_screen(page: Page, heading: str) -> None:
    expect(page.locator("#wizard-heading")).to_have_text(heading)


def _named(action: str, title: str) -> re.Pattern:
    """A resource's button: its action, then (for screen readers) the title."""
    return re.compile(rf"^{action}\s*:\s*{re.escape(title)}$")


def _pick(page: Page, label: str) -> None:
    """Choose an option as a person does: click its label (the card)."""
    page.locator("label", has_text=label).first.click()
    expect(page.get_by_label(label)).to_be_checked()


def _sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/search/")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(f"{base}/roadmaps/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My roadmaps")
    expect(page.locator(".empty-state")).to_contain_text("You have no roadmap yet.")


def _wizard(page: Page, base: str) -> None:
    """Every screen, with a Back (the answer kept) and three Skips."""
    page.get_by_role("link", name="Start a roadmap").click()
    page.wait_for_function("() => window.htmx !== undefined")
    _wizard_screen(page, "What do you want to learn?")
    _pick(page, "Python programming")
    page.get_by_role("button", name="Continue").click()

    _wizard_screen(page, "What is your goal in Python programming?")
    _pick(page, "Object-oriented Python")
    page.get_by_role("button", name="Continue").click()

    _wizard_screen(page, "How well do you know Python programming already?")
    _pick(page, "Intermediate")  # the planner asks where to start
    page.get_by_role("button", name="Continue").click()

    _wizard_screen(page, "What do you already know?")
    page.get_by_role("button", name="Skip this question").click()

    _wizard_screen(page, "How many hours a week can you spend?")
    page.get_by_role("textbox", name="Hours a week").fill("6")
    page.get_by_role("button", name="Continue").click()

    _wizard_screen(page, "Do you need to finish by a date?")
    page.get_by_role("link", name="Back").click()
    _wizard_screen(page, "How many hours a week can you spend?")
    expect(page.locator("#id_weekly_hours")).to_have_value("6")
    page.get_by_role("button", name="Continue").click()
    _wizard_screen(page, "Do you need to finish by a date?")
    page.get_by_role("button", name="Skip this question").click()

    _wizard_screen(page, "Which language do you want to learn in?")
    page.get_by_role("button", name="Continue").click()
    _wizard_screen(page, "What kind of resources suit you?")
    page.get_by_role("button", name="Skip this question").click()
    _wizard_screen(page, "Which age range are you in?")
    page.get_by_role("button", name="Continue").click()

    _wizard_screen(page, "Check your answers")
    review = page.locator(".review-list")
    expect(review).to_contain_text("Object-oriented Python")
    expect(review).to_contain_text("6 hours a week")
    page.get_by_role("button", name="Build my roadmap").click()


def _questions(page: Page) -> None:
    """Answer the first clarifying question ("No": keep the topic), skip
    any others."""
    expect(page.locator(".wizard-step")).to_have_text("Question 1 of up to 3")
    expect(page.locator(".why")).to_contain_text("Why we ask")
    page.locator("#wizard label", has_text=re.compile(r"^\s*No\s*$")).click()
    page.get_by_role("button", name="Continue").click()
    while True:
        page.wait_for_load_state()
        if re.search(r"/jobs/\d+/$", page.url):
            return
        step = page.locator(".wizard-step")
        if not step.count():
            page.get_by_role("button", name="Build my roadmap").click()
            continue
        current = step.inner_text()
        page.get_by_role("button", name="Skip this question").click()
        # Wait for the swap (or the navigation) before looking again.
        page.wait_for_function(
            "(t) => !document.querySelector('.wizard-step')"
            " || document.querySelector('.wizard-step').textContent !== t",
            arg=current,
        )


def test_a_new_learner_from_sign_up_to_sign_out(
    page: Page, live_server, tmp_path: Path
):
    small_catalog_build()
    # Loops, functions and classes are taught at the intermediate level: an
    # intermediate learner skips setup and variables and keeps a chain of
    # steps, and the planner asks about one of them.
    Topic.objects.filter(slug__in=["py-loops", "py-functions", "py-classes"]).update(
        level="intermediate"
    )
    # A bare update() moves no catalog version, and versions repeat across
    # flushed tests: drop this process's planner snapshot so it is read anew.
    catalog_version_bump()
    catalog_graph_forget()
    base = live_server.url

    _sign_up(page, base)
    learner = get_user_model().objects.get(email=EMAIL)
    _wizard(page, base)
    _questions(page)

    # The generation's progress, live, then the roadmap by itself.
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    status = page.locator("#job-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text("% done")
    job = _run_job(owner=learner)
    roadmap = Roadmap.objects.get(pk=job.roadmap_id)
    page.wait_for_url(f"{base}/roadmaps/{roadmap.pk}/", timeout=10000)
    expect(page.get_by_role("heading", level=1)).to_have_text(roadmap.title)

    # Open the next step, complete it; the one after unlocks.
    steps = list(RoadmapStep.objects.filter(version=roadmap.current_id))
    assert steps, roadmap.current.notices
    first = steps[0]
    after = next((s for s in steps if first.topic_slug in s.requires), None)
    assert after, [(s.topic_slug, s.requires) for s in steps]
    node = page.locator(f"#node-{after.pk}")
    expect(node.locator(".node-state")).to_have_text("Locked")
    page.locator("#next-step").get_by_role("link").click()
    panel = page.locator("#step-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text(first.title)
    expect(page).to_have_url(f"{base}/roadmaps/{roadmap.pk}/steps/{first.pk}/")
    panel.get_by_role("button", name="Mark complete").click()
    expect(panel.locator(".panel-messages")).to_contain_text("Completed")
    expect(node.locator(".node-state")).to_have_text("Ready to start")

    # Pin a resource of the step that unlocked.
    page.locator(f"#node-{after.pk} .node-title").click()
    expect(panel.get_by_role("heading", level=2)).to_have_text(after.title)
    # The last one listed: pinned, it leads its step from then on.
    title = panel.locator(".resource h4 a").last.inner_text()
    panel.get_by_role("button", name=_named("Pin", title)).click()
    expect(panel.locator(".panel-messages")).to_contain_text(f"Pinned “{title}”.")
    expect(panel.get_by_role("button", name=_named("Pinned", title))).to_have_attribute(
        "aria-pressed", "true"
    )

    # Regenerate through the dialog, with JavaScript on.
    page.get_by_role("link", name="Regenerate this roadmap").click()
    dialog = page.locator("#regenerate-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Completed steps (1): {first.title}")
    expect(dialog).to_contain_text(f"“{title}” in {after.title}")
    dialog.get_by_role("button", name="Regenerate now").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Regenerating your roadmap"
    )
    _run_job(regenerates=roadmap)
    page.wait_for_url(f"{base}/roadmaps/{roadmap.pk}/#changes", timeout=10000)
    changes = page.locator("#changes")
    expect(changes).to_contain_text("What changed in version 2")
    expect(changes.get_by_role("link", name="See version 1")).to_be_visible()
    # The pin is kept: the step still leads with that resource, pinned.
    roadmap.refresh_from_db()
    again = RoadmapStep.objects.get(
        version=roadmap.current_id, topic_slug=after.topic_slug
    )
    page.locator(f"#node-{again.pk} .node-title").click()
    expect(panel.get_by_role("heading", level=2)).to_have_text(after.title)
    expect(panel.get_by_role("button", name=_named("Pinned", title))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(panel.locator(".resource").first).to_contain_text(title)
    page.get_by_role("link", name=re.compile("^Close")).click()

    # Export, then download the file.
    page.get_by_role("button", name="Export as JSON").click()
    link = page.get_by_role("link", name="download the JSON file")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".json")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["roadmap"]["title"] == roadmap.title
    assert data["roadmap"]["version"] == 2
    assert data["progress"]["steps_completed"] == 1

    # Sign out: the header offers Sign in again.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Sign out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(f"{base}/roadmaps/{roadmap.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
