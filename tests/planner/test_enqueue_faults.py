"""A broker that is down when a job is created: the job waits, nothing fails.

The job row commits before its task is handed to Huey. With Redis unreachable
the caller still gets its job (queued, "waiting for a worker"), and the reaper
hands it over again seconds after the broker is back, not minutes.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

import pytest
from huey.storage import RedisStorage

from planner.models import JobState, PlanningJob
from planner.services import job_enqueue, jobs_reap, profile_submit

from .conftest import TODAY_ISO, profile_raw, small_catalog_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def huey_queue(redis_url):
    """This process's Redis queue, empty before and after the test."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    yield HUEY
    HUEY.flush()


@pytest.fixture
def broker_down(huey_queue):
    """Point Huey at a port nothing listens on until the fixture's stop()."""
    working = huey_queue.storage
    huey_queue.storage = RedisStorage(name=huey_queue.name, url="redis://127.0.0.1:9/0")

    def back_up() -> None:
        huey_queue.storage = working

    yield back_up
    back_up()


def test_a_job_made_while_the_broker_is_down_waits_and_is_handed_over_later(
    broker_down, huey_queue, django_user_model, django_capture_on_commit_callbacks
):
    small_catalog_build()
    user = django_user_model.objects.create(username="learner")
    profile = profile_submit(
        owner=user, raw=profile_raw(), today=date.fromisoformat(TODAY_ISO)
    )

    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(profile=profile, actor=user)  # no ConnectionError

    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.is_waiting_for_worker
    refused_at = job.enqueue_failed_at

    broker_down()  # Redis is reachable again
    assert huey_queue.pending_count() == 0
    # Too soon: the reaper leaves it for a few seconds.
    assert jobs_reap(now=refused_at + timedelta(seconds=1))["requeued"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        counts = jobs_reap(now=refused_at + timedelta(seconds=6))

    assert counts == {"requeued": 1, "failed": 0, "skipped": 0}
    assert huey_queue.pending_count() == 1
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and not job.is_waiting_for_worker


def test_a_broker_that_takes_the_job_leaves_no_waiting_mark(
    huey_queue, django_user_model, django_capture_on_commit_callbacks
):
    small_catalog_build()
    user = django_user_model.objects.create(username="learner")
    profile = profile_submit(
        owner=user, raw=profile_raw(), today=date.fromisoformat(TODAY_ISO)
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(profile=profile, actor=user)

    assert huey_queue.pending_count() == 1
    assert PlanningJob.objects.get(pk=job.pk).enqueue_failed_at is None
    assert jobs_reap(now=timezone.now() + timedelta(seconds=60))["requeued"] == 0
