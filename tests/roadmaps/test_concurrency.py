"""Two requests at once, on PostgreSQL: regenerations serialize per roadmap,
and progress changes on one roadmap never lose each other's writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection

import pytest

from planner.models import JobState, PlanningJob
from planner.selectors import catalog_graph_get
from planner.services import (
    answers_domain,
    jobs,
    profile_domain,
    profile_submit,
    profile_update,
    roadmap_regenerate,
)
from roadmaps.models import RoadmapStep, RoadmapVersion, StepState
from roadmaps.services import step_complete, step_update
from tests.planner.conftest import profile_raw
from tests.roadmaps.conftest import roadmap_plan
from wayfinder.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each result or error."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 -- the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_regenerations_at_once_make_one_job_and_one_conflict(
    small_catalog, learner
):
    roadmap = roadmap_plan(learner)

    def ask():
        return roadmap_regenerate(roadmap_id=roadmap.pk, actor=learner)

    results = at_once(ask, ask)

    jobs = [r for r in results if isinstance(r, PlanningJob)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(jobs), len(refused)) == (1, 1), results
    assert refused[0].details["job"] == jobs[0].pk
    assert (
        PlanningJob.objects.filter(regenerates=roadmap, state=JobState.QUEUED).count()
        == 1
    )


def test_two_progress_changes_at_once_both_land(small_catalog, learner):
    roadmap = roadmap_plan(learner)
    steps = dict(
        RoadmapStep.objects.filter(version=roadmap.current).values_list(
            "topic_slug", "pk"
        )
    )

    results = at_once(
        lambda: step_complete(
            roadmap_id=roadmap.pk, step_id=steps["py-setup"], actor=learner
        ),
        lambda: step_update(
            roadmap_id=roadmap.pk,
            step_id=steps["py-setup"],
            actor=learner,
            notes="done on the train",
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    setup = RoadmapStep.objects.get(pk=steps["py-setup"])
    assert setup.state == StepState.COMPLETED
    assert setup.notes == "done on the train"
    assert RoadmapVersion.objects.get(pk=roadmap.current_id).changed_at


def test_an_edit_racing_a_new_job_either_lands_first_or_is_refused(
    small_catalog, learner, monkeypatch
):
    """The job's hash is the profile's as stored: an edit made while the
    job was being hashed would otherwise slip in under a stale job."""
    profile = profile_submit(owner=learner, raw=profile_raw())
    real_hash = jobs.profile_hash

    def slow_hash(*args, **kwargs):
        # Hashing takes a while: long enough for the edit to run meanwhile.
        time.sleep(0.5)
        return real_hash(*args, **kwargs)

    monkeypatch.setattr(jobs, "profile_hash", slow_hash)

    def enqueue():
        return jobs.job_enqueue(profile=profile, actor=learner, enqueue=False)

    def edit():
        return profile_update(profile=profile, raw=profile_raw(weekly_hours="9 hours"))

    job, edited = at_once(enqueue, edit)

    assert isinstance(job, PlanningJob), job
    profile.refresh_from_db()
    graph = catalog_graph_get()
    stored = real_hash(
        profile_domain(profile=profile, graph=graph), answers_domain(profile=profile)
    )
    if isinstance(edited, Conflict):
        assert edited.code == "planning_running"
    else:
        assert not isinstance(edited, Exception), edited
    assert job.profile_hash == stored
