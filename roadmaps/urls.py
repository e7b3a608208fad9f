"""Roadmap URLs outside the REST router: export downloads and the export
schema. wayfinder/urls.py mounts each list under its own prefix."""

from __future__ import annotations

from django.urls import path

from . import views
from .services.export import DOWNLOAD_URL_NAME
from .views.choices import roadmap_choice_view

#: Under ``exports/``.
download_urlpatterns = [
    path("<str:token>/", views.export_download, name=DOWNLOAD_URL_NAME),
]

#: Under ``api/v1/schemas/``, ahead of the API router.
schema_urlpatterns = [
    path(
        "roadmap-export/<int:major>/",
        views.export_schema,
        name="roadmap-export-schema",
    ),
]

STEP = "<int:roadmap_id>/steps/<int:step_id>/"
RESOURCE = STEP + "resources/<int:resource_id>/"

#: The learner's pages: wayfinder/urls.py mounts them under ``roadmaps/``
#: with the namespace ``roadmaps``.
site_urlpatterns = [
    path("", views.roadmap_list, name="list"),
    path("<int:roadmap_id>/", views.roadmap_detail, name="detail"),
    path("<int:roadmap_id>/export/", views.roadmap_export_view, name="export"),
    path(
        "<int:roadmap_id>/regenerate/",
        views.roadmap_regenerate_view,
        name="regenerate",
    ),
    path(
        "<int:roadmap_id>/versions/<int:number>/",
        views.roadmap_version,
        name="version",
    ),
    path(
        "<int:roadmap_id>/choices/<slug:group>/",
        roadmap_choice_view,
        name="choice",
    ),
    path(STEP, views.step_detail, name="step"),
    *(
        path(
            STEP + f"{action}/",
            views.step_progress,
            {"action": action},
            name=f"step-{action}",
        )
        for action in views.PROGRESS_ACTIONS
    ),
    path(STEP + "pin/", views.step_pin, name="step-pin"),
    path(STEP + "notes/", views.step_notes, name="step-notes"),
    path(STEP + "mastery/", views.step_mastery, name="step-mastery"),
    path(RESOURCE + "pin/", views.resource_pin, name="resource-pin"),
    path(RESOURCE + "feedback/", views.resource_feedback, name="resource-feedback"),
]
