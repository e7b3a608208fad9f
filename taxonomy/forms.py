"""Admin forms for the taxonomy: the topic form keeps the prerequisite graph a
DAG; the choice group form keeps a group's rules (``taxonomy.choice_groups``);
the track form keeps its ordered targets.

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
GROUP_PREREQUISITES = "group_prerequisites"
MEMBERS = "members"
TARGET_LINKS = "target_links"
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
        groups = _kept_rows(self.formsets.get(GROUP_PREREQUISITES), "group")
        if groups is not None:
            repeated = sorted({g.slug for g in groups if groups.count(g) > 1})
            if repeated:
                self.add_error(
                    None,
                    ValidationError(
                        "Each choice group may be listed once; listed more than "
                        f"once: {', '.join(repeated)}.",
                        code="duplicate_group_prerequisite",
                    ),
                )
                return cleaned_data
        # They import the models.
        from .services import prerequisites_check, topic_subject_check

        try:
            topic_subject_check(
                topic=self.instance, subject=cleaned_data.get("subject")
            )
            prerequisites_check(
                topic=self._topic_as_submitted(), requires=requires, groups=groups
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
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
        """The topics the kept (non-deleted) prerequisite rows name, in order."""
        return _kept_rows(self.formsets.get(PREREQUISITES), "requires")

    def _topic_as_submitted(self) -> Any:
        """The topic with the slug being submitted, so a cycle reads as typed."""
        topic = copy.copy(self.instance)
        topic.slug = self.cleaned_data.get("slug") or topic.slug
        return topic


def _kept_rows(formset: Any, field: str) -> list[Any] | None:
    """What ``field`` names in each kept (non-deleted) row of an inline
    formset, in the rows' order (their sort order when they have one); None
    without the formset.

    Read from each row's instance: the formset's own uniqueness check drops
    a duplicate row's value from ``cleaned_data``, and duplicates are
    reported by name instead.
    """
    if formset is None:
        return None
    formset.is_valid()  # cleans every row, building its instance
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if formset.can_delete and data.get(DELETION_FIELD_NAME):
            continue
        if getattr(form.instance, f"{field}_id") is not None:
            order = data.get("ORDER") if formset.can_order else None
            rows.append((order if order is not None else index, index, form))
    return [getattr(form.instance, field) for _, _, form in sorted(rows)]


class ChoiceGroupAdminForm(WagtailAdminModelForm):
    """Keeps a choice group's rules, naming the topics (and any cycle):
    members of the group's subject, at least two, each once, ``at least`` no
    more than the members, the default one of them, no member requiring the
    group."""

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        members = _kept_rows(self.formsets.get(MEMBERS), "topic")
        if members is None:
            return cleaned_data
        from .choice_groups import choice_group_check  # it imports the models

        try:
            choice_group_check(
                group=self.instance,
                subject=cleaned_data.get("subject"),
                members=members,
                min_choices=cleaned_data.get("min_choices"),
                default=cleaned_data.get("default_member"),
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned_data


class TrackAdminForm(WagtailAdminModelForm):
    """Keeps a track's targets: at least one, each listed once (named)."""

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        targets = _kept_rows(self.formsets.get(TARGET_LINKS), "topic")
        if targets is None:
            return cleaned_data
        if not targets:
            self.add_error(
                None,
                ValidationError(
                    "A track needs at least one target topic.", code="no_targets"
                ),
            )
            return cleaned_data
        from .services import track_targets_check  # it imports the models

        try:
            track_targets_check(targets=targets)
        except ValidationError as error:
            for errors in error.error_dict.values():
                self.add_error(None, errors)
        return cleaned_data
