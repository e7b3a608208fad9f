"""Two requests at once, on PostgreSQL: regenerations serialize per roadmap,
and progress changes on one roadmap never lose each other's writes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

import pytest

from planner.models import JobState, PlanningJob
from planner.services import roadmap_regenerate
from roadmaps.models import RoadmapStep, RoadmapVersion, StepState
from roadmaps.services import step_complete, step_update
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
