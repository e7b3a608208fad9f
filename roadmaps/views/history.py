"""Regenerate (what it keeps, then the planning job) and older versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from planner.services import roadmap_regenerate
from wayfinder.errors import (
    TRANSLATED,
    ApplicationError,
    application_error,
    error_response,
)

from ..selectors import regeneration_keeps, roadmap_version_for_owner
from .common import PROBLEM, REGENERATE, VERSION, go, job_url, path_for, wants_fragment
from .presenters import path_nodes, version_changes, version_notices


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
                request, "This roadmap is already being regenerated: here is that job."
            )
            return go(request, job_url(error.details["job"]))
        return _regenerate_page(request, roadmap_id, error=error)
    return go(request, job_url(job.pk))


def _regenerate_page(
    request: HttpRequest, roadmap_id: int, *, error: ApplicationError | None = None
) -> HttpResponse:
    try:
        path = path_for(request, roadmap_id, every_resource=True)
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM)
    in_dialog = wants_fragment(request)
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
            "nodes": path_nodes(page.read),
            "notices": version_notices(page.version),
            "read_only": True,
            "changes": version_changes(page.roadmap, page.version, page.read),
        },
    )
