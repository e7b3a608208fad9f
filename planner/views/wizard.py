"""The onboarding wizard's screens: one question per URL, so Back and
reload work without JavaScript; with htmx each form swaps the wizard region
in place. The planner's normalisation decides what is valid
(``profile_validate``); its messages go next to the fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language_from_request
from django.views.decorators.http import require_GET, require_http_methods

from home.selectors import subject_track_plans
from taxonomy.enums import Language
from wayfinder.errors import TRANSLATED, application_error

from ..domain import CatalogGraph
from ..domain.normalize import language_gap
from ..forms import LEVEL_HINTS, OWN_WORDS, WizardForm
from ..services import profile_validate
from .common import SCREEN_TEMPLATE, field_views, graph_or_problem, render
from .screens import (
    BY_SLUG,
    SCREENS,
    SUBJECT_BOUND,
    Screen,
    screen_url,
    session_answers,
    session_answers_save,
)


def _in_words(message: str, graph: CatalogGraph, subject: str) -> str:
    """The planner's message for a learner: track slugs as their names,
    starting with a capital."""
    for slug in graph.tracks_by_subject.get(subject, ()):
        name = graph.tracks[slug].name
        message = re.sub(rf"\b{re.escape(slug)}\b", f"“{name}”", message)
    return message[:1].upper() + message[1:]


def planner_errors(
    raw: Mapping[str, Any], keys: tuple[str, ...], graph: CatalogGraph
) -> dict[str, list[str]]:
    """The planner's objections to ``raw``, only those on ``keys``."""
    try:
        profile_validate(raw=raw)
    except TRANSLATED as exc:
        fields = application_error(exc).fields
        subject = str(raw.get("subject") or "")
        return {
            key: [_in_words(m, graph, subject) for m in fields[key]]
            for key in keys
            if key in fields
        }
    return {}


def _error_field(form: WizardForm, key: str) -> str:
    """The form field that shows the planner's message about ``key``."""
    if key in form.fields:
        return key
    if key == "goals":
        return "goal_text" if form.data.get("track") == OWN_WORDS else "track"
    if key == "known_topics":
        return "known_text" if (form.data.get("known_text") or "").strip() else "known"
    return next(iter(form.fields))


def _language_default(request: HttpRequest) -> str:
    code = get_language_from_request(request).split("-")[0].lower()
    return code if code in Language.values else Language.EN.value


@require_GET
def wizard_start(request: HttpRequest) -> HttpResponse:
    """``/onboarding/``: the first screen; ``?subject=<slug>`` chooses the
    subject (from a subject page) and goes on to the goal."""
    slug = request.GET.get("subject", "")
    if slug:
        graph = graph_or_problem(request)
        if isinstance(graph, TemplateResponse):
            return graph
        if slug in graph.subjects:
            answers = session_answers(request)
            _subject_set(answers, slug)
            session_answers_save(request, answers)
            return redirect(screen_url(BY_SLUG["goal"]))
    return redirect(screen_url(SCREENS[0]))


def _subject_set(answers: dict[str, Any], slug: str) -> None:
    if answers.get("subject") != slug:
        for key in SUBJECT_BOUND:
            answers.pop(key, None)
    answers["subject"] = slug


