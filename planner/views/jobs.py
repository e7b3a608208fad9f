"""A planning job's live progress page (polled by htmx, refreshed without
JavaScript) and the retry of a failed job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from django_htmx.http import HttpResponseClientRedirect

from wayfinder.errors import TRANSLATED, application_error, error_response

from ..models import JobState, PlanningJob
from ..services import job_enqueue, roadmap_regenerate
from .common import JOB_TEMPLATE, STOP_POLLING, go, render, wants_fragment

STAGE_LABELS = {
    "": "Waiting to start",
    "snapshot": "Reading the catalog",
    "normalize": "Reading your answers",
    "uncertainty": "Settling what your answers leave open",
    "plan": "Ordering the topics",
    "rank": "Choosing resources for each step",
    "validate": "Checking the plan",
    "wording": "Writing the step summaries",
    "store": "Saving your roadmap",
}


def _job_owned(request: HttpRequest, job_id: int) -> PlanningJob:
    job = PlanningJob.objects.filter(pk=job_id, owner_id=request.user.pk).first()
    if job is None:
        raise Http404("No such planning job.")
    return job


def _roadmap_url(job: PlanningJob) -> str | None:
    if job.roadmap_id is None:
        return None
    url = reverse("roadmaps:detail", args=[job.roadmap_id])
    return f"{url}#changes" if job.regenerates_id else url


def _job_token(job: PlanningJob) -> str:
    return f"{job.state}:{job.stage}:{job.percent}:{job.is_waiting_for_worker}"


@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """``/jobs/<id>/``: the job's stage and percent in a live region. htmx
    polls the same URL for the region's content every second (204 while
    nothing changed, 286 once it failed, which stops the polling) and is
    sent to the roadmap (``HX-Redirect``) once it is ready. Without
    JavaScript the page refreshes itself while the job runs."""
    job = _job_owned(request, job_id)
    roadmap_url = _roadmap_url(job)
    partial = wants_fragment(request)
    if partial and job.state == JobState.SUCCEEDED and roadmap_url:
        return HttpResponseClientRedirect(roadmap_url)
    if partial and request.GET.get("seen") == _job_token(job):
        response = HttpResponse(status=204)
        patch_vary_headers(response, ["HX-Request"])
        return response
    context = {
        "job": job,
        "stage_label": STAGE_LABELS.get(job.stage, job.stage.capitalize()),
        "token": _job_token(job),
        "roadmap_url": roadmap_url,
        "regeneration": bool(job.regenerates_id),
    }
    status = STOP_POLLING if partial and job.is_finished else 200
    return render(request, JOB_TEMPLATE, context, partial="job-status", status=status)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """``/jobs/<id>/retry/``: plan a failed job again (a regeneration as a
    new regeneration), then its progress page."""
    job = _job_owned(request, job_id)
    if job.state != JobState.FAILED:
        return redirect("jobs:detail", job_id=job.pk)
    try:
        if job.regenerates_id:
            again = roadmap_regenerate(
                roadmap_id=job.regenerates_id, actor=request.user
            )
        else:
            again = job_enqueue(profile=job.profile, actor=request.user)
    except TRANSLATED as exc:
        error = application_error(exc)
        if error.code == "regeneration_running" and "job" in error.details:
            return go(request, reverse("jobs:detail", args=[error.details["job"]]))
        context = {
            "job": job,
            "stage_label": STAGE_LABELS.get(job.stage, job.stage),
            "token": _job_token(job),
            "roadmap_url": None,
            "regeneration": bool(job.regenerates_id),
        }
        return error_response(request, error, template=JOB_TEMPLATE, context=context)
    return go(request, reverse("jobs:detail", args=[again.pk]))
