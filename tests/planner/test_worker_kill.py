"""A consumer killed (SIGKILL) in the middle of a job: the job finishes once.

Huey delivers at most once, so the task dies with its worker. The job row's
lease runs out, the reaper re-enqueues it, a new consumer runs it: one
roadmap, two attempts.
"""

from __future__ import annotations

import signal
from datetime import date

import pytest

from planner.models import JobState, PlanningJob
from planner.services import job_enqueue, jobs_reap, profile_submit
from roadmaps.models import Roadmap

from .conftest import TODAY_ISO, profile_raw, small_catalog_build, wait_for

pytestmark = pytest.mark.slow

LEASE = 2  # seconds
#: The first consumer phrases through this factory: its phraser sleeps, so the
#: job is caught in its wording stage.
SLOW_PHRASER = "tests.planner.slow_phraser.slow_phraser"


def test_a_job_survives_its_worker_being_killed(huey_consumers, django_user_model):
    small_catalog_build()
    user = django_user_model.objects.create(username="learner")
    profile = profile_submit(
        owner=user, raw=profile_raw(), today=date.fromisoformat(TODAY_ISO)
    )
    doomed = huey_consumers(PLANNER_LEASE_SECONDS=LEASE, PLANNER_PHRASER=SLOW_PHRASER)
    job = job_enqueue(profile=profile, actor=user)

    def mid_job():
        row = PlanningJob.objects.get(pk=job.pk)
        return row.state == JobState.RUNNING and row.stage == "wording"

    wait_for(mid_job, timeout=60)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    killed = PlanningJob.objects.get(pk=job.pk)
    assert (killed.state, killed.attempts) == (JobState.RUNNING, 1)
    assert not Roadmap.objects.exists()

    huey_consumers(PLANNER_LEASE_SECONDS=LEASE)
    # The lease runs out about LEASE seconds after the last heartbeat.
    wait_for(lambda: jobs_reap()["requeued"], timeout=LEASE * 5, interval=0.25)

    def succeeded():
        row = PlanningJob.objects.get(pk=job.pk)
        return row if row.state == JobState.SUCCEEDED else None

    done = wait_for(succeeded, timeout=60)
    assert done.attempts == 2
    assert Roadmap.objects.count() == 1
    assert done.roadmap_id == Roadmap.objects.get().pk
    assert jobs_reap() == {"requeued": 0, "failed": 0, "skipped": 0}
