"""Forms of the learner's roadmap pages: they parse what a step's controls
post, nothing more (the services hold the rules)."""

from __future__ import annotations

from django import forms

from .models import NOTES_MAX_LENGTH, SHORT_NOTE_MAX_LENGTH

BOOLEAN_CHOICES = [("true", "Yes"), ("false", "No")]


def _boolean(value: str) -> bool:
    return value == "true"


class StepPinForm(forms.Form):
    pinned = forms.TypedChoiceField(choices=BOOLEAN_CHOICES, coerce=_boolean)


class StepNotesForm(forms.Form):
    # No max_length here: the service refuses longer notes in its own words.
    notes = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": NOTES_MAX_LENGTH}),
    )


class MasteryForm(forms.Form):
    passed = forms.TypedChoiceField(choices=BOOLEAN_CHOICES, coerce=_boolean)
    note = forms.CharField(required=False, max_length=SHORT_NOTE_MAX_LENGTH)


class ResourcePinForm(StepPinForm):
    pass


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("true", "Helpful"), ("false", "Not helpful"), ("", "Withdraw")],
        coerce=_boolean,
        empty_value=None,
        required=False,
    )
