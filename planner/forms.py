"""The onboarding wizard's forms: one per screen, each turning what the
learner picked or typed into the planner's onboarding answers
(docs/planner.md, "Onboarding answers").

The forms only parse: whether an answer makes sense for the catalog is the
planner's to say (``planner.services.profile_validate``), and the view puts
its messages on the fields. Choices come from the catalog snapshot, so a
form is built with the snapshot and the answers given so far.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from taxonomy.enums import AgeRange, Format, Language, Level

from .domain import CatalogGraph
from .domain.normalize import GOAL_MAX_CHARS, TEXT_LIMITS

#: The goal radio's value for "in my own words".
OWN_WORDS = "other"
LEVEL_HINTS = {
    Level.BEGINNER: "New to it, or only tried a little.",
    Level.INTERMEDIATE: "I have used it and know the basics.",
    Level.ADVANCED: "I use it often and want to go deeper.",
}
COST_CHOICES = [("any", "Free or paid"), ("free", "Free only")]


class WizardForm(forms.Form):
    """A screen's form: built from the snapshot and the answers so far;
    ``answers()`` gives the onboarding answers it sets (an empty value
    means "not answered")."""

    #: The onboarding answer keys this screen sets.
    keys: tuple[str, ...] = ()

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        graph: CatalogGraph,
        answers: Mapping[str, Any],
        **kwargs: Any,
    ) -> None:
        self.graph = graph
        self.subject = str(answers.get("subject") or "")
        super().__init__(data, initial=self.initial_from(answers), **kwargs)
        self.setup()

    def setup(self) -> None:
        """Fill choices from the snapshot."""

    def initial_from(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        return {key: answers[key] for key in self.keys if key in answers}

    def answers(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.keys}


class SubjectForm(WizardForm):
    keys = ("subject",)
    subject = forms.ChoiceField(
        label="Subject",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a subject."},
    )

    def setup(self) -> None:
        subjects = sorted(
            self.graph.subjects.values(), key=lambda s: (s.name.casefold(), s.slug)
        )
        self.fields["subject"].choices = [(s.slug, s.name) for s in subjects]


class GoalForm(WizardForm):
    keys = ("goals",)
    track = forms.ChoiceField(
        label="Your goal",
        widget=forms.RadioSelect,
        required=False,
    )
    goal_text = forms.CharField(
        label="Your goal in your own words",
        max_length=GOAL_MAX_CHARS,
        required=False,
        help_text="In any language, at most "
        f"{GOAL_MAX_CHARS} characters. For example: “build a small web app”, "
        "“pass an exam” or “automatizar tareas en el trabajo”.",
    )

    def setup(self) -> None:
        slugs = self.graph.tracks_by_subject.get(self.subject, ())
        tracks = sorted(
            (self.graph.tracks[s] for s in slugs),
            key=lambda t: (t.name.casefold(), t.slug),
        )
        self.fields["track"].choices = [(t.slug, t.name) for t in tracks] + [
            (OWN_WORDS, "Something else: I will describe it")
        ]

    def initial_from(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        goal = answers.get("goals")
        if not goal:
            return {}
        if goal in self.graph.tracks_by_subject.get(self.subject, ()):
            return {"track": goal}
        return {"track": OWN_WORDS, "goal_text": goal}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        track, text = data.get("track"), (data.get("goal_text") or "").strip()
        if track and track != OWN_WORDS:
            data["goals"] = track
        elif text:
            data["goals"] = text
        elif track == OWN_WORDS:
            self.add_error("goal_text", "Describe your goal in a few words.")
        else:
            self.add_error("track", "Choose a goal, or describe it in your own words.")
        return data


class LevelForm(WizardForm):
    keys = ("level",)
    level = forms.ChoiceField(
        label="Your level",
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level that fits you best."},
    )


class KnownForm(WizardForm):
    keys = ("known_topics",)
    known = forms.MultipleChoiceField(
        label="Topics you already know",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    known_text = forms.CharField(
        label="Anything else you know (optional)",
        max_length=500,
        required=False,
        help_text="Topic names, separated by commas.",
    )

    def setup(self) -> None:
        slugs = self.graph.topics_by_subject.get(self.subject, ())
        self.fields["known"].choices = [(s, self.graph.topics[s].name) for s in slugs]

    def initial_from(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        given = answers.get("known_topics") or []
        ours = set(self.graph.topics_by_subject.get(self.subject, ()))
        return {
            "known": [t for t in given if t in ours],
            "known_text": ", ".join(t for t in given if t not in ours),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        typed = [t.strip() for t in (data.get("known_text") or "").split(",")]
        known = [*data.get("known", []), *(t for t in typed if t)]
        data["known_topics"] = list(dict.fromkeys(known))
        return data


class HoursForm(WizardForm):
    keys = ("weekly_hours",)
    weekly_hours = forms.CharField(
        label="Hours a week",
        max_length=40,
        help_text="A number of hours, from 0.5 to 80. For example: 5, or 7.5.",
        error_messages={"required": "Tell us how many hours a week you can spend."},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class DeadlineForm(WizardForm):
    keys = ("deadline",)
    deadline = forms.DateField(
        label="Finish by",
        required=False,
        help_text="Leave it empty, or skip, if there is no date to meet.",
        error_messages={"invalid": "Enter a date, for example 2027-06-30."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def answers(self) -> dict[str, Any]:
        deadline = self.cleaned_data.get("deadline")
        return {"deadline": deadline.isoformat() if deadline else None}


class LanguageForm(WizardForm):
    keys = ("language",)
    language = forms.ChoiceField(
        label="Language",
        choices=Language.choices,
        error_messages={"required": "Choose a language."},
    )


class PreferencesForm(WizardForm):
    keys = ("formats_liked", "formats_disliked", "cost", "likes")
    formats_liked = forms.MultipleChoiceField(
        label="Formats you like",
        choices=Format.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    formats_disliked = forms.MultipleChoiceField(
        label="Formats you would rather avoid",
        choices=Format.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    cost = forms.ChoiceField(
        label="Cost",
        choices=COST_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    likes = forms.CharField(
        label="Technologies you like (optional)",
        max_length=TEXT_LIMITS["likes"],
        required=False,
        help_text="Topic names, separated by commas, for example “Go, "
        "PostgreSQL”. Where your plan has you pick one of several languages or "
        f"tools, these are chosen. At most {TEXT_LIMITS['likes']:,} characters.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_likes(self) -> str:
        # Kept as typed: Back shows it unchanged; the planner splits it.
        return (self.cleaned_data.get("likes") or "").strip()


class AgeForm(WizardForm):
    keys = ("age_range",)
    age_range = forms.ChoiceField(
        label="Age range",
        choices=AgeRange.choices,
        widget=forms.RadioSelect,
        required=False,
    )


class QuestionForm(forms.Form):
    """A clarifying question: one of its options, or a skip."""

    value = forms.ChoiceField(
        label="Your answer",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, data=None, *, options: list[dict], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["value"].choices = [(o["value"], o["label"]) for o in options]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("value") and not self.errors:
            self.add_error("value", "Choose an answer, or skip this question.")
        return data
