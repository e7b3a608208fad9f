"""Filters of the resources API (django-filter).

The same parameters serve both paths of ``/api/v1/resources/``: without ``q``
they filter the queryset; with ``q`` they become the search backend's filters
(:meth:`ResourceFilter.search_filters`). Values of one parameter, repeated,
are alternatives (``format=video&format=article``); different parameters must
all hold. An unknown value is a 400 naming the parameter.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet

import django_filters

from taxonomy.api import SlugsFilter
from taxonomy.enums import Cost, Format, Language, Level
from taxonomy.models import Subject, Topic

from .models import Provider, Resource, ResourceTopic


class MinutesFilter(django_filters.NumberFilter):
    """A whole number of minutes (the search engines take integers only)."""

    field_class = forms.IntegerField


def _choices(choices: Any, **kwargs: Any) -> django_filters.MultipleChoiceFilter:
    return django_filters.MultipleChoiceFilter(
        choices=choices, distinct=False, **kwargs
    )


class ResourceFilter(django_filters.FilterSet):
    subject = SlugsFilter(
        queryset=Subject.objects.all(),
        method="filter_covering",
        help_text="Subject slug: resources covering at least one of its topics.",
    )
    topic = SlugsFilter(
        queryset=Topic.objects.all(),
        method="filter_covering",
        help_text="Topic slug: resources covering that topic.",
    )
    provider = SlugsFilter(
        queryset=Provider.objects.all(),
        field_name="provider__slug",
        help_text="Provider slug.",
    )
    format = _choices(Format.choices)
    language = _choices(Language.choices, help_text="ISO 639-1 code.")
    level = _choices(Level.choices, field_name="difficulty")
    cost = _choices(Cost.choices)
    duration_min = MinutesFilter(
        field_name="duration_minutes",
        lookup_expr="gte",
        min_value=0,
        help_text="At least this many minutes.",
    )
    duration_max = MinutesFilter(
        field_name="duration_minutes",
        lookup_expr="lte",
        min_value=0,
        help_text="At most this many minutes.",
    )

    class Meta:
        model = Resource
        fields: list[str] = []

    def filter_covering(
        self, queryset: QuerySet[Resource], name: str, value: Any
    ) -> QuerySet[Resource]:
        """Resources covering one of the topics (or one topic of the subjects)."""
        if not value:
            return queryset
        lookup = "topic__in" if name == "topic" else "topic__subject__in"
        covers = ResourceTopic.objects.filter(
            resource=OuterRef("pk"), **{lookup: value}
        )
        return queryset.filter(Exists(covers))

    def search_filters(self) -> dict[str, Any]:
        """The validated values as ``catalog_search`` filters (slugs and enums).

        Call after ``is_valid()``.
        """
        filters: dict[str, Any] = {}
        for name, value in self.form.cleaned_data.items():
            if value in (None, "") or (hasattr(value, "__len__") and not len(value)):
                continue
            if name in {"subject", "topic", "provider"}:
                filters[name] = [item.slug for item in value]
            elif name in {"duration_min", "duration_max"}:
                filters[name] = int(value)
            else:
                filters[name] = list(value)
        return filters
