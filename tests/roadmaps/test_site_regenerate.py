"""Regenerating from the roadmap page, the new version's changes, older
versions' read-only pages, "I already know this", the dashboard's way to
another roadmap and the export's explanation: Django's client on PostgreSQL,
with and without htmx, the owner only."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from planner.models import JobState, PlanningJob
from planner.services import job_execute
from roadmaps.models import RoadmapStep, StepState
from roadmaps.services import step_complete, step_resource_pin, step_skip, step_update
from roadmaps.views import job_url
from tests.factories import UserFactory
from tests.roadmaps.test_api import _grow
from tests.roadmaps.test_regenerate import switch_track

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps(roadmap) -> dict[str, RoadmapStep]:
    return {
        s.topic_slug: s
        for s in RoadmapStep.objects.filter(version=roadmap.current_id).order_by(
            "position"
        )
    }


def page(roadmap, tail: str = "") -> str:
    return f"/roadmaps/{roadmap.pk}/{tail}"


def act(service, roadmap, slug, learner, **kwargs):
    step = steps(roadmap)[slug]
    return service(roadmap_id=roadmap.pk, step_id=step.pk, actor=learner, **kwargs)


def run(job: PlanningJob, roadmap) -> None:
    done = job_execute(job_id=job.pk, worker_id="test")
    assert done.state == JobState.SUCCEEDED, done.error
    roadmap.refresh_from_db()


def regenerated(client, roadmap) -> PlanningJob:
    """Regenerate through the page (a plain POST) and run the job."""
    answer = client.post(page(roadmap, "regenerate/"))
    assert answer.status_code == 302, answer.content
    job = PlanningJob.objects.get(regenerates=roadmap, state=JobState.QUEUED)
    run(job, roadmap)
    return job


def main_of(html: str) -> str:
    """The page's <main>: the header's sign-out form is not the page's own."""
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def owner_client(client, learner, roadmap):
    client.force_login(learner)
    return client


@pytest.fixture
def made_theirs(roadmap, learner):
    """A roadmap with a step of each kind regeneration keeps."""
    act(step_complete, roadmap, "py-setup", learner)
    act(step_skip, roadmap, "py-style", learner)
    act(step_update, roadmap, "py-loops", learner, pinned=True)
    act(step_update, roadmap, "py-variables", learner, notes="revisit scopes")
    functions = steps(roadmap)["py-functions"]
    resource = functions.resources.order_by("position").last()
    step_resource_pin(
        roadmap_id=roadmap.pk,
        step_id=functions.pk,
        resource_id=resource.pk,
        actor=learner,
        pinned=True,
    )
    return resource


# -- the dialog / page ----------------------------------------------------------------


def test_regenerate_page_lists_what_is_kept_by_name_and_count(
    owner_client, roadmap, made_theirs
):
    answer = owner_client.get(page(roadmap, "regenerate/"))
    html = answer.content.decode()
    assert answer.status_code == 200
    assert html.count("<h1") == 1 and "<html" in html
    assert "Completed steps (1)</strong>: Setup" in html
    assert "Skipped or known steps (1)</strong>: Style" in html
    assert "Pinned steps (1)</strong>: Loops" in html
    assert "Steps with notes (1)</strong>: Variables" in html
    assert f"Pinned resources (1)</strong>: “{made_theirs.title}” in Functions" in (
        html
    )
    # A plain form posts to the same address; Cancel goes back to the roadmap.
    assert f'action="{page(roadmap, "regenerate/")}"' in html
    assert f'class="button secondary" href="{page(roadmap)}">Cancel' in html


def test_with_htmx_the_dialog_content_comes_alone_and_cancel_closes_it(
    owner_client, roadmap, made_theirs
):
    answer = owner_client.get(page(roadmap, "regenerate/"), **HTMX)
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "<html" not in html and "<h1" not in html
    assert 'id="regenerate-title" tabindex="-1" autofocus' in html
    assert "Completed steps (1)" in html
    assert '<form method="dialog">' in html
    assert "HX-Request" in answer["Vary"]


