"""A planning job's page through the Django client on PostgreSQL: queued,
running with its stage and percent, done (HX-Redirect, or a link), failed
(its message and a retry that works), owner only, bounded queries.

Jobs are run by calling ``job_execute`` as a worker would (the test's
transaction never commits, so nothing reaches Huey).
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from planner.models import JobState, PlanningJob
from planner.services import (
    job_enqueue,
    job_execute,
    profile_submit,
    roadmap_regenerate,
)
from tests.factories import UserFactory
from tests.planner.conftest import (
    profile_raw,
    small_catalog_build,
)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


@pytest.fixture
def job(db, learner) -> PlanningJob:
    small_catalog_build()
    profile = profile_submit(owner=learner, raw=profile_raw(start_date=None))
    return job_enqueue(profile=profile, actor=learner)


@pytest.fixture
def owner_client(client, learner):
    client.force_login(learner)
    return client


def url(job: PlanningJob, tail: str = "") -> str:
    return reverse("jobs:detail", args=[job.pk]) + tail


def test_a_queued_job_polls_and_refreshes_without_js(owner_client, job):
    page = owner_client.get(url(job))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Building your roadmap" in html and html.count("<h1") == 1
    assert "Waiting to start: 0% done" in html
    assert 'aria-live="polite"' in html
    assert f'hx-get="{url(job)}"' in html and 'hx-trigger="every 1s"' in html
    assert '<progress max="100" value="0"' in html
    # The refresh is for browsers without JavaScript only.
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html


def test_a_running_job_shows_its_stage_and_percent_in_the_partial(owner_client, job):
    PlanningJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, stage="rank", percent=50
    )
    fragment = owner_client.get(url(job), **HX)
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in html and "<h1" not in html
    assert "Choosing resources for each step: 50% done" in html
    assert '<progress max="100" value="50"' in html
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]

    # The same state again: nothing to swap or announce.
    token = "running:rank:50:False"
    assert f'value="{token}"' in html
    unchanged = owner_client.get(url(job, f"?seen={token}"), **HX)
    assert unchanged.status_code == 204
    PlanningJob.objects.filter(pk=job.pk).update(stage="validate", percent=80)
    moved = owner_client.get(url(job, f"?seen={token}"), **HX)
    assert moved.status_code == 200
    assert "Checking the plan: 80% done" in moved.content.decode()


def test_a_finished_job_sends_htmx_to_the_roadmap_and_shows_a_link(owner_client, job):
    done = job_execute(job_id=job.pk, worker_id="test")
    assert done.state == JobState.SUCCEEDED and done.roadmap_id
    roadmap = reverse("roadmaps:detail", args=[done.roadmap_id])
    polled = owner_client.get(url(job), **HX)
    assert polled["HX-Redirect"] == roadmap
    page = owner_client.get(url(job)).content.decode()
    assert f'href="{roadmap}"' in page and "Open your roadmap" in page
    assert "refresh" not in page and "hx-trigger" not in page


def test_a_finished_regeneration_goes_to_the_changes(owner_client, job, learner):
    done = job_execute(job_id=job.pk, worker_id="test")
    again = roadmap_regenerate(roadmap_id=done.roadmap_id, actor=learner)
    page = owner_client.get(url(again)).content.decode()
    assert "Regenerating your roadmap" in page
    assert job_execute(job_id=again.pk, worker_id="test").state == JobState.SUCCEEDED
    polled = owner_client.get(url(again), **HX)
    target = reverse("roadmaps:detail", args=[done.roadmap_id]) + "#changes"
    assert polled["HX-Redirect"] == target


def test_a_failed_job_says_why_stops_polling_and_retry_queues_it_again(
    owner_client, job
):
    message = "Stage validate failed: rule step-resources at step py-loops."
    PlanningJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, stage="validate", percent=80, error=message, attempts=3
    )
    page = owner_client.get(url(job)).content.decode()
    assert "Planning failed." in page and message in page
    assert "Try again" in page and reverse("jobs:retry", args=[job.pk]) in page
    assert "hx-trigger" not in page and "refresh" not in page
    polled = owner_client.get(url(job), **HX)
    assert polled.status_code == 286  # htmx stops polling
    assert message in polled.content.decode()

    retried = owner_client.post(reverse("jobs:retry", args=[job.pk]))
    assert retried.status_code == 302 and retried["Location"] == url(job)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.QUEUED, 0)
    assert job_execute(job_id=job.pk, worker_id="test").state == JobState.SUCCEEDED


def test_retry_of_a_failed_regeneration_starts_a_new_one(owner_client, job, learner):
    done = job_execute(job_id=job.pk, worker_id="test")
    again = roadmap_regenerate(roadmap_id=done.roadmap_id, actor=learner)
    PlanningJob.objects.filter(pk=again.pk).update(
        state=JobState.FAILED, error="Stage plan failed: boom."
    )
    retried = owner_client.post(reverse("jobs:retry", args=[again.pk]), **HX)
    newest = PlanningJob.objects.filter(regenerates_id=done.roadmap_id).latest("pk")
    assert newest.pk != again.pk and newest.state == JobState.QUEUED
    assert retried["HX-Redirect"] == url(newest)


def test_retry_of_a_job_that_did_not_fail_only_shows_it(owner_client, job):
    answer = owner_client.post(reverse("jobs:retry", args=[job.pk]))
    assert answer["Location"] == url(job)
    assert PlanningJob.objects.count() == 1


def test_someone_elses_job_is_404_and_anonymous_is_sent_to_sign_in(client, job):
    client.force_login(UserFactory(username="stranger"))
    assert client.get(url(job)).status_code == 404
    assert client.get(url(job), **HX).status_code == 404
    assert client.post(reverse("jobs:retry", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(url(job))["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("jobs:detail", args=[999999])).status_code == 302


def test_the_job_page_and_its_partial_run_a_few_queries(owner_client, job):
    owner_client.get(url(job))
    for extra in ({}, HX):
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url(job), **extra).status_code == 200
        # session, user, the job (and the header's permission check)
        assert len(queries) <= 5, [q["sql"] for q in queries]
