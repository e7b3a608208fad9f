"""Exports: the learner's "make the export" button, the download behind a
signed link, and the export's JSON Schema.

The download link is a capability: whoever holds it may fetch the file
until it expires, so the token never reaches a log line (the request log
redacts it; Django's own 4xx log is written here without the path).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.log import log_response
from django.views.decorators.http import require_GET, require_POST

from roadmaps.export import SCHEMA_MAJOR, export_schema_bytes
from roadmaps.services.export import (
    export_file_open,
    export_filename,
    export_for_download,
    roadmap_export,
)
from wayfinder.errors import TRANSLATED, NotFound, application_error, error_response

from .common import PROBLEM, render_path


@require_GET
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The export a signed link names, as an attachment; 403 for a tampered
    or expired link, 404 when the export is gone."""
    try:
        export = export_for_download(token=token)
        handle = export_file_open(export=export)
    except TRANSLATED as exc:
        error = application_error(exc)
        response = HttpResponse(
            f"{error.public_message}\n",
            status=error.status,
            content_type="text/plain; charset=utf-8",
        )
        response["Cache-Control"] = "private, no-store"
        # Logged here so Django does not log it with the path, token and all.
        log_response("Export download refused: %s", error.code, response=response)
        return response
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(export),
        content_type="application/json",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def export_schema(request: HttpRequest, major: int) -> HttpResponse:
    """The export's JSON Schema of major version ``major``: public, cacheable."""
    if major != SCHEMA_MAJOR:
        error = NotFound(f"No roadmap export schema version {major}.")
        return JsonResponse({"error": error.as_dict()}, status=error.status)
    response = HttpResponse(
        export_schema_bytes(), content_type="application/schema+json"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


@login_required
@require_POST
def roadmap_export_view(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    """Make the JSON export and offer its (short-lived) download link."""
    try:
        ticket = roadmap_export(roadmap_id=roadmap_id, actor=request.user)
    except TRANSLATED as exc:
        error = application_error(exc)
        if error.status == 404:
            return error_response(request, error, template=PROBLEM)
        return render_path(request, roadmap_id, error=error)
    return render_path(request, roadmap_id, extra={"export": ticket})
