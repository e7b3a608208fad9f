"""A JSON list of strings, edited in forms as one entry per line or per comma."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models


class StringListFormField(forms.CharField):
    def __init__(self, *, separator: str = "\n", **kwargs: Any) -> None:
        self.separator = separator
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        if separator == "\n":
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            joiner = "\n" if self.separator == "\n" else f"{self.separator} "
            return joiner.join(str(item) for item in value)
        return "" if value is None else str(value)

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(item).strip() for item in value if str(item).strip()]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(self.separator) if part.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        # Compare lists, not the stored list against the submitted text.
        if self.disabled:
            return False
        initial_list = self.to_python(initial) if initial is not None else []
        try:
            return initial_list != self.to_python(data)
        except ValidationError:
            return True

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class StringListField(models.JSONField):
    """A list of strings stored as JSON; ``separator`` sets how forms split it."""

    def __init__(self, *args: Any, separator: str = "\n", **kwargs: Any) -> None:
        self.separator = separator
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if self.separator != "\n":
            kwargs["separator"] = self.separator
        return name, path, args, kwargs

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError("Enter a list of texts.", code="invalid")

    def formfield(self, **kwargs: Any) -> forms.Field:
        # No hidden "initial-" copy (Django adds one for callable defaults):
        # has_changed compares the stored list with what was submitted.
        defaults = {
            "form_class": StringListFormField,
            "separator": self.separator,
            "show_hidden_initial": False,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)
