"""The wizard's screens, in order, and the answers kept in the session
(anonymous visitors can go through the wizard)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ..forms import (
    AgeForm,
    DeadlineForm,
    GoalForm,
    HoursForm,
    KnownForm,
    LanguageForm,
    LevelForm,
    PreferencesForm,
    SubjectForm,
    WizardForm,
)

SESSION_KEY = "onboarding"


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


def session_answers(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY) or {})


def session_answers_save(request: HttpRequest, answers: Mapping[str, Any]) -> None:
    request.session[SESSION_KEY] = {
        k: v for k, v in answers.items() if v not in (None, "", [])
    }


def screen_url(screen: Screen, *, to_review: bool = False) -> str:
    url = reverse("onboarding:screen", args=[screen.slug])
    return f"{url}?return=review" if to_review else url
