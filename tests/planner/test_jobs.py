"""Planning jobs through Redis and a real ``run_huey`` consumer process."""

from __future__ import annotations

from datetime import date

import pytest

from planner.models import JobState, PlanningJob
from planner.services import job_enqueue, profile_submit
from roadmaps.models import Roadmap
from taxonomy.models import Topic
from taxonomy.services import catalog_version_bump

from .conftest import TODAY_ISO, profile_raw, small_catalog_build, wait_for

pytestmark = pytest.mark.slow


def finished(job_id: int):
    def job_finished():
        job = PlanningJob.objects.get(pk=job_id)
        return job if job.is_finished else None

    return job_finished


def enqueue(user, **overrides) -> PlanningJob:
    profile = profile_submit(
        owner=user, raw=profile_raw(**overrides), today=date.fromisoformat(TODAY_ISO)
    )
    # Outside a test transaction: the task goes to Redis when this commits.
    return job_enqueue(profile=profile, actor=user)


def test_a_job_runs_end_to_end_in_a_real_consumer(huey_consumers, django_user_model):
    small_catalog_build()
    user = django_user_model.objects.create(username="learner")
    huey_consumers()

    job = enqueue(user)
    done = wait_for(finished(job.pk), timeout=60)

    assert done.state == JobState.SUCCEEDED, done.error
    assert (done.attempts, done.percent) == (1, 100)
    assert set(done.timings) >= {"snapshot", "plan", "rank", "validate", "store"}
    roadmap = Roadmap.objects.get()
    assert done.roadmap_id == roadmap.pk and roadmap.owner == user
    assert roadmap.current.steps.count() == 5
    # Asking again returns the finished job: no second run, no second roadmap.
    assert enqueue(user).pk == job.pk
    assert Roadmap.objects.count() == 1


def test_a_job_whose_stage_raises_fails_with_the_message(
    huey_consumers, django_user_model
):
    small_catalog_build()
    # Written around the model's validation: a topic without a mastery check.
    Topic.objects.filter(slug="py-loops").update(mastery_description="")
    catalog_version_bump()
    user = django_user_model.objects.create(username="learner")
    huey_consumers()

    job = enqueue(user)
    done = wait_for(finished(job.pk), timeout=60)

    assert done.state == JobState.FAILED
    assert done.error.startswith("Stage validate failed: rule step-content")
    assert done.attempts == 1  # a deterministic failure is not retried
    assert not Roadmap.objects.exists()
