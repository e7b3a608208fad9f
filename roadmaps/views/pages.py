"""The learner's roadmap pages: the dashboard, the path, the step panel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..selectors import roadmap_summaries_for_owner
from .common import DASHBOARD, render_path
from .presenters import schedule_line


@login_required
@require_GET
def roadmap_list(request: HttpRequest) -> TemplateResponse:
    """``/roadmaps/``: the learner's roadmaps with progress and next steps."""
    summaries = roadmap_summaries_for_owner(
        actor=request.user, today=timezone.localdate()
    )
    rows = [(s, schedule_line(s.schedule)) for s in summaries]
    return TemplateResponse(request, DASHBOARD, {"rows": rows})


@login_required
@require_GET
def roadmap_detail(request: HttpRequest, roadmap_id: int) -> TemplateResponse:
    """``/roadmaps/<id>/``: the path of the current version's steps."""
    return render_path(request, roadmap_id)


@login_required
@require_GET
def step_detail(
    request: HttpRequest, roadmap_id: int, step_id: int
) -> TemplateResponse:
    """``/roadmaps/<id>/steps/<step>/``: the step's panel, over the path (or
    alone for htmx)."""
    return render_path(request, roadmap_id, step_id)
