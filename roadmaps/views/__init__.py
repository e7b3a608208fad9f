"""Roadmap views: export downloads and the export's JSON Schema, and the
learner's roadmap pages (the dashboard, the path, the step panel, its
actions, regenerate and older versions). ``roadmaps/urls.py`` reads them
from here."""

from __future__ import annotations

from .common import job_url
from .exports import export_download, export_schema, roadmap_export_view
from .history import roadmap_regenerate_view, roadmap_version
from .pages import roadmap_detail, roadmap_list, step_detail
from .steps import (
    PROGRESS_ACTIONS,
    resource_feedback,
    resource_pin,
    step_mastery,
    step_notes,
    step_pin,
    step_progress,
)

__all__ = [
    "PROGRESS_ACTIONS",
    "export_download",
    "export_schema",
    "job_url",
    "resource_feedback",
    "resource_pin",
    "roadmap_detail",
    "roadmap_export_view",
    "roadmap_list",
    "roadmap_regenerate_view",
    "roadmap_version",
    "step_detail",
    "step_mastery",
    "step_notes",
    "step_pin",
    "step_progress",
]
