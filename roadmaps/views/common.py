"""What every roadmap page shares: template names, the fragment-or-page
choice, navigation for htmx and plain forms, and the path page's renderer.

Each page is one selector call; each POST one service call. Without
JavaScript a POST redirects back to the step (its message in the session);
with htmx it answers the step panel and, out of band, the path and the
status line.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from django_htmx.http import HttpResponseClientRedirect

from wayfinder.errors import TRANSLATED, ApplicationError, error_response

from ..selectors import RoadmapPath, roadmap_path_for_owner
from .presenters import page_context, version_changes

DETAIL = "roadmaps/roadmap_detail.html"
DASHBOARD = "roadmaps/roadmap_list.html"
REGENERATE = "roadmaps/roadmap_regenerate.html"
VERSION = "roadmaps/roadmap_version.html"
PROBLEM = "roadmaps/problem.html"


def wants_fragment(request: HttpRequest) -> bool:
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


def go(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``: a redirect, or for htmx a full navigation
    (``HX-Redirect``) rather than a swap."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def path_for(
    request: HttpRequest,
    roadmap_id: int,
    step_id: int | None = None,
    *,
    every_resource: bool = False,
) -> RoadmapPath:
    return roadmap_path_for_owner(
        roadmap_id=roadmap_id,
        actor=request.user,
        today=timezone.localdate(),
        step_id=step_id,
        every_resource=every_resource,
    )


def render_path(
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
        path = path_for(request, roadmap_id, step_id)
        context = page_context(path, step_id)
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM)
    context.update(extra or {})
    if wants_fragment(request):
        template = f"{DETAIL}#step-update" if step_id else f"{DETAIL}#roadmap-tools"
    else:
        template = DETAIL
        context["changes"] = version_changes(
            path.roadmap, path.roadmap.current, path.read
        )
    if error is not None:
        return error_response(request, error, template=template, context=context)
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
