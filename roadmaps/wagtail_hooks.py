"""Learners' roadmaps in the admin, read-only.

Curators and staff who hold ``roadmaps.view_roadmap`` list roadmaps and
inspect one: its owner and profile, every version, the current version's
steps and resources, and the planning jobs that made or regenerated it.
Nothing here adds, changes or deletes a roadmap: it changes only through its
learner's actions (``roadmaps.services``), so the viewset routes no such view
and its permission policy grants no such action, not even to superusers.

Text the learner wrote themselves (step notes, mastery notes, the goal in
their words) is private: only superusers see it (:func:`user_sees_learner_text`).

The read-only machinery here is shared with the planning jobs' viewset;
``planner.wagtail_hooks`` registers both in one "Learners" menu (the higher
layer imports the lower, as ``catalog.wagtail_hooks`` does with taxonomy's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_permission_codename, get_user_model
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from planner.domain import STAGES

from .models import Roadmap, RoadmapStep, RoadmapVersion
from .selectors import version_steps

#: URL namespaces of the two viewsets; each links to the other's inspect view.
ROADMAPS_ADMIN = "roadmaps_admin"
PLANNING_JOBS_ADMIN = "planning_jobs_admin"
#: The permissions that open each inspect view (the links between them check).
VIEW_ROADMAP = "roadmaps.view_roadmap"
VIEW_PLANNING_JOB = "planner.view_planningjob"


def user_sees_learner_text(user: Any) -> bool:
    """Whether ``user`` may read what a learner wrote (notes, their goal):
    superusers only; curators and staff see that it is hidden."""
    return bool(user.is_active and user.is_superuser)


# -- read-only viewsets ----------------------------------------------------------------
class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Grants "view" as Django's permissions say, and no other action to
    anyone, superusers included: these records change only through their
    services, never in the admin."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions: Iterable[str]) -> QuerySet:
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


class InspectURLFinder(ModelAdminURLFinder):
    """Wagtail's "edit URL" of a read-only record is its inspect view, for a
    user who may view it."""

    def get_edit_url(self, instance: Model) -> str | None:
        policy = policy_registry.get(instance)
        if self.user and not policy.user_has_permission_for_instance(
            self.user, "view", instance
        ):
            return None
        return self.construct_edit_url(instance)


class ReadOnlyModelViewSet(ModelViewSet):
    """A listing and an inspect view, nothing else routed or linked.

    Register a :class:`ViewOnlyPermissionPolicy` for the model before the
    viewset, so that no button offers an action and the group editor offers
    only "view".
    """

    inspect_view_enabled = True
    copy_view_enabled = False
    # These rows are not content other records point to; indexing them would
    # only add writes to every save.
    add_to_reference_index = False

    def get_urlpatterns(self) -> list[Any]:
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_common_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        # Wagtail's views link to any view whose URL name they are given;
        # none of these is routed.
        unrouted = dict.fromkeys(
            (
                "add_url_name",
                "edit_url_name",
                "delete_url_name",
                "history_url_name",
                "usage_url_name",
                "copy_url_name",
            )
        )
        return super().get_common_view_kwargs(**unrouted, **kwargs)

    def get_permissions_to_register(self) -> QuerySet:
        view = get_permission_codename("view", self.model_opts)
        return super().get_permissions_to_register().filter(codename=view)

    @property
    def url_finder_class(self) -> type[ModelAdminURLFinder]:
        return type(
            "_InspectURLFinder",
            (InspectURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )


class ReadOnlyInspectView(InspectView):
    """Wagtail's inspect view, with an en dash for an empty value rather
    than "None" or nothing."""

    def get_field_display_value(self, field_name: str, field: Any) -> Any:
        value = super().get_field_display_value(field_name, field)
        return "–" if value is None or value == "" else value


class LinkColumn(Column):
    """A cell that links to ``get_url(instance, user)``, or shows the value
    as plain text when that gives no URL (a record the user may not see)."""

    cell_template_name = "roadmaps/admin/link_cell.html"

    def __init__(
        self, name: str, *, get_url: Callable[[Any, Any], str | None], **kwargs: Any
    ) -> None:
        super().__init__(name, **kwargs)
        self._get_url = get_url

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> Any:
        context = super().get_cell_context_data(instance, parent_context)
        context["link_url"] = self._get_url(instance, parent_context["request"].user)
        return context


def roadmap_inspect_url(roadmap: Roadmap | None, user: Any) -> str | None:
    """The roadmap's inspect page, if there is a roadmap and ``user`` may see it."""
    if roadmap is None or not user.has_perm(VIEW_ROADMAP):
        return None
    return reverse(f"{ROADMAPS_ADMIN}:inspect", args=[roadmap.pk])


def planning_job_inspect_url(job_id: int, user: Any) -> str | None:
    """The planning job's inspect page, if ``user`` may see it."""
    if not user.has_perm(VIEW_PLANNING_JOB):
        return None
    return reverse(f"{PLANNING_JOBS_ADMIN}:inspect", args=[job_id])


def timings_in_stage_order(timings: Mapping[str, float]) -> list[tuple[str, float]]:
    """A job's milliseconds per stage in the order the stages run (the
    database keeps JSON keys in its own order); unknown stages last."""
    order = ["snapshot", *STAGES, "store"]
    rank = {stage: i for i, stage in enumerate(order)}
    return sorted(
        timings.items(), key=lambda item: (rank.get(item[0], len(order)), item[0])
    )


# -- roadmaps ----------------------------------------------------------------------------
register_permission_policy(Roadmap, ViewOnlyPermissionPolicy(Roadmap))


def _subject_label(roadmap: Roadmap) -> str:
    # The subject may have been deleted since; the roadmap keeps its name.
    return roadmap.subject.name if roadmap.subject else roadmap.subject_name


class RoadmapIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Roadmap]:
        return Roadmap.objects.select_related("owner", "subject", "current")


@dataclass(frozen=True)
class VersionRow:
    version: RoadmapVersion
    summary: str
    changes: list[str]
    model_versions: str
    job_url: str | None


def diff_summary(diff: Mapping[str, Any] | None) -> str:
    """One line for a version's diff against the one it replaced."""
    if not diff:
        return "First version."
    counts = ", ".join(
        f"{len(diff.get(key) or [])} {key}"
        for key in ("added", "removed", "moved", "kept")
    )
    swapped = len(diff.get("resources") or [])
    hours = diff.get("total_hours") or {}
    end = diff.get("end_date") or {}
    return (
        f"From v{diff.get('from_version')}: steps {counts}; "
        f"resources changed on {swapped} step{'s' if swapped != 1 else ''}; "
        f"hours {hours.get('before')} → {hours.get('after')}; "
        f"ends {end.get('before')} → {end.get('after')}."
    )


def diff_changes(diff: Mapping[str, Any] | None) -> list[str]:
    """Each step added, removed or moved and each step's resources swapped,
    one line each (kept steps are only counted)."""
    if not diff:
        return []
    lines = [
        f"added: {step['title']} (position {step['position']})"
        for step in diff.get("added") or []
    ]
    lines += [
        f"removed: {step['title']} (was position {step['position']})"
        for step in diff.get("removed") or []
    ]
    lines += [
        f"moved: {step['topic']} from {step['from']} to {step['to']}"
        for step in diff.get("moved") or []
    ]
    for step in diff.get("resources") or []:
        swapped = [f"+ {slug}" for slug in step.get("added") or []]
        swapped += [f"− {slug}" for slug in step.get("removed") or []]
        lines.append(f"resources of {step['topic']}: {', '.join(swapped)}")
    return lines


def model_versions_label(model_versions: Mapping[str, Any] | None) -> str:
    if not model_versions:
        return "none"
    return ", ".join(f"{key}: {value}" for key, value in sorted(model_versions.items()))


class RoadmapInspectView(ReadOnlyInspectView):
    template_name = "roadmaps/admin/roadmap_inspect.html"

    def get_object(self, queryset: QuerySet | None = None) -> Roadmap:
        return get_object_or_404(
            Roadmap.objects.select_related(
                "owner",
                "subject",
                "track",
                "current",
                "profile__subject",
                "profile__track",
            ),
            pk=self.pk,
        )

    def get_owner_display_value(self) -> str:
        return self.object.owner.get_username()

    def get_subject_display_value(self) -> str:
        return _subject_label(self.object) or "–"

    def get_track_display_value(self) -> str:
        return str(self.object.track) if self.object.track else "–"

    def get_current_display_value(self) -> str:
        current = self.object.current
        return f"Version {current.number}" if current else "–"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        roadmap, user = self.object, self.request.user
        current = roadmap.current
        context.update(
            sees_learner_text=user_sees_learner_text(user),
            profile=roadmap.profile,
            known_topics=list(
                roadmap.profile.known_topics.values_list("name", flat=True)
            ),
            versions=self._versions(roadmap, user),
            current=current,
            steps=self._steps(current),
            jobs=self._jobs(roadmap, user),
        )
        return context

    def _versions(self, roadmap: Roadmap, user: Any) -> list[VersionRow]:
        versions = roadmap.versions.select_related("job").order_by("-number")
        return [
            VersionRow(
                version=version,
                summary=diff_summary(version.diff),
                changes=diff_changes(version.diff),
                model_versions=model_versions_label(version.model_versions),
                job_url=self._made_by(version, user),
            )
            for version in versions
        ]

    @staticmethod
    def _made_by(version: RoadmapVersion, user: Any) -> str | None:
        job = getattr(version, "job", None)  # a reverse one-to-one: may be absent
        return planning_job_inspect_url(job.pk, user) if job else None

    @staticmethod
    def _steps(current: RoadmapVersion | None) -> list[RoadmapStep]:
        return version_steps(version=current) if current else []

    @staticmethod
    def _jobs(roadmap: Roadmap, user: Any) -> list[dict[str, Any]]:
        """The jobs that made this roadmap or re-planned it, newest first."""
        jobs = (roadmap.jobs.all() | roadmap.regenerations.all()).order_by(
            "-created_at", "-pk"
        )
        return [
            {
                "job": job,
                "url": planning_job_inspect_url(job.pk, user),
                "timings": timings_in_stage_order(job.timings or {}),
                "total_ms": sum((job.timings or {}).values()),
            }
            for job in jobs
        ]


class RoadmapViewSet(ReadOnlyModelViewSet):
    model = Roadmap
    name = "roadmaps"
    url_prefix = "learners/roadmaps"
    url_namespace = ROADMAPS_ADMIN
    icon = "list-ol"
    menu_label = "Roadmaps"
    index_view_class = RoadmapIndexView
    inspect_view_class = RoadmapInspectView
    list_display = [
        "title",
        Column(
            "owner",
            label="Owner",
            accessor="owner.username",
            sort_key="owner__username",
        ),
        Column(
            "subject", label="Subject", accessor=_subject_label, sort_key="subject_name"
        ),
        Column(
            "current",
            label="Version",
            accessor="current.number",
            sort_key="current__number",
        ),
        DateColumn("created_at", label="Created", sort_key="created_at"),
    ]
    list_filter = ["subject"]
    search_fields = ["title", "owner__username"]
    # Roadmaps are not in any search index: search the database.
    search_backend_name = None
    ordering = "-created_at"
    # The title is the page's heading already.
    inspect_view_fields = [
        "owner",
        "subject",
        "track",
        "current",
        "created_at",
    ]
