"""Regeneration: a new version that keeps what the learner made theirs, its
diff, one regeneration at a time, and progress made while it runs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from learners.models import LearnerProfile
from planner.models import JobState, PlanningJob
from planner.services import job_execute, roadmap_regenerate
from roadmaps.models import RoadmapStep, RoadmapVersion, StepState
from roadmaps.services import (
    step_complete,
    step_mastery_set,
    step_resource_pin,
    step_skip,
    step_update,
)
from taxonomy.models import Track
from wayfinder.errors import Conflict, NotFound


def steps_of(version) -> dict[str, RoadmapStep]:
    return {s.topic_slug: s for s in RoadmapStep.objects.filter(version=version)}


def act(service, roadmap, slug, actor, **kwargs):
    step = steps_of(roadmap.current)[slug]
    return service(roadmap_id=roadmap.pk, step_id=step.pk, actor=actor, **kwargs)


def regenerate(roadmap, actor, phraser=None) -> RoadmapVersion:
    job = roadmap_regenerate(roadmap_id=roadmap.pk, actor=actor)
    done = job_execute(job_id=job.pk, worker_id="test", phraser=phraser)
    assert done.state == JobState.SUCCEEDED, done.error
    roadmap.refresh_from_db()
    assert done.version_id == roadmap.current_id and done.roadmap_id == roadmap.pk
    return roadmap.current


def switch_track(roadmap, track: str) -> None:
    profile = LearnerProfile.objects.get(pk=roadmap.profile_id)
    profile.raw_answers = {**profile.raw_answers, "goals": track}
    profile.track = Track.objects.get(slug=track)
    profile.save(update_fields=["raw_answers", "track"])


def test_regenerating_keeps_every_pinned_done_and_noted_thing(
    roadmap, learner, small_catalog
):
    act(step_mastery_set, roadmap, "py-setup", learner, passed=True, note="easy")
    act(step_complete, roadmap, "py-setup", learner)
    act(step_skip, roadmap, "py-style", learner)
    act(step_update, roadmap, "py-variables", learner, notes="revisit scopes")
    act(step_update, roadmap, "py-loops", learner, pinned=True)
    functions = steps_of(roadmap.current)["py-functions"]
    last = functions.resources.order_by("position").last()
    step_resource_pin(
        roadmap_id=roadmap.pk,
        step_id=functions.pk,
        resource_id=last.pk,
        actor=learner,
        pinned=True,
    )
    old = roadmap.current
    old_steps = steps_of(old)
    switch_track(roadmap, "python-objects")

    new = regenerate(roadmap, learner)

    assert new.number == 2 and new.input_profile_hash != old.input_profile_hash
    steps = steps_of(new)
    ordered = sorted(steps.values(), key=lambda s: s.position)
    # Done steps the plan no longer schedules come first, kept as they were.
    assert [s.topic_slug for s in ordered] == [
        "py-setup",
        "py-style",
        "py-variables",
        "py-loops",
        "py-functions",
        "py-classes",
    ]
    setup, style = steps["py-setup"], steps["py-style"]
    assert setup.carried and style.carried
    assert setup.state == StepState.COMPLETED
    assert setup.completed_at == old_steps["py-setup"].completed_at
    assert setup.mastery_passed_at == old_steps["py-setup"].mastery_passed_at
    assert setup.mastery_note == "easy"
    assert style.state == StepState.SKIPPED
    assert steps["py-variables"].notes == "revisit scopes"
    assert steps["py-loops"].pinned
    assert not steps["py-classes"].carried
    assert steps["py-classes"].requires == ["py-functions"]
    # The pinned resource leads its step.
    first = steps["py-functions"].resources.order_by("position").first()
    assert (first.resource_slug, first.pinned) == (last.resource_slug, True)
    # Variables is the step to work on: its prerequisite is done.
    assert steps["py-variables"].state == StepState.ACTIVE

    # The old version is kept as it was.
    assert steps_of(old)["py-setup"].position == 1
    assert RoadmapStep.objects.filter(version=old).count() == 5

    diff = new.diff
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert diff["added"] == [{"topic": "py-classes", "title": "Classes", "position": 6}]
    assert diff["removed"] == []
    assert diff["kept"] == [
        {"topic": t, "position": p}
        for t, p in (
            ("py-setup", 1),
            ("py-style", 2),
            ("py-variables", 3),
            ("py-loops", 4),
            ("py-functions", 5),
        )
    ]
    assert diff["moved"] == []
    swapped = {r["topic"]: r for r in diff["resources"]}
    assert set(swapped) <= {"py-functions"}
    assert diff["total_hours"] == {
        "before": float(old.total_hours),
        "after": float(new.total_hours),
    }
    assert diff["end_date"]["before"] == old.end_date.isoformat()
    assert diff["end_date"]["after"] == new.end_date.isoformat()


def test_the_diff_names_removed_and_moved_steps(roadmap, learner, small_catalog):
    profile = LearnerProfile.objects.get(pk=roadmap.profile_id)
    profile.known_topics.add(small_catalog.topics["py-setup"])
    switch_track(roadmap, "python-objects")
    new = regenerate(roadmap, learner)
    diff = new.diff
    assert diff["removed"] == [{"topic": "py-setup", "title": "Setup", "position": 1}]
    assert diff["added"] == [{"topic": "py-classes", "title": "Classes", "position": 5}]
    assert {m["topic"]: (m["from"], m["to"]) for m in diff["moved"]} == {
        "py-style": (2, 1),
        "py-variables": (3, 2),
        "py-loops": (4, 3),
        "py-functions": (5, 4),
    }
    assert diff["kept"] == []
    assert diff["total_hours"]["before"] == diff["total_hours"]["after"]


def test_a_second_regeneration_while_one_runs_is_refused_with_the_running_job(
    roadmap, learner
):
    job = roadmap_regenerate(roadmap_id=roadmap.pk, actor=learner)
    with pytest.raises(Conflict) as caught:
        roadmap_regenerate(roadmap_id=roadmap.pk, actor=learner)
    assert caught.value.code == "regeneration_running"
    assert caught.value.details == {"job": job.pk, "state": "queued"}
    job_execute(job_id=job.pk, worker_id="test")
    again = roadmap_regenerate(roadmap_id=roadmap.pk, actor=learner)
    assert again.pk != job.pk and again.base_version == 2


def test_only_the_owner_regenerates(roadmap, stranger):
    with pytest.raises(NotFound):
        roadmap_regenerate(roadmap_id=roadmap.pk, actor=stranger)
    assert not PlanningJob.objects.filter(regenerates=roadmap).exists()


class ProgressMidway:
    """A phraser that, while the job runs (after the planner read the roadmap),
    lets the learner complete a step: as if from another request."""

    name = "midway"

    def __init__(self, roadmap, learner) -> None:
        self.roadmap, self.learner = roadmap, learner

    def phrase_questions(self, questions: Sequence) -> list[str]:
        return []

    def phrase_summaries(self, steps: Sequence) -> list[str]:
        act(step_complete, self.roadmap, "py-setup", self.learner)
        act(step_update, self.roadmap, "py-loops", self.learner, notes="late note")
        return []


def test_progress_made_during_a_regeneration_is_not_lost(roadmap, learner):
    new = regenerate(roadmap, learner, phraser=ProgressMidway(roadmap, learner))
    steps = steps_of(new)
    assert steps["py-setup"].state == StepState.COMPLETED
    assert steps["py-setup"].completed_at is not None
    assert steps["py-loops"].notes == "late note"
    with pytest.raises(Conflict) as caught:
        step_complete(
            roadmap_id=roadmap.pk,
            step_id=RoadmapStep.objects.get(
                version__number=1, version__roadmap=roadmap, topic_slug="py-style"
            ).pk,
            actor=learner,
        )
    assert caught.value.code == "version_replaced"