def test_a_fresh_roadmap_says_nothing_is_at_stake(owner_client, roadmap):
    html = owner_client.get(page(roadmap, "regenerate/")).content.decode()
    assert "Nothing you did is at stake yet" in html
    assert "Completed steps" not in html


def test_the_roadmap_page_offers_regenerate_as_a_link_that_opens_the_dialog(
    owner_client, roadmap
):
    html = owner_client.get(page(roadmap)).content.decode()
    link = re.search(
        r'<a class="button secondary" href="([^"]+)"[^>]*>Regenerate', html
    )
    assert link and link.group(1) == page(roadmap, "regenerate/")
    assert 'hx-target="#regenerate-dialog-body"' in html
    assert '<dialog id="regenerate-dialog"' in html


# -- starting the job -------------------------------------------------------------------


def test_confirming_makes_a_regeneration_job_and_goes_to_its_page(
    owner_client, roadmap
):
    answer = owner_client.post(page(roadmap, "regenerate/"))
    job = PlanningJob.objects.get(regenerates=roadmap)
    assert (job.state, job.base_version, job.owner_id) == (
        JobState.QUEUED,
        1,
        roadmap.owner_id,
    )
    assert answer.status_code == 302
    assert answer["Location"] == job_url(job.pk) == f"/jobs/{job.pk}/"


def test_confirming_with_htmx_navigates_with_hx_redirect(owner_client, roadmap):
    answer = owner_client.post(page(roadmap, "regenerate/"), **HTMX)
    job = PlanningJob.objects.get(regenerates=roadmap)
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == f"/jobs/{job.pk}/"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_second_confirm_while_one_runs_goes_to_the_running_job(
    owner_client, roadmap, headers
):
    owner_client.post(page(roadmap, "regenerate/"))
    running = PlanningJob.objects.get(regenerates=roadmap)
    running.state = JobState.RUNNING
    running.save(update_fields=["state"])
    again = owner_client.post(page(roadmap, "regenerate/"), **headers)
    target = again["HX-Redirect"] if headers else again["Location"]
    assert again.status_code == (200 if headers else 302)
    assert target == f"/jobs/{running.pk}/"
    assert PlanningJob.objects.filter(regenerates=roadmap).count() == 1
    said = [str(m) for m in get_messages(again.wsgi_request)]
    assert said == ["This roadmap is already being regenerated: here is that job."]


def test_another_learner_gets_404_and_starts_nothing(client, roadmap, stranger):
    client.force_login(stranger)
    assert client.get(page(roadmap, "regenerate/")).status_code == 404
    assert client.get(page(roadmap, "regenerate/"), **HTMX).status_code == 404
    assert client.post(page(roadmap, "regenerate/")).status_code == 404
    assert client.get(page(roadmap, "versions/1/")).status_code == 404
    assert not PlanningJob.objects.filter(regenerates=roadmap).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, roadmap):
    answer = client.post(page(roadmap, "regenerate/"))
    assert answer.status_code == 302 and "login" in answer["Location"]
    assert not PlanningJob.objects.exists()


def test_other_methods_are_refused(owner_client, roadmap):
    assert owner_client.put(page(roadmap, "regenerate/")).status_code == 405
    assert owner_client.post(page(roadmap, "versions/1/")).status_code == 405


# -- after the job: the changes and the history -----------------------------------------


def test_after_the_job_the_page_shows_what_changed_and_links_the_previous_version(
    owner_client, roadmap, learner
):
    act(step_complete, roadmap, "py-setup", learner)
    switch_track(roadmap, "python-objects")
    before_end = roadmap.current.end_date

    regenerated(owner_client, roadmap)

    assert roadmap.current.number == 2
    html = owner_client.get(page(roadmap)).content.decode()
    changes = html[html.index('id="changes"') :]
    assert "What changed in version 2" in changes
    assert "Added (1)" in changes and "Classes" in changes and "(step 6)" in changes
    assert "Hours scheduled" in changes and "Planned finish" in changes
    assert before_end.strftime("%-d %B %Y") in changes
    assert f'href="{page(roadmap, "versions/1/")}">See version 1</a>' in changes
    # The step panel (htmx) is not burdened with the changes.
    first = steps(roadmap)["py-variables"]
    panel = owner_client.get(page(roadmap, f"steps/{first.pk}/"), **HTMX)
    assert 'id="changes"' not in panel.content.decode()


