"""What the planning pages share: template names, the fragment-or-page
choice, navigation for htmx and plain forms, the catalog snapshot (or the
"try again later" page), and form fields ready to render accessibly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

from django_htmx.http import HttpResponseClientRedirect

from ..domain import CatalogGraph, CatalogGraphError
from ..selectors import catalog_graph_get

SCREEN_TEMPLATE = "planner/onboarding/screen.html"
REVIEW_TEMPLATE = "planner/onboarding/review.html"
QUESTION_TEMPLATE = "planner/onboarding/question.html"
JOB_TEMPLATE = "planner/jobs/job_detail.html"
PROBLEM_TEMPLATE = "planner/onboarding/problem.html"
#: htmx stops polling on this status (the job is over).
STOP_POLLING = 286
#: Required answers: the review refuses to build without them.
REQUIRED = ("subject", "goals", "level", "weekly_hours")


def wants_fragment(request: HttpRequest) -> bool:
    """A fragment for htmx, the whole page for a history restore or no JS."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def go(request: HttpRequest, url: str) -> HttpResponse:
    """A full navigation: a redirect, or for htmx ``HX-Redirect`` (the next
    page has another layout, so no swap)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str,
    status: int = 200,
    navigation: bool = False,
) -> TemplateResponse:
    """The page, or for htmx its ``partial``. A ``navigation`` fragment (a
    wizard screen reached by GET) also tells htmx the address to show."""
    fragment = wants_fragment(request)
    name = f"{template}#{partial}" if fragment else template
    response = TemplateResponse(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    if navigation and fragment and request.method == "GET":
        # The fragment came by a redirect after a POST (the next screen):
        # the address bar shows this screen, not the one the form posted to,
        # so a reload or Back lands where the learner is.
        response["HX-Push-Url"] = request.get_full_path()
    return response


def graph_or_problem(request: HttpRequest) -> CatalogGraph | TemplateResponse:
    try:
        return catalog_graph_get()
    except CatalogGraphError:
        return TemplateResponse(request, PROBLEM_TEMPLATE, {}, status=503)


def field_views(form: forms.Form, hints: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each field ready to render: its kind (radio, checkbox or control),
    options with hints and checked state, and the ids its error and help
    text use (``aria-describedby``)."""
    views = []
    for bound in form:
        widget = bound.field.widget
        kind = getattr(widget, "input_type", "")
        kind = kind if kind in {"radio", "checkbox"} else "control"
        error_id, help_id = f"{bound.auto_id}-error", f"{bound.auto_id}-help"
        described = [
            i for i, on in ((help_id, bound.help_text), (error_id, bound.errors)) if on
        ]
        view = {
            "bound": bound,
            "kind": kind,
            "error_id": error_id,
            "help_id": help_id,
            "describedby": " ".join(described),
        }
        if kind == "control":
            if described:
                widget.attrs["aria-describedby"] = view["describedby"]
        else:
            value = bound.value()
            chosen = (
                {str(v) for v in value}
                if isinstance(value, list | tuple)
                else {str(value)}
            )
            view["options"] = [
                {
                    "value": value,
                    "label": label,
                    "hint": hints.get(str(value), ""),
                    "id": f"{bound.auto_id}_{index}",
                    "checked": str(value) in chosen,
                }
                for index, (value, label) in enumerate(bound.field.choices)
            ]
        views.append(view)
    return views
