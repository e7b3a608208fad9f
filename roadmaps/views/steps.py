"""A step's actions from the panel: progress, pins, notes, the mastery
check and votes on its resources. One service call per POST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from wayfinder.errors import TRANSLATED, InvalidInput, application_error, error_response

from ..forms import (
    FeedbackForm,
    MasteryForm,
    ResourcePinForm,
    StepNotesForm,
    StepPinForm,
)
from ..services import (
    resource_feedback_set,
    step_complete,
    step_mastery_set,
    step_resource_pin,
    step_skip,
    step_start,
    step_undo,
    step_update,
)
from .common import PROBLEM, render_path

PROGRESS_ACTIONS = {
    "start": (step_start, "Started."),
    "complete": (step_complete, "Completed. Well done!"),
    "skip": (step_skip, "Skipped: the steps after it count it as done."),
    "undo": (step_undo, "Undone."),
    # No reason is recorded: knowing a step is skipping it (docs/roadmaps.md).
    "known": (step_skip, "Marked as known: the steps after it count it as done."),
}
#: Why a resource is there, from the score parts that count most for it.


def _after_post(
    request: HttpRequest, roadmap_id: int, step_id: int, change: Callable[[], str]
) -> HttpResponse:
    """Run one service call; then redirect (no JS) or answer the panel (htmx)."""
    try:
        notice = change()
    except TRANSLATED as exc:
        error = application_error(exc)
        if error.status == 404:
            return error_response(request, error, template=PROBLEM)
        return render_path(request, roadmap_id, step_id, error=error)
    if request.htmx:
        return render_path(request, roadmap_id, step_id, extra={"notice": notice})
    messages.success(request, notice)
    return redirect("roadmaps:step", roadmap_id=roadmap_id, step_id=step_id)


def _valid(form: forms.Form) -> dict[str, Any]:
    if not form.is_valid():
        raise InvalidInput(fields=form.errors)
    return form.cleaned_data


@login_required
@require_POST
def step_progress(
    request: HttpRequest, roadmap_id: int, step_id: int, action: str
) -> HttpResponse:
    """Start, complete, skip or undo a step."""
    service, said = PROGRESS_ACTIONS[action]

    def change() -> str:
        result = service(roadmap_id=roadmap_id, step_id=step_id, actor=request.user)
        return " ".join((said, *result.warnings)) if result.changed else "No change."

    return _after_post(request, roadmap_id, step_id, change)


@login_required
@require_POST
def step_pin(request: HttpRequest, roadmap_id: int, step_id: int) -> HttpResponse:
    """Pin or unpin a step: a pinned step stays through regeneration."""

    def change() -> str:
        pinned = _valid(StepPinForm(request.POST))["pinned"]
        step_update(
            roadmap_id=roadmap_id, step_id=step_id, actor=request.user, pinned=pinned
        )
        return "Pinned: this step stays when you regenerate." if pinned else "Unpinned."

    return _after_post(request, roadmap_id, step_id, change)


@login_required
@require_POST
def step_notes(request: HttpRequest, roadmap_id: int, step_id: int) -> HttpResponse:
    """Save the step's notes."""

    def change() -> str:
        notes = _valid(StepNotesForm(request.POST))["notes"]
        step_update(
            roadmap_id=roadmap_id, step_id=step_id, actor=request.user, notes=notes
        )
        return "Notes saved."

    return _after_post(request, roadmap_id, step_id, change)


@login_required
@require_POST
def step_mastery(request: HttpRequest, roadmap_id: int, step_id: int) -> HttpResponse:
    """Mark the step's mastery check passed, or not."""

    def change() -> str:
        data = _valid(MasteryForm(request.POST))
        step_mastery_set(
            roadmap_id=roadmap_id, step_id=step_id, actor=request.user, **data
        )
        return "Mastery check marked passed." if data["passed"] else "Mark removed."

    return _after_post(request, roadmap_id, step_id, change)


@login_required
@require_POST
def resource_pin(
    request: HttpRequest, roadmap_id: int, step_id: int, resource_id: int
) -> HttpResponse:
    """Pin or unpin one of the step's resources: it then leads its step."""

    def change() -> str:
        pinned = _valid(ResourcePinForm(request.POST))["pinned"]
        row = step_resource_pin(
            roadmap_id=roadmap_id,
            step_id=step_id,
            resource_id=resource_id,
            actor=request.user,
            pinned=pinned,
        )
        return f"Pinned “{row.title}”." if pinned else f"Unpinned “{row.title}”."

    return _after_post(request, roadmap_id, step_id, change)


@login_required
@require_POST
def resource_feedback(
    request: HttpRequest, roadmap_id: int, step_id: int, resource_id: int
) -> HttpResponse:
    """Vote a resource helpful or not helpful (or withdraw the vote)."""

    def change() -> str:
        helpful = _valid(FeedbackForm(request.POST))["helpful"]
        resource_feedback_set(
            roadmap_id=roadmap_id,
            step_id=step_id,
            resource_id=resource_id,
            actor=request.user,
            helpful=helpful,
        )
        return "Thanks for your vote." if helpful is not None else "Vote withdrawn."

    return _after_post(request, roadmap_id, step_id, change)
