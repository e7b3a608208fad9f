"""The learner's catalog search form (GET).

Lenient on purpose: its controls cannot produce a bad value, so one comes
only from an old or hand-edited URL, and the learner is better served by a
search without it than by an error. Unknown filter values are dropped, and a
page that is no whole number is page 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from taxonomy.enums import Cost, Format, Language, Level

from .backends.base import MAX_QUERY_LENGTH

FACETS = ("subject", "format", "language", "level", "cost")
# Deep pages are refused: nobody reads page 10,000 of a catalog search, and
# the offset must stay a reasonable integer.
MAX_PAGE = 500


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Keeps the known values, in order, once each; drops the others."""

    def clean(self, value: Any) -> list[str]:
        values = self.to_python(value)
        return [v for v in dict.fromkeys(values) if self.valid_value(v)]


class CatalogSearchForm(forms.Form):
    # The template writes the controls itself (htmx attributes, facet counts).
    q = forms.CharField(label="What do you want to learn?", required=False)
    subject = LenientMultipleChoiceField(label="Subject", required=False)
    format = LenientMultipleChoiceField(
        label="Format", choices=Format.choices, required=False
    )
    language = LenientMultipleChoiceField(
        label="Language", choices=Language.choices, required=False
    )
    level = LenientMultipleChoiceField(
        label="Level", choices=Level.choices, required=False
    )
    cost = LenientMultipleChoiceField(
        label="Cost", choices=Cost.choices, required=False
    )
    page = forms.CharField(required=False)

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, subjects: Mapping[str, str]
    ) -> None:
        super().__init__(data or {})
        self.fields["subject"].choices = list(subjects.items())

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())[:MAX_QUERY_LENGTH]

    def clean_page(self) -> int:
        raw = (self.cleaned_data.get("page") or "").strip()
        if not (raw.isdecimal() and len(raw) <= 9):
            return 1
        return max(1, min(int(raw), MAX_PAGE))

    # The accessors below read what cleaned, after ``is_valid()``; a field
    # that did not clean (a NUL character in ``q``) counts as empty.

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q", "")

    @property
    def page_number(self) -> int:
        return self.cleaned_data.get("page", 1)

    @property
    def filters(self) -> dict[str, list[str]]:
        """The chosen filter values, ``{facet: [value, ...]}``, empty ones left out."""
        return {
            name: values for name in FACETS if (values := self.cleaned_data.get(name))
        }

    def labels(self, name: str) -> dict[str, str]:
        """``{value: label}`` of a facet's choices, in display order."""
        choices: Iterable[tuple[str, str]] = self.fields[name].choices
        return {str(value): str(label) for value, label in choices}
