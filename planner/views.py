"""The learner's planning pages: the onboarding wizard, its clarifying
questions, and a planning job's live progress.

The wizard keeps the answers in the session (anonymous visitors can go
through it), one screen per URL so Back and reload work without JavaScript;
with htmx each form swaps the wizard region in place. The planner's
normalisation decides what is valid (``profile_validate``); its messages go
next to the fields. The answers become a profile (``profile_submit``) once
the learner is signed in; the questions follow, then the planning job,
whose page polls a partial of itself until the roadmap is ready.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from django_htmx.http import HttpResponseClientRedirect

from home.selectors import subject_track_plans
from learners.models import LearnerProfile
from taxonomy.enums import AgeRange, Format, Language, Level
from wayfinder.errors import TRANSLATED, application_error, error_response

from .domain import CatalogGraph, CatalogGraphError
from .forms import (
    COST_CHOICES,
    LEVEL_HINTS,
    OWN_WORDS,
    AgeForm,
    DeadlineForm,
    GoalForm,
    HoursForm,
    KnownForm,
    LanguageForm,
    LevelForm,
    PreferencesForm,
    QuestionForm,
    SubjectForm,
    WizardForm,
)
from .models import JobState, PlanningJob
from .selectors import catalog_graph_get
from .services import (
    answer_record,
    job_enqueue,
    profile_submit,
    profile_validate,
    questions_next,
    roadmap_regenerate,
)

SESSION_KEY = "onboarding"
SCREEN_TEMPLATE = "planner/onboarding/screen.html"
REVIEW_TEMPLATE = "planner/onboarding/review.html"
QUESTION_TEMPLATE = "planner/onboarding/question.html"
JOB_TEMPLATE = "planner/jobs/job_detail.html"
PROBLEM_TEMPLATE = "planner/onboarding/problem.html"
#: htmx stops polling on this status (the job is over).
STOP_POLLING = 286
#: Required answers: the review refuses to build without them.
REQUIRED = ("subject", "goals", "level", "weekly_hours")


@dataclass(frozen=True)
class Screen:
    slug: str
    form: type[WizardForm]
    #: The question, as the screen's heading ({subject}: the subject's name).
    heading: str
    #: What the review calls this answer.
    label: str
    hint: str = ""
    optional: bool = False
    needs_subject: bool = False


SCREENS: tuple[Screen, ...] = (
    Screen("subject", SubjectForm, "What do you want to learn?", "Subject"),
    Screen(
        "goal",
        GoalForm,
        "What is your goal in {subject}?",
        "Goal",
        "Pick a goal track, or say in your own words what you want to be able to do.",
        needs_subject=True,
    ),
    Screen(
        "level",
        LevelForm,
        "How well do you know {subject} already?",
        "Level",
        needs_subject=True,
    ),
    Screen(
        "known",
        KnownForm,
        "What do you already know?",
        "Already known",
        "Tick what you could explain to a friend: those topics are left out "
        "of your plan, with everything they build on.",
        optional=True,
        needs_subject=True,
    ),
    Screen(
        "hours",
        HoursForm,
        "How many hours a week can you spend?",
        "Hours a week",
        "Be realistic: your schedule is planned from this.",
    ),
    Screen(
        "deadline",
        DeadlineForm,
        "Do you need to finish by a date?",
        "Deadline",
        optional=True,
    ),
    Screen(
        "language",
        LanguageForm,
        "Which language do you want to learn in?",
        "Language",
        "Resources in this language come first; others fill the gaps.",
    ),
    Screen(
        "preferences",
        PreferencesForm,
        "What kind of resources suit you?",
        "Preferences",
        optional=True,
    ),
    Screen(
        "age",
        AgeForm,
        "Which age range are you in?",
        "Age range",
        "Resources are chosen to suit your age.",
        optional=True,
    ),
)
BY_SLUG = {screen.slug: screen for screen in SCREENS}
#: Which screen answers each onboarding key.
KEY_SCREENS = {key: s for s in SCREENS for key in s.form.keys}
#: The answers that depend on the subject: a new subject clears them.
SUBJECT_BOUND = ("goals", "known_topics")


# -- helpers ----------------------------------------------------------------------
def _partial(request: HttpRequest) -> bool:
    """A fragment for htmx, the whole page for a history restore or no JS."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A full navigation: a redirect, or for htmx ``HX-Redirect`` (the next
    page has another layout, so no swap)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str,
    status: int = 200,
) -> TemplateResponse:
    name = f"{template}#{partial}" if _partial(request) else template
    response = TemplateResponse(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _answers(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY) or {})


