"""The learner's progress on a roadmap: step states, mastery, pins and notes.

Rules (docs/roadmaps.md): a step is *blocked* while one of its required
prerequisite steps is neither completed nor skipped. States:

- ``locked``: not started (blocked, or available to start);
- ``active``: started;
- ``completed`` / ``skipped``: done; both satisfy the steps that require it.

Every change is one short transaction holding a row lock on the roadmap (so
changes and a regeneration's store never interleave), acts on the current
version only (older versions are read-only), is idempotent (repeating it
changes nothing and says so), and moves the version's ``changed_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from wayfinder.errors import Conflict, InvalidInput, NotFound

from ..models import (
    DONE_STATES,
    NOTES_MAX_LENGTH,
    SHORT_NOTE_MAX_LENGTH,
    Roadmap,
    RoadmapStep,
    RoadmapVersion,
    StepResource,
    StepState,
)

MASTERY_NOT_PASSED = "The mastery check is not marked passed."


@dataclass(frozen=True)
class StepChange:
    """What a progress action did: the step as it is now, whether anything
    changed, warnings for the learner, and for an undo the dependents that
    are blocked again (``relocked``) and those left as they were
    (``dependents_kept``: started or done steps, by step id)."""

    step: RoadmapStep
    changed: bool
    warnings: tuple[str, ...] = ()
    relocked: tuple[int, ...] = ()
    dependents_kept: tuple[int, ...] = field(default=())


def blocked_by(step: RoadmapStep, states: Mapping[str, str]) -> list[str]:
    """The topic slugs of ``step``'s required prerequisites not done yet;
    ``states`` maps every step's topic slug to its state."""
    return [
        t
        for t in step.requires
        if states.get(t, StepState.COMPLETED) not in DONE_STATES
    ]


def step_next(steps: Sequence[RoadmapStep]) -> RoadmapStep | None:
    """The first step in order the learner can work on: started, or not
    started and not blocked. None when every step is done."""
    states = {s.topic_slug: s.state for s in steps}
    for step in steps:
        if step.state == StepState.ACTIVE:
            return step
        if step.state == StepState.LOCKED and not blocked_by(step, states):
            return step
    return None


@dataclass
class _Locked:
    roadmap: Roadmap
    step: RoadmapStep
    steps: list[RoadmapStep]

    @property
    def states(self) -> dict[str, str]:
        return {s.topic_slug: s.state for s in self.steps}

    def title_of(self, slugs: Iterable[str]) -> list[str]:
        titles = {s.topic_slug: s.title for s in self.steps}
        return [titles.get(slug, slug) for slug in slugs]

    def ids_of(self, slugs: Iterable[str]) -> list[int]:
        ids = {s.topic_slug: s.pk for s in self.steps}
        return [ids[slug] for slug in slugs if slug in ids]


def _locked(*, roadmap_id: int, step_id: int, actor: AbstractBaseUser) -> _Locked:
    """The actor's roadmap under a row lock, with the step and its version's
    steps; NotFound for another's roadmap or step, Conflict for a step of a
    replaced version."""
    roadmap = (
        Roadmap.objects.select_for_update()
        .filter(pk=roadmap_id, owner_id=actor.pk)
        .first()
    )
    if roadmap is None:
        raise NotFound("No such roadmap.")
    steps = list(RoadmapStep.objects.filter(version_id=roadmap.current_id))
    step = next((s for s in steps if s.pk == step_id), None)
    if step is None:
        old = (
            RoadmapStep.objects.filter(pk=step_id, version__roadmap_id=roadmap.pk)
            .values_list("version__number", flat=True)
            .first()
        )
        if old is None:
            raise NotFound("No such step in this roadmap.")
        raise Conflict(
            f"This step belongs to version {old}, which a newer version "
            "replaced; earlier versions are read-only.",
            code="version_replaced",
            details={"version": old},
        )
    return _Locked(roadmap=roadmap, step=step, steps=steps)


