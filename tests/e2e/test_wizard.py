"""The onboarding wizard in a real browser, by keyboard alone (Tab, Enter,
Space, arrow keys): every screen, Back and Skip, an inline error from the
planner, the language notice, a liked technology, the clarifying questions, the generation page and the roadmap.
Focus lands on each new question's heading; axe-core finds nothing at 360
and 1280 px; screenshots go to the pytest-playwright output folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from planner.models import JobState, PlanningJob
from planner.services import job_execute
from tests.e2e.browser import look
from tests.e2e.browser import signed_in as _signed_in
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until ``target`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


class Checker:
    """The page as it is, at both widths (tests/e2e/browser.py, ``look``)."""

    def __init__(self, page: Page, axe_path: Path, output_path: str) -> None:
        self.page, self.axe_path, self.output_path = page, axe_path, output_path

    def __call__(self, name: str) -> None:
        look(self.page, self.axe_path, self.output_path, name)


def _heading(page: Page, text: str) -> Locator:
    heading = page.locator("#wizard-heading")
    expect(heading).to_have_text(text)
    expect(heading).to_be_focused()
    return heading


def test_the_wizard_by_keyboard_alone_to_the_roadmap(
    page: Page, live_server, axe_path: Path, output_path
):
    small_catalog_build()
    learner = UserFactory()
    _signed_in(page, live_server, learner)
    check = Checker(page, axe_path, output_path)
    enter = lambda: page.keyboard.press("Enter")  # noqa: E731

    page.goto(f"{live_server.url}/onboarding/")
    page.wait_for_function("() => window.htmx !== undefined")
    _heading(page, "What do you want to learn?")
    expect(page.locator(".wizard-step")).to_have_text("Step 1 of 9")
    check("wizard-1-subject")
    page.keyboard.press("Tab")  # the first (only) subject
    page.keyboard.press("Space")
    enter()

    _heading(page, "What is your goal in Python programming?")
    expect(page).to_have_url(f"{live_server.url}/onboarding/goal/")
    check("wizard-2-goal")
    page.keyboard.press("Tab")  # "Object-oriented Python", then the next
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Python basics")).to_be_checked()
    enter()

    _heading(page, "How well do you know Python programming already?")
    check("wizard-3-level")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # intermediate: the planner will ask
    expect(page.get_by_label("Intermediate")).to_be_checked()
    enter()

    _heading(page, "What do you already know?")
    check("wizard-4-known")
    _tab_to(page, page.get_by_role("button", name="Skip this question"))
    enter()

    _heading(page, "How many hours a week can you spend?")
    check("wizard-5-hours")
    hours = page.locator("#id_weekly_hours")
    _tab_to(page, hours)
    page.keyboard.type("100")
    enter()
    _heading(page, "How many hours a week can you spend?")
    expect(page.locator("#id_weekly_hours-error")).to_have_text(
        "Must be between 0.5 and 80 hours a week."
    )
    expect(hours).to_have_attribute("aria-invalid", "true")
    check("wizard-5-hours-error")
    _tab_to(page, hours)
    page.keyboard.press("Control+A")
    page.keyboard.type("6")
    enter()

    _heading(page, "Do you need to finish by a date?")
    check("wizard-6-deadline")
    # Back: the hours answer is still there.
    _tab_to(page, page.get_by_role("link", name="Back"))
    enter()
    _heading(page, "How many hours a week can you spend?")
    expect(page).to_have_url(f"{live_server.url}/onboarding/hours/")
    expect(page.locator("#id_weekly_hours")).to_have_value("6")
    _tab_to(page, page.get_by_role("button", name="Continue"))
    enter()
    _heading(page, "Do you need to finish by a date?")
    _tab_to(page, page.get_by_role("button", name="Skip this question"))
    enter()

    _heading(page, "Which language do you want to learn in?")
    check("wizard-7-language")
    # Japanese, which the catalog has no resource in: a notice, read out
    # (it takes the focus), then Continue goes on.
    language = page.locator("#id_language")
    _tab_to(page, language)
    page.keyboard.press("j")
    expect(language).to_have_value("ja")
    _tab_to(page, page.get_by_role("button", name="Continue"))
    enter()
    notice = page.locator("#wizard-notice")
    expect(notice).to_contain_text("Python programming has no resources in Japanese")
    expect(notice).to_be_focused()
    check("wizard-7-language-notice")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Continue")).to_be_focused()
    enter()

    _heading(page, "What kind of resources suit you?")
    check("wizard-8-preferences")
    _tab_to(page, page.get_by_label("Technologies you like (optional)"))
    page.keyboard.type("Loops")
    _tab_to(page, page.get_by_role("button", name="Continue"))
    enter()

    _heading(page, "Which age range are you in?")
    check("wizard-9-age")
    _tab_to(page, page.get_by_role("button", name="Continue"))
    enter()

    _heading(page, "Check your answers")
    expect(page.locator(".review-list")).to_contain_text("6 hours a week")
    expect(page.locator(".review-list")).to_contain_text("Intermediate")
    expect(page.locator(".review-list")).to_contain_text("Technologies you like: Loops")
    expect(page.locator(".review-list .wizard-notice")).to_contain_text("Japanese")
    check("wizard-10-review")
    _tab_to(page, page.get_by_role("button", name="Build my roadmap"))
    enter()

    # The clarifying questions: answer the first, skip the rest.
    expect(page.locator(".why")).to_contain_text("Why we ask")
    expect(page.locator(".wizard-step")).to_have_text("Question 1 of up to 3")
    expect(page.locator("#wizard-heading")).to_be_focused()
    check("wizard-11-question")
    # "No" (the arrow key moves the choice from "Yes"): the topic stays and
    # the planner asks about another; "Yes" would settle everything at once.
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    enter()
    # Another question (its heading focused) or, when that settled it, the job.
    page.wait_for_function(
        "() => /\\/jobs\\/\\d+\\/$/.test(location.pathname)"
        " || document.querySelector('.wizard-step')?.textContent.includes('2 of')"
    )
    if page.locator(".why").count():
        expect(page.locator("#wizard-heading")).to_be_focused()
    while page.locator(".why").count():
        _tab_to(page, page.get_by_role("button", name="Skip this question"))
        enter()
        page.wait_for_load_state()
        page.wait_for_timeout(300)

    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    job = PlanningJob.objects.get(owner=learner)
    expect(page.locator("#job-status")).to_contain_text("0% done")
    check("generation-queued")
    assert job_execute(job_id=job.pk, worker_id="e2e").state == JobState.SUCCEEDED
    job.refresh_from_db()
    # The polling notices and goes to the roadmap.
    page.wait_for_url(f"{live_server.url}/roadmaps/{job.roadmap_id}/", timeout=10000)


def test_a_failed_generation_offers_a_retry(
    page: Page, live_server, axe_path: Path, output_path
):
    from planner.services import job_enqueue, profile_submit
    from tests.planner.conftest import profile_raw

    small_catalog_build()
    learner = UserFactory()
    profile = profile_submit(owner=learner, raw=profile_raw(start_date=None))
    job = job_enqueue(profile=profile, actor=learner, enqueue=False)
    PlanningJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error="Stage plan failed: the catalog moved."
    )
    _signed_in(page, live_server, learner)
    check = Checker(page, axe_path, output_path)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.locator("#job-status")).to_contain_text("the catalog moved")
    check("generation-failed")
    retry = page.get_by_role("button", name="Try again")
    _tab_to(page, retry)
    page.keyboard.press("Enter")
    expect(page.locator("#job-status")).to_contain_text("% done")
    job.refresh_from_db()
    assert job.state in {JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED}