def test_a_first_version_has_no_changes_section(owner_client, roadmap):
    html = owner_client.get(page(roadmap)).content.decode()
    assert 'id="changes"' not in html and "See version" not in html


def test_swapped_resources_are_named_in_the_changes(owner_client, roadmap, learner):
    old = steps(roadmap)["py-functions"]
    dropped = old.resources.order_by("position").first()
    # Make the stored version list a resource the new plan will not rank.
    dropped.resource_slug, dropped.title = "gone-book", "A book now gone"
    dropped.save(update_fields=["resource_slug", "title"])

    regenerated(owner_client, roadmap)

    html = owner_client.get(page(roadmap)).content.decode()
    changes = html[html.index('id="changes"') :]
    assert "Resources swapped" in changes
    assert "<strong>Functions</strong>" in changes
    assert "dropped “A book now gone”" in changes


def test_an_older_version_renders_read_only_with_its_banner(
    owner_client, roadmap, learner
):
    v1_titles = [s.title for s in steps(roadmap).values()]
    switch_track(roadmap, "python-objects")
    regenerated(owner_client, roadmap)
    replaced = roadmap.current.created_at

    answer = owner_client.get(page(roadmap, "versions/1/"))
    html = answer.content.decode()
    body = main_of(html)
    assert answer.status_code == 200
    assert html.count("<h1") == 1
    assert (
        f"This is version 1 of 2, replaced on {replaced.strftime('%-d %B %Y')}" in body
    )
    assert f'href="{page(roadmap)}">Back to the current roadmap</a>' in body
    for title in v1_titles:
        assert title in body
    assert "Classes" not in body  # version 2's addition
    # Read-only: no form, no button, no link to a step's panel.
    assert "<form" not in body and "<button" not in body
    assert "/steps/" not in body
    assert "Regenerate" not in body and "Export" not in body


def test_the_current_version_number_redirects_and_a_missing_one_is_404(
    owner_client, roadmap
):
    current = owner_client.get(page(roadmap, "versions/1/"))
    assert current.status_code == 302 and current["Location"] == page(roadmap)
    missing = owner_client.get(page(roadmap, "versions/7/"))
    assert missing.status_code == 404
    assert "This roadmap has no version 7." in missing.content.decode()


def test_version_2_of_3_shows_its_own_changes(owner_client, roadmap):
    regenerated(owner_client, roadmap)
    switch_track(roadmap, "python-objects")
    regenerated(owner_client, roadmap)
    html = owner_client.get(page(roadmap, "versions/2/")).content.decode()
    assert "This is version 2 of 3" in html
    assert "What changed in version 2" in html
    assert f'href="/roadmaps/{roadmap.pk}/versions/1/">See version 1' in html


def _version_page_queries(client, size: int) -> int:
    from tests.roadmaps.conftest import roadmap_plan

    owner = UserFactory()
    roadmap = roadmap_plan(owner)
    _grow(roadmap, size)
    client.force_login(owner)
    regenerated(client, roadmap)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(page(roadmap, "versions/1/"))
    assert answer.status_code == 200
    assert answer.content.decode().count('class="node ') == size
    return len(queries)


def test_the_version_page_runs_the_same_queries_for_5_or_100_steps(
    small_catalog, client
):
    counts = [_version_page_queries(client, size) for size in (5, 100)]
    assert counts[0] == counts[1], counts


