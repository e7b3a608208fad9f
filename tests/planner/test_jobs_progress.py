"""What a job writes to its row while it runs: the stages that wait on
something outside the process, and a pure stage only when time has passed
since the last write (``planner.services.jobs.WRITTEN_STAGES``)."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from planner.models import JobState
from planner.services import job_enqueue, job_execute, profile_submit
from planner.services import jobs as jobs_module
from taxonomy.models import Topic
from taxonomy.services import catalog_version_bump

from .conftest import TODAY_ISO, profile_raw

pytestmark = pytest.mark.django_db

TODAY = date.fromisoformat(TODAY_ISO)
PIPELINE = {"snapshot", "normalize", "uncertainty", "plan", "rank", "validate"}


def _job(learner):
    profile = profile_submit(owner=learner, raw=profile_raw(), today=TODAY)
    return job_enqueue(profile=profile, actor=learner, enqueue=False)


def _job_updates(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "planner_planningjob"')
    ]


def test_a_fast_job_writes_its_row_at_the_claim_store_and_finish(
    small_catalog, learner, monkeypatch
):
    # An hour: no pure stage may be written, however loaded the machine is.
    monkeypatch.setattr(jobs_module, "PROGRESS_INTERVAL_S", 3600.0)
    job = _job(learner)

    with CaptureQueriesContext(connection) as queries:
        done = job_execute(job_id=job.pk, worker_id="test")

    assert done.state == JobState.SUCCEEDED, done.error
    updates = _job_updates(queries)
    assert len(updates) == 3
    # The claim enters the snapshot stage: no write of its own.
    assert "'snapshot'" in updates[0] and "'store'" in updates[1]
    # Every stage is still timed, written or not.
    assert set(done.timings) >= PIPELINE | {"store"}


def test_every_stage_is_written_when_each_takes_longer_than_the_interval(
    small_catalog, learner, monkeypatch
):
    monkeypatch.setattr(jobs_module, "PROGRESS_INTERVAL_S", 0.0)
    job = _job(learner)

    with CaptureQueriesContext(connection) as queries:
        done = job_execute(job_id=job.pk, worker_id="test")

    assert done.state == JobState.SUCCEEDED, done.error
    written = [
        stage
        for sql in _job_updates(queries)
        for stage in (*PIPELINE, "store")
        if f"\"stage\" = '{stage}'" in sql
    ]
    assert written == [
        "snapshot",
        "normalize",
        "uncertainty",
        "plan",
        "rank",
        "validate",
        "store",
    ]


def test_a_failed_job_names_the_stage_that_failed_on_its_row(small_catalog, learner):
    # Written around the model's validation: a topic without a mastery check.
    Topic.objects.filter(slug="py-loops").update(mastery_description="")
    catalog_version_bump()
    job = _job(learner)

    done = job_execute(job_id=job.pk, worker_id="test")

    assert done.state == JobState.FAILED
    assert done.stage == "validate"
    assert done.error.startswith("Stage validate failed: rule step-content")
