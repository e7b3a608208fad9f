""" "Mark as known" on a step, then regenerate: the planner's known closure
(knowing a topic implies its basis) applies, and the new version says why
each topic left (docs/planner.md, "Placement")."""

from __future__ import annotations

import pytest

from planner.services import job_execute, roadmap_regenerate
from roadmaps.models import RoadmapStep, StepState
from roadmaps.services import step_skip

pytestmark = pytest.mark.django_db


def _steps(version) -> dict[str, RoadmapStep]:
    return {s.topic_slug: s for s in RoadmapStep.objects.filter(version=version)}


def test_a_step_marked_known_takes_its_basis_out_of_the_regenerated_plan(
    roadmap, learner, django_assert_max_num_queries
):
    before = _steps(roadmap.current)
    assert {"py-setup", "py-variables", "py-loops"} <= before.keys()
    # "Known" on a step is a skip (roadmaps/views/steps.py): loops is locked
    # behind setup and variables, and may still be marked.
    step_skip(roadmap_id=roadmap.pk, step_id=before["py-loops"].pk, actor=learner)

    job = roadmap_regenerate(roadmap_id=roadmap.pk, actor=learner)
    # The explanations come from the pure core: the job's queries are those of
    # any regeneration (32 measured: claim, stages, snapshot, store, carry-over).
    with django_assert_max_num_queries(32):
        done = job_execute(job_id=job.pk, worker_id="test")
    assert done.state == "succeeded", done.error
    roadmap.refresh_from_db()
    after = _steps(roadmap.current)

    planned = {s for s, step in after.items() if step.state != StepState.SKIPPED}
    # Setup and variables are what loops needs: never planned again.
    assert not planned & {"py-setup", "py-variables", "py-loops"}
    assert "py-functions" in planned
    (notice,) = [n for n in roadmap.current.notices if n["kind"] == "known_removed"]
    notes = {t["topic"]: (t["reason"], t["via"], t["note"]) for t in notice["topics"]}
    assert notes["py-loops"] == ("known", None, "You said you know Loops.")
    assert notes["py-setup"] == (
        "implied",
        "py-loops",
        "You said you know Loops, which needs Setup.",
    )
    assert notes["py-variables"][:2] == ("implied", "py-loops")
    assert notice["hours"] == sum(t["hours"] for t in notice["topics"])
    assert notice["message"].startswith("Left out 3 topics because of what you")