def test_the_roadmap_page_with_changes_runs_the_same_queries_for_5_or_100_steps(
    small_catalog, client
):
    from tests.roadmaps.conftest import roadmap_plan

    counts = []
    for size in (5, 100):
        owner = UserFactory()
        roadmap = roadmap_plan(owner)
        client.force_login(owner)
        old = steps(roadmap)["py-functions"].resources.order_by("position").first()
        old.resource_slug = "gone-book"
        old.save(update_fields=["resource_slug"])
        regenerated(client, roadmap)
        _grow(roadmap, size)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(page(roadmap)).content.decode()
        assert "What changed in version 2" in html and "Resources swapped" in html
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# -- "I already know this" --------------------------------------------------------------


def test_i_already_know_this_without_js_marks_it_known_and_offers_to_regenerate(
    owner_client, roadmap
):
    loops = steps(roadmap)["py-loops"]
    panel = owner_client.get(page(roadmap, f"steps/{loops.pk}/")).content.decode()
    assert "I already know this" in panel
    answer = owner_client.post(page(roadmap, f"steps/{loops.pk}/known/"))
    assert answer.status_code == 302
    assert answer["Location"] == page(roadmap, f"steps/{loops.pk}/")
    loops.refresh_from_db()
    assert loops.state == StepState.SKIPPED
    html = owner_client.get(answer["Location"]).content.decode()
    assert "Marked as known: the steps after it count it as done." in html
    assert "Your roadmap can drop the steps you already know from its schedule" in html
    offer = html[html.index('class="offer"') :]
    assert f'href="{page(roadmap, "regenerate/")}"' in offer.split("</p>")[0]
    assert "I already know this" not in main_of(html).split('id="step-panel"')[1]


def test_i_already_know_this_with_htmx_answers_the_panel_with_the_offer(
    owner_client, roadmap
):
    loops = steps(roadmap)["py-loops"]
    answer = owner_client.post(page(roadmap, f"steps/{loops.pk}/known/"), **HTMX)
    html = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in html
    assert "Marked as known" in html
    assert 'hx-target="#regenerate-dialog-body"' in html


def test_a_completed_step_cannot_be_marked_known_and_says_why(
    owner_client, roadmap, learner
):
    act(step_complete, roadmap, "py-setup", learner)
    setup = steps(roadmap)["py-setup"]
    answer = owner_client.post(page(roadmap, f"steps/{setup.pk}/known/"), **HTMX)
    assert answer.status_code == 409
    assert 'role="alert"' in answer.content.decode()
    setup.refresh_from_db()
    assert setup.state == StepState.COMPLETED


def test_the_known_steps_leave_the_schedule_after_regenerating(owner_client, roadmap):
    loops = steps(roadmap)["py-loops"]
    owner_client.post(page(roadmap, f"steps/{loops.pk}/known/"))
    regenerated(owner_client, roadmap)
    new = steps(roadmap)
    assert new["py-loops"].state == StepState.SKIPPED and new["py-loops"].carried


# -- dashboard and export ---------------------------------------------------------------


def test_dashboard_offers_another_roadmap(owner_client, roadmap):
    html = owner_client.get("/roadmaps/").content.decode()
    assert 'href="/onboarding/">Start another roadmap</a>' in html


def test_an_empty_dashboard_is_friendly_and_starts_a_roadmap(client, db):
    client.force_login(UserFactory())
    html = client.get("/roadmaps/").content.decode()
    assert "You have no roadmap yet." in html
    assert 'href="/onboarding/">Start a roadmap</a>' in html
    assert "Start another roadmap" not in html


def test_export_says_what_the_file_is_for_and_offers_the_download_without_js(
    owner_client, roadmap
):
    html = owner_client.get(page(roadmap)).content.decode()
    assert "for partners you work with" in html and "other tools" in html
    answer = owner_client.post(page(roadmap, "export/"))
    body = answer.content.decode()
    assert answer.status_code == 200 and "<html" in body
    link = re.search(r'<a href="([^"]+)" download>download the JSON file</a>', body)
    assert link and link.group(1).startswith("/exports/")
    download = owner_client.get(link.group(1))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
