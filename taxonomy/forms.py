"""Admin forms for the taxonomy: the topic form keeps the prerequisite graph a DAG.

This module must not import ``taxonomy.models`` at import time: the models use
these classes as their ``base_form_class``.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME

from wagtail.admin.forms import WagtailAdminModelForm

PREREQUISITES = "prerequisites"
POSITION = "position"


class KeptWhenEmptyIntegerField(forms.IntegerField):
    """An optional number whose empty value means "keep what is stored"."""

    def has_changed(self, initial: Any, data: Any) -> bool:
        if data in self.empty_values:
            return False
        return super().has_changed(initial, data)


class TopicAdminForm(WagtailAdminModelForm):
    """Refuses duplicate prerequisites, self-edges and cycles, naming the cycle.

    An empty teaching position keeps the topic's place in its subject; a new
    topic, or one moved to another subject, then goes last there.
    """

    position = KeptWhenEmptyIntegerField(
        label="Teaching position",
        required=False,
        min_value=0,
        max_value=2_147_483_647,
        help_text="Where this topic comes in its subject's teaching order "
        "(lower first, ties by slug). Leave empty to keep its place; a new "
        'topic goes last. The topic listing\'s "Sort item order" lets you '
        "drag topics instead.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        self._position_default(cleaned_data)
        requires = self._submitted_prerequisites()
        if requires is None:
            return cleaned_data
        duplicates = sorted(
            {topic.slug for topic in requires if requires.count(topic) > 1}
        )
        if duplicates:
            self.add_error(
                None,
                ValidationError(
                    "Each prerequisite may be listed once; listed more than once: "
                    f"{', '.join(duplicates)}.",
                    code="duplicate_prerequisite",
                ),
            )
            return cleaned_data
        from .services import prerequisites_check  # it imports the models

        try:
            prerequisites_check(topic=self._topic_as_submitted(), requires=requires)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned_data

    def _position_default(self, cleaned_data: dict[str, Any]) -> None:
        if POSITION not in self.fields or cleaned_data.get(POSITION) is not None:
            return
        subject = cleaned_data.get("subject")
        if subject is None:
            return  # the subject's own error is shown
        stored = self.instance
        if stored.pk is not None and stored.subject_id == subject.pk:
            cleaned_data[POSITION] = stored.position
            return
        from .ordering import topic_position_last  # it imports the models

        cleaned_data[POSITION] = topic_position_last(
            subject=subject, exclude_pk=self.instance.pk
        )

    def _submitted_prerequisites(self) -> list[Any] | None:
        """The topics the kept (non-deleted) prerequisite rows name, in order.

        Read from each row's instance: the formset's own uniqueness check drops
        a duplicate row's value from ``cleaned_data``, and duplicates are
        reported here by name.
        """
        formset = self.formsets.get(PREREQUISITES)
        if formset is None:
            return None
        formset.is_valid()  # cleans every row, building its instance
        requires = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if formset.can_delete and data.get(DELETION_FIELD_NAME):
                continue
            if form.instance.requires_id is not None:
                requires.append(form.instance.requires)
        return requires

    def _topic_as_submitted(self) -> Any:
        """The topic with the slug being submitted, so a cycle reads as typed."""
        topic = copy.copy(self.instance)
        topic.slug = self.cleaned_data.get("slug") or topic.slug
        return topic
