"""The wizard's review: every answer with "Change", then "Build my
roadmap" (anonymous visitors sign up first, answers intact)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from taxonomy.enums import AgeRange, Format, Language, Level
from wayfinder.errors import TRANSLATED, application_error

from ..domain import CatalogGraph
from ..forms import COST_CHOICES
from ..services import profile_submit
from .common import REVIEW_TEMPLATE, go, graph_or_problem, render
from .questions import after_answers
from .screens import (
    KEY_SCREENS,
    SCREENS,
    SESSION_KEY,
    Screen,
    screen_url,
    session_answers,
)
from .wizard import language_notice, planner_errors


@dataclass(frozen=True)
class ReviewRow:
    screen: Screen
    value: str
    errors: list[str]
    change_url: str
    #: Not an error: what the planner says about this answer (a language
    #: the subject has no resources in).
    notice: str = ""


@require_http_methods(["GET", "POST"])
def wizard_review(request: HttpRequest) -> HttpResponse:
    """``/onboarding/review/``: every answer with a link to change it, and
    "Build my roadmap". Anonymous visitors are sent to sign up (or in) and
    come back here, answers intact; a learner's answers become a profile,
    then the clarifying questions (or straight the planning job)."""
    graph = graph_or_problem(request)
    if isinstance(graph, TemplateResponse):
        return graph
    answers = session_answers(request)
    if answers.get("subject") not in graph.subjects:
        return redirect(screen_url(SCREENS[0]))
    errors = planner_errors(answers, tuple(KEY_SCREENS), graph)
    if request.method == "POST" and not errors:
        if not request.user.is_authenticated:
            return go(request, _sign_up_url())
        try:
            profile = profile_submit(owner=request.user, raw=answers)
        except TRANSLATED as exc:
            errors = application_error(exc).fields or {
                "subject": [application_error(exc).public_message]
            }
        else:
            request.session.pop(SESSION_KEY, None)
            return after_answers(request, profile)
    rows = _review_rows(graph, answers, errors)
    context = {
        "rows": rows,
        "has_errors": bool(errors),
        "step": len(SCREENS),
        "steps": len(SCREENS),
        "progress_text": f"All {len(SCREENS)} steps done: check your answers",
        "back_url": screen_url(SCREENS[-1]),
        "sign_up_url": _sign_up_url(),
        "sign_in_url": _sign_in_url(),
    }
    status = 400 if errors and request.method == "POST" else 200
    return render(
        request,
        REVIEW_TEMPLATE,
        context,
        partial="wizard",
        status=status,
        navigation=True,
    )


def _sign_up_url() -> str:
    query = urlencode({"next": reverse("onboarding:review")})
    return f"{reverse('account_signup')}?{query}"


def _sign_in_url() -> str:
    query = urlencode({"next": reverse("onboarding:review")})
    return f"{reverse('account_login')}?{query}"


def _review_rows(
    graph: CatalogGraph, answers: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> list[ReviewRow]:
    rows = []
    for screen in SCREENS:
        messages = [m for key in screen.form.keys for m in errors.get(key, [])]
        rows.append(
            ReviewRow(
                screen=screen,
                value=_shown(screen, graph, answers),
                errors=messages,
                change_url=screen_url(screen, to_review=True),
                notice=language_notice(graph, answers)
                if screen.slug == "language"
                else "",
            )
        )
    return rows


def _labels(choices, values) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(v, v)) for v in values)


def _shown(screen: Screen, graph: CatalogGraph, answers: Mapping[str, Any]) -> str:
    """An answer as the learner would say it ("" when not given)."""
    subject = str(answers.get("subject") or "")
    value = {
        "subject": lambda: graph.subjects[subject].name if subject else "",
        "goal": lambda: _goal_shown(graph, answers.get("goals")),
        "level": lambda: _labels(Level.choices, [answers["level"]]),
        "known": lambda: ", ".join(
            graph.topics[t].name if t in graph.topics else t
            for t in answers.get("known_topics") or []
        ),
        "hours": lambda: _hours_shown(answers.get("weekly_hours")),
        "deadline": lambda: str(answers.get("deadline") or ""),
        "language": lambda: _labels(Language.choices, [answers["language"]]),
        "preferences": lambda: _preferences_shown(answers),
        "age": lambda: _labels(AgeRange.choices, [answers["age_range"]]),
    }[screen.slug]
    try:
        return value()
    except KeyError:
        return ""


def _goal_shown(graph: CatalogGraph, goal: object) -> str:
    if not goal:
        return ""
    track = graph.tracks.get(str(goal))
    return track.name if track else f"“{goal}”"


def _hours_shown(hours: object) -> str:
    if hours in (None, ""):
        return ""
    text = str(hours).strip()
    return f"{text} hours a week" if re.fullmatch(r"[\d.,]+", text) else text


def _preferences_shown(answers: Mapping[str, Any]) -> str:
    parts = []
    if answers.get("formats_liked"):
        parts.append("Likes " + _labels(Format.choices, answers["formats_liked"]))
    if answers.get("formats_disliked"):
        avoided = _labels(Format.choices, answers["formats_disliked"])
        parts.append("avoids " + avoided)
    if answers.get("cost"):
        parts.append(_labels(COST_CHOICES, [answers["cost"]]))
    if answers.get("likes"):
        parts.append(f"technologies you like: {answers['likes']}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]