def _save(locked: _Locked, fields: Sequence[str], now: datetime) -> None:
    locked.step.save(update_fields=list(fields))
    RoadmapVersion.objects.filter(pk=locked.roadmap.current_id).update(changed_at=now)


def _refuse_blocked(locked: _Locked, action: str) -> None:
    waiting = blocked_by(locked.step, locked.states)
    if waiting:
        names = ", ".join(f"“{t}”" for t in locked.title_of(waiting))
        raise Conflict(
            f"“{locked.step.title}” is locked: {action} it after finishing "
            f"{names} (complete or skip them).",
            code="step_locked",
            details={"blocked_by": locked.ids_of(waiting)},
        )


def _refuse_done(locked: _Locked, action: str) -> None:
    if locked.step.state in DONE_STATES:
        raise Conflict(
            f"“{locked.step.title}” is {locked.step.state}: undo it before you "
            f"{action} it.",
            code=f"step_{locked.step.state}",
        )


def _action(
    apply: Callable[[_Locked, datetime], StepChange],
) -> Callable[..., StepChange]:
    """A progress action: lock, apply, save in one transaction."""

    def run(*, roadmap_id: int, step_id: int, actor: AbstractBaseUser) -> StepChange:
        with transaction.atomic():
            locked = _locked(roadmap_id=roadmap_id, step_id=step_id, actor=actor)
            return apply(locked, timezone.now())

    run.__name__ = apply.__name__
    run.__doc__ = apply.__doc__
    return run


@_action
def step_start(locked: _Locked, now: datetime) -> StepChange:
    """Start a step that is not blocked: ``locked`` -> ``active``, with its
    start time. A new roadmap's first step is active but not started yet
    ("Ready to start"): starting it records the time. Conflict for a
    blocked step (naming what blocks it) or a done one."""
    step = locked.step
    if step.state == StepState.ACTIVE and step.started_at is not None:
        return StepChange(step=step, changed=False)
    _refuse_done(locked, "start")
    _refuse_blocked(locked, "start")
    step.state, step.started_at = StepState.ACTIVE, step.started_at or now
    _save(locked, ["state", "started_at"], now)
    return StepChange(step=step, changed=True)


@_action
def step_complete(locked: _Locked, now: datetime) -> StepChange:
    """Complete a started or startable step (a skipped one too: the learner
    did it after all). Conflict for a blocked step. Allowed with the mastery
    check not passed, with a warning saying so."""
    step = locked.step
    warnings = () if step.mastery_passed_at else (MASTERY_NOT_PASSED,)
    if step.state == StepState.COMPLETED:
        return StepChange(step=step, changed=False, warnings=warnings)
    if step.state == StepState.LOCKED:
        _refuse_blocked(locked, "complete")
    step.state, step.completed_at, step.skipped_at = StepState.COMPLETED, now, None
    step.started_at = step.started_at or now
    _save(locked, ["state", "completed_at", "skipped_at", "started_at"], now)
    return StepChange(step=step, changed=True, warnings=warnings)


@_action
def step_skip(locked: _Locked, now: datetime) -> StepChange:
    """Skip a step the learner does not need (blocked or not): it then
    counts as done for the steps that require it. Conflict for a completed
    step (undo it first)."""
    step = locked.step
    if step.state == StepState.SKIPPED:
        return StepChange(step=step, changed=False)
    if step.state == StepState.COMPLETED:
        _refuse_done(locked, "skip")
    step.state, step.skipped_at = StepState.SKIPPED, now
    _save(locked, ["state", "skipped_at"], now)
    return StepChange(step=step, changed=True)


