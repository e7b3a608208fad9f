"""Filters of the admin's resource listing (django-filter, via Wagtail's FilterSet)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wagtail.admin.filters import WagtailFilterSet

import django_filters

from taxonomy.enums import Cost, Format, Language, Level, LinkHealth
from taxonomy.models import Subject

from .models import Provider, Resource
from .selectors import resource_filter_by_subject


class ResourceFilterSet(WagtailFilterSet):
    subject = django_filters.ModelChoiceFilter(
        label="Subject",
        queryset=Subject.objects.all(),
        method="filter_subject",
        help_text="Resources covering at least one topic of this subject.",
    )
    provider = django_filters.ModelChoiceFilter(
        label="Provider", queryset=Provider.objects.all()
    )
    level = django_filters.ChoiceFilter(
        label="Level (difficulty)", field_name="difficulty", choices=Level.choices
    )
    format = django_filters.ChoiceFilter(label="Format", choices=Format.choices)
    language = django_filters.ChoiceFilter(label="Language", choices=Language.choices)
    cost = django_filters.ChoiceFilter(label="Cost", choices=Cost.choices)
    link_health = django_filters.ChoiceFilter(
        label="Link health", choices=LinkHealth.choices
    )

    class Meta:
        model = Resource
        fields: list[str] = []

    def filter_subject(
        self, queryset: QuerySet[Resource], name: str, value: Any
    ) -> QuerySet[Resource]:
        if not value:
            return queryset
        return resource_filter_by_subject(queryset, subject=value)
