"""Validators the catalog's models share: lowercase slugs and bounded text.

They sit on the model fields, so the admin's forms, ``full_clean()`` (which the
catalog import runs on every record it writes) and DRF serializers built from
the models all apply them. The limits are documented in
docs/catalog-format.md and repeated in schemas/catalog.v1.schema.json; a test
keeps the three in step.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length, Lower
from django.utils.deconstruct import deconstructible

# Free-text limits, in characters (lists: per item, and items per list).
DESCRIPTION_MAX = 5000
SUMMARY_MAX = 1000
MASTERY_DESCRIPTION_MAX = 1000
OBJECTIVE_MAX = 300
OBJECTIVES_MAX_ITEMS = 30
TAG_MAX = 50
#: A translated name (as long as a topic or track name), and its aliases.
TRANSLATION_NAME_MAX = 160
ALIAS_MAX = 120
ALIASES_MAX_ITEMS = 20
TAGS_MAX_ITEMS = 30


def validate_lowercase_slug(value: str) -> None:
    """Refuses a slug with uppercase letters, naming its lowercase form.

    Slugs identify records in URLs, the API and catalog files; two slugs that
    differ only by case would be two records a reader takes for one.
    """
    if isinstance(value, str) and value != value.lower():
        raise ValidationError(
            "Slug “%(value)s” must be lowercase: %(lower)s.",
            code="slug_not_lowercase",
            params={"value": value, "lower": value.lower()},
        )


@deconstructible
class StringListValidator:
    """Bounds a list of texts: at most ``max_items`` items of at most
    ``max_length`` characters each."""

    def __init__(self, *, max_items: int, max_length: int) -> None:
        self.max_items = max_items
        self.max_length = max_length

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list):
            return  # the field's own validation refuses it
        if len(value) > self.max_items:
            raise ValidationError(
                "At most %(limit)d items (this list has %(count)d).",
                code="too_many_items",
                params={"limit": self.max_items, "count": len(value)},
            )
        for number, item in enumerate(value, start=1):
            if isinstance(item, str) and len(item) > self.max_length:
                raise ValidationError(
                    "Item %(number)d is too long: %(length)d characters, "
                    "at most %(limit)d.",
                    code="item_too_long",
                    params={
                        "number": number,
                        "length": len(item),
                        "limit": self.max_length,
                    },
                )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StringListValidator)
            and self.max_items == other.max_items
            and self.max_length == other.max_length
        )

    def __hash__(self) -> int:
        return hash((self.max_items, self.max_length))


def slug_lowercase_constraint(*, name: str) -> models.CheckConstraint:
    """The database's half of :func:`validate_lowercase_slug`."""
    return models.CheckConstraint(
        condition=models.Q(slug=Lower("slug")),
        name=name,
        violation_error_message="The slug must be lowercase.",
    )


def text_length_constraint(
    *, field: str, limit: int, name: str
) -> models.CheckConstraint:
    """The database's half of a text field's ``max_length``: a ``TextField``
    does not enforce it, and bulk writes and ``update()`` skip validators."""
    return models.CheckConstraint(
        condition=models.lookups.LessThanOrEqual(Length(field), limit),
        name=name,
        violation_error_message=f"At most {limit} characters.",
    )