@require_http_methods(["GET", "POST"])
def wizard_screen(request: HttpRequest, screen: str) -> HttpResponse:
    """``/onboarding/<screen>/``: one question. POST checks the answer with
    the planner, keeps it in the session and goes to the next screen (or
    back to the review, with ``return=review``); Skip clears an optional
    answer. Bad answers come back with the planner's message (400)."""
    current = BY_SLUG.get(screen)
    if current is None:
        raise Http404("No such onboarding screen.")
    graph = graph_or_problem(request)
    if isinstance(graph, TemplateResponse):
        return graph
    answers = session_answers(request)
    if current.needs_subject and answers.get("subject") not in graph.subjects:
        return redirect(screen_url(SCREENS[0]))
    if current.slug == "language" and "language" not in answers:
        answers["language"] = _language_default(request)
    to_review = (request.POST or request.GET).get("return") == "review"
    if request.method == "GET":
        form = current.form(graph=graph, answers=answers)
        return _screen_page(request, current, form, graph, answers, to_review)
    if request.POST.get("skip") and current.optional:
        for key in current.form.keys:
            answers.pop(key, None)
        session_answers_save(request, answers)
        return redirect(_next_url(current, to_review))
    form = current.form(request.POST, graph=graph, answers=answers)
    if form.is_valid():
        given = form.answers()
        candidate = {**answers}
        if current.slug == "subject":
            _subject_set(candidate, given["subject"])
        candidate.update(given)
        candidate = {k: v for k, v in candidate.items() if v not in (None, "", [])}
        errors = planner_errors(candidate, current.form.keys, graph)
        for key, messages in errors.items():
            form.add_error(_error_field(form, key), messages)
        if not errors:
            session_answers_save(request, candidate)
            if _new_language_gap(graph, answers, candidate):
                # A notice, not an error: the screen says it once, with the
                # answer kept; Continue then goes on.
                form = current.form(graph=graph, answers=candidate)
                return _screen_page(
                    request, current, form, graph, candidate, to_review, just=True
                )
            return redirect(_next_url(current, to_review))
    return _screen_page(request, current, form, graph, answers, to_review, status=400)


def language_notice(graph: CatalogGraph, answers: Mapping[str, Any]) -> str:
    """The planner's sentence when the subject has no resources in the
    chosen language ("" otherwise)."""
    subject, language = answers.get("subject"), answers.get("language")
    if not (subject and language):
        return ""
    return language_gap(graph, str(subject), str(language))


def _new_language_gap(
    graph: CatalogGraph, before: Mapping[str, Any], after: Mapping[str, Any]
) -> bool:
    """Whether the language just chosen has a gap the learner has not been
    shown yet (the screen shows the notice for the language it opens with)."""
    changed = after.get("language") != before.get("language")
    return changed and bool(language_notice(graph, after))


def _next_url(current: Screen, to_review: bool) -> str:
    position = SCREENS.index(current)
    if to_review or position == len(SCREENS) - 1:
        return reverse("onboarding:review")
    return screen_url(SCREENS[position + 1])


def _screen_page(
    request: HttpRequest,
    screen: Screen,
    form: WizardForm,
    graph: CatalogGraph,
    answers: Mapping[str, Any],
    to_review: bool,
    *,
    status: int = 200,
    just: bool = False,
) -> TemplateResponse:
    """The screen's page; ``just`` when the language notice follows the
    learner's choice (it takes the focus, so it is read out)."""
    position = SCREENS.index(screen)
    subject = graph.subjects.get(str(answers.get("subject") or ""))
    subject_name = subject.name if subject else ""
    back = None
    if to_review:
        back = reverse("onboarding:review")
    elif position:
        back = screen_url(SCREENS[position - 1])
    context = {
        "screen": screen,
        "heading": screen.heading.format(subject=subject_name or "it"),
        "form": form,
        "step": position + 1,
        "steps": len(SCREENS),
        "progress_text": f"Step {position + 1} of {len(SCREENS)}",
        "back_url": back,
        "to_review": to_review,
        "action": reverse("onboarding:screen", args=[screen.slug]),
        "fields": field_views(form, _hints(screen, graph, answers)),
        "notice": language_notice(graph, answers)
        if screen.slug == "language" and not form.is_bound
        else "",
        "notice_focus": just,
    }
    return render(
        request,
        SCREEN_TEMPLATE,
        context,
        partial="wizard",
        status=status,
        navigation=True,
    )


def _hints(
    screen: Screen, graph: CatalogGraph, answers: Mapping[str, Any]
) -> dict[str, str]:
    """A line under some options: what each level means; on the goal
    screen, each track's hours for a beginner."""
    if screen.slug == "level":
        return {str(k): v for k, v in LEVEL_HINTS.items()}
    if screen.slug != "goal":
        return {}
    subject = str(answers.get("subject") or "")
    languages = graph.subjects[subject].languages
    language = answers.get("language") or (languages[0] if languages else "en")
    plans = subject_track_plans(graph=graph, subject_slug=subject, language=language)
    return {
        p.slug: f"about {p.hours_text} hours for a beginner"
        for p in plans
        if p.hours is not None
    }