def _answers_save(request: HttpRequest, answers: Mapping[str, Any]) -> None:
    request.session[SESSION_KEY] = {
        k: v for k, v in answers.items() if v not in (None, "", [])
    }


def _graph(request: HttpRequest) -> CatalogGraph | TemplateResponse:
    try:
        return catalog_graph_get()
    except CatalogGraphError:
        return TemplateResponse(request, PROBLEM_TEMPLATE, {}, status=503)


def _screen_url(screen: Screen, *, to_review: bool = False) -> str:
    url = reverse("onboarding:screen", args=[screen.slug])
    return f"{url}?return=review" if to_review else url


def _in_words(message: str, graph: CatalogGraph, subject: str) -> str:
    """The planner's message for a learner: track slugs as their names,
    starting with a capital."""
    for slug in graph.tracks_by_subject.get(subject, ()):
        name = graph.tracks[slug].name
        message = re.sub(rf"\b{re.escape(slug)}\b", f"“{name}”", message)
    return message[:1].upper() + message[1:]


def _planner_errors(
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


def _field_views(form: forms.Form, hints: Mapping[str, str]) -> list[dict[str, Any]]:
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


def _language_default(request: HttpRequest) -> str:
    code = get_language_from_request(request).split("-")[0].lower()
    return code if code in Language.values else Language.EN.value


# -- the wizard's screens ----------------------------------------------------------
@require_GET
def wizard_start(request: HttpRequest) -> HttpResponse:
    """``/onboarding/``: the first screen; ``?subject=<slug>`` chooses the
    subject (from a subject page) and goes on to the goal."""
    slug = request.GET.get("subject", "")
    if slug:
        graph = _graph(request)
        if isinstance(graph, TemplateResponse):
            return graph
        if slug in graph.subjects:
            answers = _answers(request)
            _subject_set(answers, slug)
            _answers_save(request, answers)
            return redirect(_screen_url(BY_SLUG["goal"]))
    return redirect(_screen_url(SCREENS[0]))


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
    graph = _graph(request)
    if isinstance(graph, TemplateResponse):
        return graph
    answers = _answers(request)
    if current.needs_subject and answers.get("subject") not in graph.subjects:
        return redirect(_screen_url(SCREENS[0]))
    if current.slug == "language" and "language" not in answers:
        answers["language"] = _language_default(request)
    to_review = (request.POST or request.GET).get("return") == "review"
    if request.method == "GET":
        form = current.form(graph=graph, answers=answers)
        return _screen_page(request, current, form, graph, answers, to_review)
    if request.POST.get("skip") and current.optional:
        for key in current.form.keys:
            answers.pop(key, None)
        _answers_save(request, answers)
        return redirect(_next_url(current, to_review))
    form = current.form(request.POST, graph=graph, answers=answers)
    if form.is_valid():
        given = form.answers()
        candidate = {**answers}
        if current.slug == "subject":
            _subject_set(candidate, given["subject"])
        candidate.update(given)
        candidate = {k: v for k, v in candidate.items() if v not in (None, "", [])}
        errors = _planner_errors(candidate, current.form.keys, graph)
        for key, messages in errors.items():
            form.add_error(_error_field(form, key), messages)
        if not errors:
            _answers_save(request, candidate)
            return redirect(_next_url(current, to_review))
    return _screen_page(request, current, form, graph, answers, to_review, status=400)


def _next_url(current: Screen, to_review: bool) -> str:
    position = SCREENS.index(current)
    if to_review or position == len(SCREENS) - 1:
        return reverse("onboarding:review")
    return _screen_url(SCREENS[position + 1])


def _screen_page(
    request: HttpRequest,
    screen: Screen,
    form: WizardForm,
    graph: CatalogGraph,
    answers: Mapping[str, Any],
    to_review: bool,
    *,
    status: int = 200,
) -> TemplateResponse:
    position = SCREENS.index(screen)
    subject = graph.subjects.get(str(answers.get("subject") or ""))
    subject_name = subject.name if subject else ""
    back = None
    if to_review:
        back = reverse("onboarding:review")
    elif position:
        back = _screen_url(SCREENS[position - 1])
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
        "fields": _field_views(form, _hints(screen, graph, answers)),
    }
    return _render(request, SCREEN_TEMPLATE, context, partial="wizard", status=status)


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


# -- the review -------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewRow:
    screen: Screen
    value: str
    errors: list[str]
    change_url: str