@_action
def step_undo(locked: _Locked, now: datetime) -> StepChange:
    """Take back a completed or skipped step: it is active again (locked if
    one of its own prerequisites is no longer done). Steps that depend on it
    (directly or through others) and were not started are blocked again
    (``relocked``); started or done dependents are left as they are and
    listed in ``dependents_kept``. A step not done changes nothing."""
    step = locked.step
    if step.state not in DONE_STATES:
        return StepChange(step=step, changed=False)
    before = locked.states
    step.state = StepState.LOCKED if blocked_by(step, before) else StepState.ACTIVE
    step.completed_at = step.skipped_at = None
    _save(locked, ["state", "completed_at", "skipped_at"], now)
    after = locked.states
    dependents = _dependents(locked.steps, step.topic_slug)
    relocked = [
        d.pk
        for d in dependents
        if d.state == StepState.LOCKED
        and not blocked_by(d, before)
        and blocked_by(d, after)
    ]
    kept = [d.pk for d in dependents if d.state != StepState.LOCKED]
    return StepChange(
        step=step, changed=True, relocked=tuple(relocked), dependents_kept=tuple(kept)
    )


def _dependents(steps: Sequence[RoadmapStep], topic: str) -> list[RoadmapStep]:
    """Steps requiring ``topic``, directly or through other steps, in order."""
    found, queue = {topic}, [topic]
    while queue:
        current = queue.pop()
        for step in steps:
            if current in step.requires and step.topic_slug not in found:
                found.add(step.topic_slug)
                queue.append(step.topic_slug)
    return [s for s in steps if s.topic_slug in found and s.topic_slug != topic]


def step_update(
    *,
    roadmap_id: int,
    step_id: int,
    actor: AbstractBaseUser,
    pinned: bool | None = None,
    notes: str | None = None,
) -> StepChange:
    """Pin or unpin a step, or replace its notes (plain text, at most
    ``NOTES_MAX_LENGTH`` characters; InvalidInput beyond). A pinned or noted
    step survives regeneration."""
    if notes is not None and len(notes) > NOTES_MAX_LENGTH:
        raise InvalidInput(
            fields={"notes": [f"Notes are at most {NOTES_MAX_LENGTH} characters."]}
        )
    with transaction.atomic():
        locked = _locked(roadmap_id=roadmap_id, step_id=step_id, actor=actor)
        step, fields = locked.step, []
        if pinned is not None and pinned != step.pinned:
            step.pinned = pinned
            fields.append("pinned")
        if notes is not None and notes != step.notes:
            step.notes = notes
            fields.append("notes")
        if fields:
            _save(locked, fields, timezone.now())
        return StepChange(step=step, changed=bool(fields))


def step_mastery_set(
    *,
    roadmap_id: int,
    step_id: int,
    actor: AbstractBaseUser,
    passed: bool,
    note: str = "",
) -> StepChange:
    """Mark a step's mastery check passed (with an optional note, at most
    ``SHORT_NOTE_MAX_LENGTH`` characters) or not passed."""
    if len(note) > SHORT_NOTE_MAX_LENGTH:
        raise InvalidInput(
            fields={
                "note": [f"The note is at most {SHORT_NOTE_MAX_LENGTH} characters."]
            }
        )
    with transaction.atomic():
        locked = _locked(roadmap_id=roadmap_id, step_id=step_id, actor=actor)
        step, now = locked.step, timezone.now()
        was = (step.mastery_passed_at is not None, step.mastery_note)
        if was == (passed, note):
            return StepChange(step=step, changed=False)
        if passed != was[0]:
            step.mastery_passed_at = now if passed else None
        step.mastery_note = note
        _save(locked, ["mastery_passed_at", "mastery_note"], now)
        return StepChange(step=step, changed=True)


def step_resource_pin(
    *,
    roadmap_id: int,
    step_id: int,
    resource_id: int,
    actor: AbstractBaseUser,
    pinned: bool,
) -> StepResource:
    """Pin or unpin one of a step's resources (by its StepResource id): a
    pinned resource stays first on its step through regeneration."""
    with transaction.atomic():
        locked = _locked(roadmap_id=roadmap_id, step_id=step_id, actor=actor)
        row = StepResource.objects.filter(pk=resource_id, step=locked.step).first()
        if row is None:
            raise NotFound("No such resource on this step.")
        if row.pinned != pinned:
            row.pinned = pinned
            row.save(update_fields=["pinned"])
            _save(locked, [], timezone.now())
        return row
