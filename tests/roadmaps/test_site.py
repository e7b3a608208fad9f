"""The learner's roadmap pages: the dashboard, the path, the step panel and
its actions, as the owner sees them (anyone else: 404), with and without
htmx, in a bounded number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from roadmaps.models import ResourceFeedback, RoadmapStep, StepState
from tests.factories import UserFactory
from tests.roadmaps.test_api import _grow

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps(roadmap) -> list[RoadmapStep]:
    return list(RoadmapStep.objects.filter(version=roadmap.current_id))


def page(roadmap, tail: str = "") -> str:
    return f"/roadmaps/{roadmap.pk}/{tail}"


def step_url(roadmap, step, tail: str = "") -> str:
    return page(roadmap, f"steps/{step.pk}/{tail}")


@pytest.fixture
def owner_client(client, learner, roadmap):
    client.force_login(learner)
    return client


def test_owner_sees_the_path_with_states_in_words_and_the_next_step(
    owner_client, roadmap
):
    all_steps = steps(roadmap)
    first = all_steps[0]
    waiting = next(s for s in all_steps if s.requires)
    blocker = next(s for s in all_steps if s.topic_slug == waiting.requires[0])
    answer = owner_client.get(page(roadmap))
    html = answer.content.decode()
    assert answer.status_code == 200
    assert html.count("<h1") == 1
    # Nothing started yet: the first step is ready, not "in progress".
    assert "Ready to start" in html and "Locked" in html
    assert "In progress" not in html
    assert f'id="node-{first.pk}" class="node node-ready' in html
    assert f"Start next step: {first.title}" in html
    assert "Continue:" not in html
    assert "hours done" in html and "Projected finish" in html
    assert f"After {blocker.title}" in html  # why a step waits


def test_a_started_step_reads_in_progress_and_the_button_continue(
    owner_client, roadmap
):
    first, second, *_ = steps(roadmap)
    # The first step, active from the start, once the learner has begun it.
    RoadmapStep.objects.filter(pk=first.pk).update(started_at=timezone.now())
    html = owner_client.get(page(roadmap)).content.decode()
    assert f'id="node-{first.pk}" class="node node-active' in html
    assert "In progress" in html and f"Continue: {first.title}" in html
    # The next one, started from its panel once it unlocks.
    owner_client.post(step_url(roadmap, first, "complete/"))
    html = owner_client.get(page(roadmap)).content.decode()
    assert f"Start next step: {second.title}" in html
    assert "In progress" not in html
    started = owner_client.post(step_url(roadmap, second, "start/"), **HTMX)
    assert started.status_code == 200
    shown = started.content.decode()
    assert "Started." in shown and f"Continue: {second.title}" in shown
    assert f'id="node-{second.pk}" class="node node-active' in shown


def test_starting_a_new_roadmaps_first_step_records_it_as_begun(owner_client, roadmap):
    first = steps(roadmap)[0]
    assert first.state == "active" and first.started_at is None

    started = owner_client.post(step_url(roadmap, first, "start/"), **HTMX)

    assert started.status_code == 200
    shown = started.content.decode()
    assert "Started." in shown and f"Continue: {first.title}" in shown
    assert f'id="node-{first.pk}" class="node node-active' in shown
    first.refresh_from_db()
    assert first.started_at is not None
    # Starting it again changes nothing.
    again = owner_client.post(step_url(roadmap, first, "start/"), **HTMX)
    assert "Started." not in again.content.decode()
    assert RoadmapStep.objects.get(pk=first.pk).started_at == first.started_at


def test_dashboard_lists_progress_schedule_and_next_step(owner_client, roadmap):
    html = owner_client.get("/roadmaps/").content.decode()
    assert roadmap.title in html
    assert "0% done" in html
    assert "Next:" in html and steps(roadmap)[0].title in html


def test_anyone_else_gets_404_and_anonymous_is_sent_to_sign_in(
    client, roadmap, stranger
):
    first = steps(roadmap)[0]
    anonymous = client.get(page(roadmap))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(stranger)
    assert client.get(page(roadmap)).status_code == 404
    assert client.get(step_url(roadmap, first)).status_code == 404
    refused = client.post(step_url(roadmap, first, "complete/"))
    assert refused.status_code == 404
    first.refresh_from_db()
    assert first.state == StepState.ACTIVE
    assert "You have no roadmap yet." in client.get("/roadmaps/").content.decode()


def test_step_page_is_the_path_with_the_panel_and_htmx_gets_the_panel_alone(
    owner_client, roadmap
):
    first = steps(roadmap)[0]
    whole = owner_client.get(step_url(roadmap, first)).content.decode()
    assert "<html" in whole and 'id="step-panel"' in whole
    assert "Mastery check" in whole and "Chosen because it is" in whole
    partial = owner_client.get(step_url(roadmap, first), **HTMX)
    assert "<html" not in partial.content.decode()
    assert 'id="step-panel"' in partial.content.decode()
    assert "HX-Request" in partial["Vary"]


def test_completing_without_js_redirects_and_unlocks_the_next_step(
    owner_client, roadmap
):
    first, second, *_ = steps(roadmap)
    answer = owner_client.post(step_url(roadmap, first, "complete/"))
    assert answer.status_code == 302
    assert answer["Location"] == step_url(roadmap, first)
    html = owner_client.get(answer["Location"]).content.decode()
    assert "Completed. Well done!" in html
    assert "The mastery check is not marked passed." in html
    assert f"Start next step: {second.title}" in html


def test_completing_with_htmx_answers_the_panel_and_the_path_out_of_band(
    owner_client, roadmap
):
    first, second, *_ = steps(roadmap)
    answer = owner_client.post(step_url(roadmap, first, "complete/"), **HTMX)
    html = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in html
    assert "Completed. Well done!" in html
    assert 'hx-swap-oob="outerHTML:#roadmap-path"' in html
    assert f"Start next step: {second.title}" in html


def test_a_refused_action_says_why_in_the_learners_words_with_409(
    owner_client, roadmap
):
    all_steps = steps(roadmap)
    blocked = next(s for s in all_steps if s.requires)
    blocker = next(s for s in all_steps if s.topic_slug == blocked.requires[0])
    for headers in ({}, HTMX):
        answer = owner_client.post(step_url(roadmap, blocked, "start/"), **headers)
        assert answer.status_code == 409
        assert f"is locked: start it after finishing “{blocker.title}”" in (
            answer.content.decode()
        )
    blocked.refresh_from_db()
    assert blocked.state == StepState.LOCKED


def test_skip_then_undo_round_trips(owner_client, roadmap):
    first = steps(roadmap)[0]
    owner_client.post(step_url(roadmap, first, "skip/"))
    first.refresh_from_db()
    assert first.state == StepState.SKIPPED
    owner_client.post(step_url(roadmap, first, "undo/"), **HTMX)
    first.refresh_from_db()
    assert first.state == StepState.ACTIVE


def test_notes_save_and_say_so(owner_client, roadmap):
    first = steps(roadmap)[0]
    answer = owner_client.post(
        step_url(roadmap, first, "notes/"), {"notes": "Read chapter 2"}, **HTMX
    )
    assert "Notes saved." in answer.content.decode()
    first.refresh_from_db()
    assert first.notes == "Read chapter 2"
    too_long = owner_client.post(
        step_url(roadmap, first, "notes/"), {"notes": "x" * 5001}
    )
    assert too_long.status_code == 400
    assert "Notes are at most 5000 characters." in too_long.content.decode()


def test_pins_mastery_and_votes_through_plain_posts(owner_client, roadmap, learner):
    first = steps(roadmap)[0]
    resource = first.resources.order_by("position").first()
    owner_client.post(step_url(roadmap, first, "pin/"), {"pinned": "true"})
    owner_client.post(step_url(roadmap, first, "mastery/"), {"passed": "true"})
    owner_client.post(
        step_url(roadmap, first, f"resources/{resource.pk}/pin/"), {"pinned": "true"}
    )
    vote = owner_client.post(
        step_url(roadmap, first, f"resources/{resource.pk}/feedback/"),
        {"helpful": "false"},
    )
    assert vote.status_code == 302
    first.refresh_from_db()
    resource.refresh_from_db()
    assert first.pinned and first.mastery_passed_at and resource.pinned
    assert ResourceFeedback.objects.get(learner=learner).helpful is False
    html = owner_client.get(step_url(roadmap, first)).content.decode()
    assert "Passed on" in html and 'aria-pressed="true"' in html


def test_export_offers_a_download_link(owner_client, roadmap):
    answer = owner_client.post(page(roadmap, "export/"), **HTMX)
    html = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in html
    assert "download the JSON file" in html and "/exports/" in html


@pytest.mark.parametrize("tail", ["", "steps/{step}/"])
def test_pages_run_the_same_queries_for_5_or_100_steps(small_catalog, client, tail):
    from tests.roadmaps.conftest import roadmap_plan

    counts = []
    for size in (5, 100):
        owner = UserFactory()
        roadmap = roadmap_plan(owner)
        _grow(roadmap, size)
        client.force_login(owner)
        url = page(roadmap, tail.format(step=steps(roadmap)[-1].pk))
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(url)
        assert answer.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_dashboard_queries_do_not_grow_with_roadmaps(small_catalog, client):
    from tests.roadmaps.conftest import roadmap_plan

    owner = UserFactory()
    client.force_login(owner)
    counts = []
    for _ in range(2):
        roadmap_plan(owner)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/roadmaps/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
