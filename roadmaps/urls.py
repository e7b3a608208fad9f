"""Roadmap URLs outside the REST router: export downloads and the export
schema. wayfinder/urls.py mounts each list under its own prefix."""

from __future__ import annotations

from django.urls import path

from . import views
from .services.export import DOWNLOAD_URL_NAME

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