@require_http_methods(["GET", "POST"])
def wizard_review(request: HttpRequest) -> HttpResponse:
    """``/onboarding/review/``: every answer with a link to change it, and
    "Build my roadmap". Anonymous visitors are sent to sign up (or in) and
    come back here, answers intact; a learner's answers become a profile,
    then the clarifying questions (or straight the planning job)."""
    graph = _graph(request)
    if isinstance(graph, TemplateResponse):
        return graph
    answers = _answers(request)
    if answers.get("subject") not in graph.subjects:
        return redirect(_screen_url(SCREENS[0]))
    errors = _planner_errors(answers, tuple(KEY_SCREENS), graph)
    if request.method == "POST" and not errors:
        if not request.user.is_authenticated:
            return _go(request, _sign_up_url())
        try:
            profile = profile_submit(owner=request.user, raw=answers)
        except TRANSLATED as exc:
            errors = application_error(exc).fields or {
                "subject": [application_error(exc).public_message]
            }
        else:
            request.session.pop(SESSION_KEY, None)
            return _after_answers(request, profile)
    rows = _review_rows(graph, answers, errors)
    context = {
        "rows": rows,
        "has_errors": bool(errors),
        "step": len(SCREENS),
        "steps": len(SCREENS),
        "progress_text": f"All {len(SCREENS)} steps done: check your answers",
        "back_url": _screen_url(SCREENS[-1]),
        "sign_up_url": _sign_up_url(),
        "sign_in_url": _sign_in_url(),
    }
    status = 400 if errors and request.method == "POST" else 200
    return _render(request, REVIEW_TEMPLATE, context, partial="wizard", status=status)


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
                change_url=_screen_url(screen, to_review=True),
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
    return "; ".join(parts)


# -- clarifying questions ------------------------------------------------------------
def _profile_owned(request: HttpRequest, profile_id: int) -> LearnerProfile:
    profile = LearnerProfile.objects.filter(pk=profile_id, owner=request.user).first()
    if profile is None:
        raise Http404("No such profile.")
    return profile


def _after_answers(request: HttpRequest, profile: LearnerProfile) -> HttpResponse:
    """The next clarifying question, or (none left) the planning job."""
    if questions_next(profile=profile):
        return redirect("onboarding:questions", profile_id=profile.pk)
    job = job_enqueue(profile=profile, actor=request.user)
    return _go(request, reverse("jobs:detail", args=[job.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def wizard_questions(request: HttpRequest, profile_id: int) -> HttpResponse:
    """``/onboarding/profiles/<id>/questions/``: the clarifying question to
    answer now (0-3 in all), why it is asked, its options and Skip. POST
    records the answer, then the next question or the planning job. With
    none left, GET offers to build the roadmap."""
    profile = _profile_owned(request, profile_id)
    if request.method == "POST" and request.POST.get("build"):
        job = job_enqueue(profile=profile, actor=request.user)
        return _go(request, reverse("jobs:detail", args=[job.pk]))
    try:
        pending = questions_next(profile=profile)
    except TRANSLATED as exc:
        return error_response(request, exc, template=PROBLEM_TEMPLATE)
    question = pending[0] if pending else None
    form = QuestionForm(options=question.options if question else [])
    status = 200
    if request.method == "POST" and question is not None:
        skipped = bool(request.POST.get("skip"))
        form = QuestionForm(request.POST, options=question.options)
        if skipped or form.is_valid():
            value = None if skipped else form.cleaned_data["value"]
            try:
                answer_record(
                    profile=profile,
                    question_id=question.question_id,
                    value=value,
                    skipped=skipped,
                )
            except TRANSLATED as exc:
                error = application_error(exc)
                messages = [m for ms in error.fields.values() for m in ms]
                form.add_error("value", messages or [error.public_message])
            else:
                return _after_answers(request, profile)
        status = 400
    why = ""
    if question is not None:
        why = question.reason.removeprefix(f"{question.kind}: ")
        why = why[:1].upper() + why[1:]
    context = {
        "profile": profile,
        "question": question,
        "why": why,
        "form": form,
        "fields": _field_views(form, {}),
    }
    return _render(request, QUESTION_TEMPLATE, context, partial="wizard", status=status)


# -- planning jobs ---------------------------------------------------------------------
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
    partial = _partial(request)
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
    return _render(request, JOB_TEMPLATE, context, partial="job-status", status=status)


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
            return _go(request, reverse("jobs:detail", args=[error.details["job"]]))
        context = {
            "job": job,
            "stage_label": STAGE_LABELS.get(job.stage, job.stage),
            "token": _job_token(job),
            "roadmap_url": None,
            "regeneration": bool(job.regenerates_id),
        }
        return error_response(request, error, template=JOB_TEMPLATE, context=context)
    return _go(request, reverse("jobs:detail", args=[again.pk]))
