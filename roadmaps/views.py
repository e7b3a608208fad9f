"""Export downloads through signed links, the export's JSON Schema, and the
learner's roadmap pages (the dashboard, the path, the step panel, regenerate
and older versions).

The download link is a capability: whoever holds it may fetch the file
until it expires, so the token never reaches a log line (the request log
redacts it; Django's own 4xx log is written here without the path).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf.locale import LANG_INFO
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.log import log_response
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from django_htmx.http import HttpResponseClientRedirect

from planner.services import roadmap_regenerate
from roadmaps.export import SCHEMA_MAJOR, export_schema_bytes
from roadmaps.services.export import (
    export_file_open,
    export_filename,
    export_for_download,
    roadmap_export,
)
from wayfinder.errors import (
    TRANSLATED,
    ApplicationError,
    InvalidInput,
    NotFound,
    application_error,
    error_response,
)

from .forms import (
    FeedbackForm,
    MasteryForm,
    ResourcePinForm,
    StepNotesForm,
    StepPinForm,
)
from .models import Roadmap, RoadmapStep, RoadmapVersion, StepResource, StepState
from .schedule import AHEAD, BEHIND, FINISHED, ON_TRACK, ScheduleStatus
from .selectors import (
    RoadmapPath,
    StepsRead,
    regeneration_keeps,
    roadmap_path_for_owner,
    roadmap_summaries_for_owner,
    roadmap_version_for_owner,
    version_resource_titles,
)
from .services import (
    resource_feedback_set,
    step_complete,
    step_mastery_set,
    step_resource_pin,
    step_skip,
    step_start,
    step_undo,
    step_update,
)


@require_GET
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The export a signed link names, as an attachment; 403 for a tampered
    or expired link, 404 when the export is gone."""
    try:
        export = export_for_download(token=token)
        handle = export_file_open(export=export)
    except TRANSLATED as exc:
        error = application_error(exc)
        response = HttpResponse(
            f"{error.public_message}\n",
            status=error.status,
            content_type="text/plain; charset=utf-8",
        )
        response["Cache-Control"] = "private, no-store"
        # Logged here so Django does not log it with the path, token and all.
        log_response("Export download refused: %s", error.code, response=response)
        return response
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(export),
        content_type="application/json",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def export_schema(request: HttpRequest, major: int) -> HttpResponse:
    """The export's JSON Schema of major version ``major``: public, cacheable."""
    if major != SCHEMA_MAJOR:
        error = NotFound(f"No roadmap export schema version {major}.")
        return JsonResponse({"error": error.as_dict()}, status=error.status)
    response = HttpResponse(
        export_schema_bytes(), content_type="application/schema+json"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


# -- the learner's roadmap pages --------------------------------------------------------
# Each page is one selector call; each POST one service call. Without JavaScript
# a POST redirects back to the step (its message in the session); with htmx it
# answers the step panel and, out of band, the path and the status line.

DETAIL = "roadmaps/roadmap_detail.html"
DASHBOARD = "roadmaps/roadmap_list.html"
REGENERATE = "roadmaps/roadmap_regenerate.html"
VERSION = "roadmaps/roadmap_version.html"
PROBLEM = "roadmaps/problem.html"
PROGRESS_ACTIONS = {
    "start": (step_start, "Started."),
    "complete": (step_complete, "Completed. Well done!"),
    "skip": (step_skip, "Skipped: the steps after it count it as done."),
    "undo": (step_undo, "Undone."),
    # No reason is recorded: knowing a step is skipping it (docs/roadmaps.md).
    "known": (
        step_skip,
        "Marked as known: the steps after it count it as done.",
    ),
}
#: Why a resource is there, from the score parts that count most for it.
WHY = {
    "language": "in your language",
    "level": "at your level",
    "format": "a format you like",
    "cost": "fits your budget",
    "duration": "fits the time this step has",
    "quality": "rated well by learners and curators",
    "coverage": "covers the whole topic",
}
WHY_THRESHOLD = 0.75
STATE_LABELS = {
    "blocked": "Locked",
    "ready": "Ready to start",
    StepState.ACTIVE: "In progress",
    StepState.COMPLETED: "Completed",
    StepState.SKIPPED: "Skipped",
}
STATUS_LABELS = {ON_TRACK: "On track", AHEAD: "Ahead", FINISHED: "Finished"}


@dataclass(frozen=True)
class PathNode:
    step: RoadmapStep
    state: str
    label: str
    waiting_for: list[RoadmapStep]


@dataclass(frozen=True)
class ResourceRow:
    row: StepResource
    why: str
    duration: str
    language: str
    vote: bool | None


def _nodes(read: StepsRead) -> list[PathNode]:
    nodes = []
    for step in read.steps:
        waiting = read.blocked_by(step)
        state = step.state
        if state == StepState.LOCKED:
            state = "blocked" if waiting else "ready"
        nodes.append(PathNode(step, state, STATE_LABELS[state], waiting))
    return nodes


def _why(parts: dict) -> str:
    best = sorted(
        (value, name) for name, value in parts.items() if name in WHY and value
    )[::-1]
    reasons = [WHY[name] for value, name in best if value >= WHY_THRESHOLD][:3]
    return "Chosen because it is " + ", ".join(reasons) + "." if reasons else ""


def _duration(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    return " ".join(
        p for p in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if p
    )


def _language(code: str | None) -> str:
    return LANG_INFO.get(code or "", {}).get("name", code or "")


def _resources(step: RoadmapStep, votes: dict[int, bool]) -> list[ResourceRow]:
    return [
        ResourceRow(
            row=row,
            why=_why(row.score_parts),
            duration=_duration(row.resource.duration_minutes if row.resource else None),
            language=_language(row.resource.language if row.resource else None),
            vote=votes.get(row.resource_id),
        )
        for row in step.resources.all()
    ]


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _schedule_line(status: ScheduleStatus) -> str:
    if status.status == BEHIND:
        return f"Behind by {_hours(-status.hours_delta)} hours"
    if status.status == AHEAD:
        return f"Ahead by {_hours(status.hours_delta)} hours"
    return STATUS_LABELS[status.status]


def _context(path: RoadmapPath, step_id: int | None = None) -> dict[str, Any]:
    nodes = _nodes(path.read)
    open_node = next((n for n in nodes if n.step.pk == step_id), None)
    if step_id is not None and open_node is None:
        raise NotFound("No such step in this roadmap.")
    return {
        "roadmap": path.roadmap,
        "version": path.roadmap.current,
        "schedule": path.schedule,
        "schedule_line": _schedule_line(path.schedule),
        "nodes": nodes,
        "next_step": path.read.next_step,
        "node": open_node,
        "resources": _resources(open_node.step, path.read.votes) if open_node else [],
        "notes_form": StepNotesForm(initial={"notes": open_node.step.notes})
        if open_node
        else None,
    }


@dataclass(frozen=True)
class ResourceSwap:
    step: str
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class Changes:
    """A version's diff against the one it replaced, in titles and words."""

    number: int
    previous: int
    added: list[dict]
    removed: list[dict]
    moved: list[dict]
    resources: list[ResourceSwap]
    hours_before: str
    hours_after: str
    end_before: date
    end_after: date

    @property
    def steps_unchanged(self) -> bool:
        return not (self.added or self.removed or self.moved)


def _changes(
    roadmap: Roadmap, version: RoadmapVersion, read: StepsRead
) -> Changes | None:
    """What changed in ``version`` (whose steps ``read`` holds): None for a
    first version. Titles of removed resources cost one query."""
    diff = version.diff
    if not diff:
        return None
    titles = {s.topic_slug: s.title for s in read.steps}
    kept_titles = {
        r.resource_slug: r.title for s in read.steps for r in s.resources.all()
    }
    gone = version_resource_titles(
        roadmap=roadmap,
        number=diff["from_version"],
        slugs=(slug for swap in diff["resources"] for slug in swap["removed"]),
    )
    return Changes(
        number=diff["to_version"],
        previous=diff["from_version"],
        added=diff["added"],
        removed=diff["removed"],
        moved=[
            {**m, "title": titles.get(m["topic"], m["topic"])} for m in diff["moved"]
        ],
        resources=[
            ResourceSwap(
                step=titles.get(swap["topic"], swap["topic"]),
                added=[kept_titles.get(r, r) for r in swap["added"]],
                removed=[gone.get(r, r) for r in swap["removed"]],
            )
            for swap in diff["resources"]
        ],
        hours_before=_hours(Decimal(str(diff["total_hours"]["before"]))),
        hours_after=_hours(Decimal(str(diff["total_hours"]["after"]))),
        end_before=date.fromisoformat(diff["end_date"]["before"]),
        end_after=date.fromisoformat(diff["end_date"]["after"]),
    )


def _partial(request: HttpRequest) -> bool:
    """Whether to answer a fragment: an htmx request that is not a history
    restore (which wants the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def job_url(job_id: int) -> str:
    """A planning job's progress page (``jobs:detail``), or its address
    when that page is not routed yet."""
    try:
        return reverse("jobs:detail", args=[job_id])
    except NoReverseMatch:
        return f"/jobs/{job_id}/"


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``: a redirect, or for htmx a full navigation
    (``HX-Redirect``) rather than a swap."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _path(request: HttpRequest, roadmap_id: int) -> RoadmapPath:
    return roadmap_path_for_owner(
        roadmap_id=roadmap_id, actor=request.user, today=timezone.localdate()
    )


def _render(
    request: HttpRequest,
    roadmap_id: int,
    step_id: int | None = None,
    *,
    error: ApplicationError | None = None,
    extra: dict[str, Any] | None = None,
) -> TemplateResponse:
    """The roadmap page (with a step's panel open), or for htmx the panel
    alone; an error shows as a message in the panel with its status."""
    try:
        path = _path(request, roadmap_id)
        context = _context(path, step_id)
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM)
    context.update(extra or {})
    if _partial(request):
        template = f"{DETAIL}#step-update" if step_id else f"{DETAIL}#roadmap-tools"
    else:
        template = DETAIL
        context["changes"] = _changes(path.roadmap, path.roadmap.current, path.read)
    if error is not None:
        return error_response(request, error, template=template, context=context)
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def roadmap_list(request: HttpRequest) -> TemplateResponse:
    """``/roadmaps/``: the learner's roadmaps with progress and next steps."""
    summaries = roadmap_summaries_for_owner(
        actor=request.user, today=timezone.localdate()
    )
    rows = [(s, _schedule_line(s.schedule)) for s in summaries]
    return TemplateResponse(request, DASHBOARD, {"rows": rows})


@login_required
@require_GET
def roadmap_detail(request: HttpRequest, roadmap_id: int) -> TemplateResponse:
    """``/roadmaps/<id>/``: the path of the current version's steps."""
    return _render(request, roadmap_id)


@login_required
@require_GET
def step_detail(
    request: HttpRequest, roadmap_id: int, step_id: int
) -> TemplateResponse:
    """``/roadmaps/<id>/steps/<step>/``: the step's panel, over the path (or
    alone for htmx)."""
    return _render(request, roadmap_id, step_id)


def _after_post(
    request: HttpRequest,
    roadmap_id: int,
    step_id: int,
    change: Callable[[], str],
) -> HttpResponse:
    """Run one service call; then redirect (no JS) or answer the panel (htmx)."""
    try:
        notice = change()
    except TRANSLATED as exc:
        error = application_error(exc)
        if error.status == 404:
            return error_response(request, error, template=PROBLEM)
        return _render(request, roadmap_id, step_id, error=error)
    if request.htmx:
        return _render(request, roadmap_id, step_id, extra={"notice": notice})
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


@login_required
@require_POST
def roadmap_export_view(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    """Make the JSON export and offer its (short-lived) download link."""
    try:
        ticket = roadmap_export(roadmap_id=roadmap_id, actor=request.user)
    except TRANSLATED as exc:
        error = application_error(exc)
        if error.status == 404:
            return error_response(request, error, template=PROBLEM)
        return _render(request, roadmap_id, error=error)
    return _render(request, roadmap_id, extra={"export": ticket})


# -- regenerate and history -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def roadmap_regenerate_view(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    """``/roadmaps/<id>/regenerate/``: what a regeneration keeps, and the
    button that starts it (a page, or for htmx the dialog's content). POST
    starts the planning job and goes to its progress page; while one runs,
    to that one."""
    if request.method == "GET":
        return _regenerate_page(request, roadmap_id)
    try:
        job = roadmap_regenerate(roadmap_id=roadmap_id, actor=request.user)
    except TRANSLATED as exc:
        error = application_error(exc)
        if error.status == 404:
            return error_response(request, error, template=PROBLEM)
        if error.code == "regeneration_running" and "job" in error.details:
            messages.info(
                request,
                "This roadmap is already being regenerated: here is that job.",
            )
            return _go(request, job_url(error.details["job"]))
        return _regenerate_page(request, roadmap_id, error=error)
    return _go(request, job_url(job.pk))


def _regenerate_page(
    request: HttpRequest, roadmap_id: int, *, error: ApplicationError | None = None
) -> HttpResponse:
    try:
        path = _path(request, roadmap_id)
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM)
    in_dialog = _partial(request)
    context = {
        "roadmap": path.roadmap,
        "version": path.roadmap.current,
        "keeps": regeneration_keeps(steps=path.read.steps),
        "in_dialog": in_dialog,
    }
    template = f"{REGENERATE}#regenerate-body" if in_dialog else REGENERATE
    if error is not None:
        response = error_response(request, error, template=template, context=context)
    else:
        response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def roadmap_version(request: HttpRequest, roadmap_id: int, number: int) -> HttpResponse:
    """``/roadmaps/<id>/versions/<n>/``: an older version's path, read-only
    (the current version is the roadmap page itself)."""
    try:
        page = roadmap_version_for_owner(
            roadmap_id=roadmap_id, number=number, actor=request.user
        )
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM)
    if page.is_current:
        return redirect("roadmaps:detail", roadmap_id=roadmap_id)
    return TemplateResponse(
        request,
        VERSION,
        {
            "roadmap": page.roadmap,
            "version": page.version,
            "latest": page.latest,
            "replaced_at": page.replaced_at,
            "nodes": _nodes(page.read),
            "read_only": True,
            "changes": _changes(page.roadmap, page.version, page.read),
        },
    )
