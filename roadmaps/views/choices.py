"""Change a choice: the members of a choice group the roadmap chose from,
and the form that picks another and regenerates (docs/planner.md,
"Choice groups")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from planner.selectors import roadmap_choice_for_owner
from planner.services import roadmap_choice_change
from wayfinder.errors import TRANSLATED, application_error, error_response

from .common import PROBLEM, go, job_url

CHOICE = "roadmaps/roadmap_choice.html"


@login_required
@require_http_methods(["GET", "POST"])
def roadmap_choice_view(
    request: HttpRequest, roadmap_id: int, group: str
) -> HttpResponse:
    """``/roadmaps/<id>/choices/<group>/``: the group's members with the one
    chosen now; POST (``members``, one or more slugs) stores the pick and
    starts the regeneration, then goes to its progress page."""
    if request.method == "GET":
        return _page(request, roadmap_id, group)
    try:
        job = roadmap_choice_change(
            roadmap_id=roadmap_id,
            actor=request.user,
            group=group,
            members=request.POST.getlist("members"),
        )
    except TRANSLATED as exc:
        error = application_error(exc)
        if error.code == "regeneration_running" and "job" in error.details:
            messages.info(
                request, "This roadmap is already being regenerated: here is that job."
            )
            return go(request, job_url(error.details["job"]))
        return _page(request, roadmap_id, group, error=exc)
    return go(request, job_url(job.pk))


def _page(
    request: HttpRequest, roadmap_id: int, group: str, *, error: Exception | None = None
) -> HttpResponse:
    try:
        choice = roadmap_choice_for_owner(
            roadmap_id=roadmap_id, group=group, actor=request.user
        )
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM)
    context = {"choice": choice, "roadmap": choice.roadmap}
    if error is not None:
        return error_response(request, error, template=CHOICE, context=context)
    return TemplateResponse(request, CHOICE, context)
