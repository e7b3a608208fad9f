"""The learner's progress: states, refusals, undo, pins, notes, mastery."""

from __future__ import annotations

import pytest

from roadmaps.models import NOTES_MAX_LENGTH, RoadmapStep, StepState
from roadmaps.services import (
    step_complete,
    step_mastery_set,
    step_next,
    step_resource_pin,
    step_skip,
    step_start,
    step_undo,
    step_update,
)
from roadmaps.services.progress import MASTERY_NOT_PASSED
from wayfinder.errors import Conflict, InvalidInput, NotFound


def steps_of(roadmap) -> dict[str, RoadmapStep]:
    return {
        s.topic_slug: s for s in RoadmapStep.objects.filter(version=roadmap.current)
    }


def act(service, roadmap, slug, actor, **kwargs):
    step = steps_of(roadmap)[slug]
    return service(roadmap_id=roadmap.pk, step_id=step.pk, actor=actor, **kwargs)


def test_a_blocked_step_cannot_be_completed_or_started(roadmap, learner):
    for service in (step_complete, step_start):
        with pytest.raises(Conflict) as caught:
            act(service, roadmap, "py-variables", learner)
        assert caught.value.code == "step_locked"
        assert "“Setup”" in caught.value.message
        assert caught.value.details["blocked_by"] == [steps_of(roadmap)["py-setup"].pk]
    assert steps_of(roadmap)["py-variables"].state == StepState.LOCKED


def test_completing_unblocks_the_dependents_and_moves_the_next_step(roadmap, learner):
    changed_before = roadmap.current.changed_at
    change = act(step_complete, roadmap, "py-setup", learner)
    assert change.changed and change.step.state == StepState.COMPLETED
    assert change.step.completed_at is not None
    assert change.warnings == (MASTERY_NOT_PASSED,)
    roadmap.current.refresh_from_db()
    assert roadmap.current.changed_at > changed_before
    steps = list(RoadmapStep.objects.filter(version=roadmap.current))
    # "style" has no prerequisite: the first step the learner can take.
    assert step_next(steps).topic_slug == "py-style"
    started = act(step_start, roadmap, "py-variables", learner)
    assert started.step.state == StepState.ACTIVE and started.step.started_at


def test_progress_actions_are_idempotent(roadmap, learner):
    first = act(step_complete, roadmap, "py-setup", learner)
    again = act(step_complete, roadmap, "py-setup", learner)
    assert first.changed and not again.changed
    assert again.step.completed_at == first.step.completed_at
    assert act(step_skip, roadmap, "py-style", learner).changed
    assert not act(step_skip, roadmap, "py-style", learner).changed
    assert not act(step_undo, roadmap, "py-loops", learner).changed  # never done


def test_a_done_step_must_be_undone_before_it_is_started_or_skipped(roadmap, learner):
    act(step_complete, roadmap, "py-setup", learner)
    with pytest.raises(Conflict) as caught:
        act(step_start, roadmap, "py-setup", learner)
    assert caught.value.code == "step_completed"
    with pytest.raises(Conflict):
        act(step_skip, roadmap, "py-setup", learner)


def test_a_skipped_step_satisfies_its_dependents_and_can_be_completed(roadmap, learner):
    act(step_skip, roadmap, "py-setup", learner)
    assert act(step_complete, roadmap, "py-variables", learner).changed
    completed = act(step_complete, roadmap, "py-setup", learner)
    assert completed.step.state == StepState.COMPLETED
    assert completed.step.skipped_at is None


def test_undo_relocks_unstarted_dependents_and_reports_done_ones(roadmap, learner):
    act(step_complete, roadmap, "py-setup", learner)
    act(step_complete, roadmap, "py-variables", learner)
    steps = steps_of(roadmap)
    # loops is startable but not started; functions waits for loops.
    change = act(step_undo, roadmap, "py-setup", learner)
    assert change.step.state == StepState.ACTIVE and change.step.completed_at is None
    assert change.relocked == ()  # loops still needs variables... which is done
    assert change.dependents_kept == (steps["py-variables"].pk,)
    assert steps_of(roadmap)["py-variables"].state == StepState.COMPLETED

    change = act(step_undo, roadmap, "py-variables", learner)
    assert change.relocked == (steps["py-loops"].pk,)
    with pytest.raises(Conflict):
        act(step_start, roadmap, "py-loops", learner)


def test_the_mastery_check_is_marked_and_completing_without_it_warns(roadmap, learner):
    change = act(
        step_mastery_set, roadmap, "py-setup", learner, passed=True, note="quiz 9/10"
    )
    assert change.step.mastery_passed_at is not None
    assert change.step.mastery_note == "quiz 9/10"
    assert act(step_complete, roadmap, "py-setup", learner).warnings == ()
    assert not act(
        step_mastery_set, roadmap, "py-setup", learner, passed=True, note="quiz 9/10"
    ).changed


def test_pins_and_notes_are_saved_and_limited(roadmap, learner):
    change = act(
        step_update, roadmap, "py-loops", learner, pinned=True, notes="for + while"
    )
    assert change.changed
    stored = steps_of(roadmap)["py-loops"]
    assert stored.pinned and stored.notes == "for + while"
    with pytest.raises(InvalidInput) as caught:
        act(
            step_update,
            roadmap,
            "py-loops",
            learner,
            notes="x" * (NOTES_MAX_LENGTH + 1),
        )
    assert "notes" in caught.value.fields
    assert steps_of(roadmap)["py-loops"].notes == "for + while"

    step = steps_of(roadmap)["py-loops"]
    resource = step.resources.order_by("position").last()
    pinned = step_resource_pin(
        roadmap_id=roadmap.pk,
        step_id=step.pk,
        resource_id=resource.pk,
        actor=learner,
        pinned=True,
    )
    assert pinned.pinned


def test_another_learner_gets_not_found(roadmap, stranger):
    with pytest.raises(NotFound):
        act(step_complete, roadmap, "py-setup", stranger)
    with pytest.raises(NotFound):
        act(step_update, roadmap, "py-setup", stranger, notes="mine now")
