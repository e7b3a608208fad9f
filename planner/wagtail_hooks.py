"""Planning jobs in the admin, read-only, and the "Learners" menu.

Curators and staff who hold ``planner.view_planningjob`` list the jobs and
inspect one: its state and stage, milliseconds per stage, the error that
failed it, its attempts and its lease. A job changes only through the
planner's services and workers, so nothing here adds, changes or deletes
one (``roadmaps.wagtail_hooks.ReadOnlyModelViewSet``).

The "Learners" menu groups these with the roadmaps' viewset.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.html import format_html

from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from roadmaps.wagtail_hooks import (
    PLANNING_JOBS_ADMIN,
    LinkColumn,
    ReadOnlyInspectView,
    ReadOnlyModelViewSet,
    RoadmapViewSet,
    ViewOnlyPermissionPolicy,
    roadmap_inspect_url,
    timings_in_stage_order,
)

from .models import JobState, PlanningJob

register_permission_policy(PlanningJob, ViewOnlyPermissionPolicy(PlanningJob))


def _job_roadmap(job: PlanningJob) -> Any:
    """The roadmap a job made, or the one it re-plans (before it has stored)."""
    return job.roadmap or job.regenerates


class PlanningJobIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[PlanningJob]:
        return PlanningJob.objects.select_related("owner", "roadmap", "regenerates")


class PlanningJobInspectView(ReadOnlyInspectView):
    template_name = "planner/admin/planningjob_inspect.html"

    def get_object(self, queryset: QuerySet | None = None) -> PlanningJob:
        return get_object_or_404(
            PlanningJob.objects.select_related(
                "owner", "profile", "roadmap", "regenerates", "version"
            ),
            pk=self.pk,
        )

    def get_owner_display_value(self) -> str:
        return self.object.owner.get_username()

    def get_profile_display_value(self) -> str:
        profile = self.object.profile
        return f"#{profile.pk}, {profile.subject_slug or 'no subject'}"

    def get_percent_display_value(self) -> str:
        return f"{self.object.percent}%"

    def get_attempts_display_value(self) -> str:
        return f"{self.object.attempts} of at most {self.object.max_attempts}"

    def get_regenerates_display_value(self) -> str:
        job = self.object
        if job.regenerates_id is None:
            return "– (creates a roadmap)"
        return f"{job.regenerates}, replacing version {job.base_version}"

    def get_roadmap_display_value(self) -> str:
        roadmap = _job_roadmap(self.object)
        if roadmap is None:
            return "– (none stored)"
        url = roadmap_inspect_url(roadmap, self.request.user)
        return format_html('<a href="{}">{}</a>', url, roadmap) if url else str(roadmap)

    def get_profile_hash_display_value(self) -> str:
        digest = self.object.profile_hash
        return format_html('<code title="{}">{}…</code>', digest, digest[:12])

    def get_version_display_value(self) -> str:
        version = self.object.version
        return f"Version {version.number}" if version else "–"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.object
        timings = job.timings or {}
        context.update(
            job=job,
            timings=timings_in_stage_order(timings),
            total_ms=sum(timings.values()),
            failed=job.state == JobState.FAILED,
        )
        return context


class PlanningJobViewSet(ReadOnlyModelViewSet):
    model = PlanningJob
    name = "planning_jobs"
    url_prefix = "learners/jobs"
    url_namespace = PLANNING_JOBS_ADMIN
    icon = "cogs"
    menu_label = "Planning jobs"
    index_view_class = PlanningJobIndexView
    inspect_view_class = PlanningJobInspectView
    list_display = [
        "id",
        Column(
            "owner",
            label="Owner",
            accessor="owner.username",
            sort_key="owner__username",
        ),
        StatusTagColumn(
            "state",
            label="State",
            accessor="get_state_display",
            sort_key="state",
            primary=lambda job: job.state == JobState.SUCCEEDED,
        ),
        Column("stage", label="Stage", sort_key="stage"),
        Column(
            "percent",
            label="Done",
            accessor=lambda job: f"{job.percent}%",
            sort_key="percent",
        ),
        DateColumn("created_at", label="Created", sort_key="created_at"),
        DateColumn("finished_at", label="Finished", sort_key="finished_at"),
        LinkColumn(
            "roadmap",
            label="Roadmap",
            accessor=_job_roadmap,
            get_url=lambda job, user: roadmap_inspect_url(_job_roadmap(job), user),
        ),
    ]
    list_filter = ["state"]
    search_fields = ["owner__username", "error"]
    # Jobs are not in any search index: search the database.
    search_backend_name = None
    ordering = "-created_at"
    inspect_view_fields = [
        "id",
        "owner",
        "profile",
        "state",
        "stage",
        "percent",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "lease_expires_at",
        "heartbeat_at",
        "enqueue_failed_at",
        "roadmap",
        "regenerates",
        "version",
        "catalog_version",
        "profile_hash",
    ]


class LearnersViewSetGroup(ModelViewSetGroup):
    """Learner data curators and staff look at, never change."""

    items = (RoadmapViewSet, PlanningJobViewSet)
    menu_label = "Learners"
    menu_name = "learners"
    menu_icon = "group"
    # Right after the Catalog menu (150).
    menu_order = 160


@hooks.register("register_admin_viewset")
def learners_viewset_group() -> LearnersViewSetGroup:
    return LearnersViewSetGroup()
