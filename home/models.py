"""Editorial pages of the public site."""

from __future__ import annotations

from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    intro = models.CharField(
        max_length=255,
        blank=True,
        default="Personal learning roadmaps built from a curated catalog.",
    )
    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]

    def get_context(self, request, *args, **kwargs):
        from .selectors import subject_list_for_home

        context = super().get_context(request, *args, **kwargs)
        context["subjects"] = subject_list_for_home()
        return context

    subpage_types: list[str] = []
    max_count = 1
