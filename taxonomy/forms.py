"""Admin forms for the taxonomy: the topic form keeps the prerequisite graph a DAG.

This module must not import ``taxonomy.models`` at import time: the models use
these classes as their ``base_form_class``.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME

from wagtail.admin.forms import WagtailAdminModelForm

PREREQUISITES = "prerequisites"


class TopicAdminForm(WagtailAdminModelForm):
    """Refuses duplicate prerequisites, self-edges and cycles, naming the cycle."""

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
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
