"""Editorial pages of the public site: the home page, one page per subject,
and plain pages (about, help, privacy)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from .blocks import RICH_TEXT_FEATURES, HomeStreamBlock, StandardStreamBlock


class HomePage(Page):
    intro = models.CharField(
        max_length=255,
        blank=True,
        default="Personal learning roadmaps built from a curated catalog.",
        help_text="Shown under the title when the body has no hero.",
    )
    body = StreamField(HomeStreamBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.SubjectPage", "home.StandardPage"]
    max_count = 1

    @property
    def has_hero(self) -> bool:
        """The hero carries the page's h1; without one the title does."""
        return any(block.block_type == "hero" for block in self.body)

    @property
    def has_subjects_block(self) -> bool:
        return any(block.block_type == "subjects" for block in self.body)

    def get_context(self, request, *args, **kwargs):
        from .selectors import subject_list_for_home

        context = super().get_context(request, *args, **kwargs)
        context["subjects"] = subject_list_for_home(request=request)
        return context


class SubjectPage(Page):
    """What a subject offers: its tracks, a sample roadmap, the way in."""

    subject = models.ForeignKey(
        "taxonomy.Subject",
        # A subject leaving the catalog must not take the page tree with it;
        # the page then says the subject is gone until an editor acts.
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    sample_track = models.ForeignKey(
        "taxonomy.Track",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The track the sample roadmap follows (default: the one a "
        "beginner finishes soonest).",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("subject"),
        FieldPanel("intro"),
        FieldPanel("sample_track"),
    ]
    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], name="subjectpage_one_per_subject"
            )
        ]

    def clean(self) -> None:
        super().clean()
        if self.subject_id is None:
            raise ValidationError({"subject": "Choose the subject this page presents."})
        others = SubjectPage.objects.filter(subject_id=self.subject_id)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if others.exists():
            raise ValidationError({"subject": "This subject already has a page."})
        if self.sample_track and self.sample_track.subject_id != self.subject_id:
            raise ValidationError(
                {"sample_track": "Choose one of this subject's own tracks."}
            )

    def get_context(self, request, *args, **kwargs):
        from .selectors import subject_page_details

        context = super().get_context(request, *args, **kwargs)
        context["details"] = subject_page_details(page=self)
        return context


class StandardPage(Page):
    """A plain page: about, help, privacy."""

    intro = models.CharField(max_length=255, blank=True)
    body = StreamField(StandardStreamBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []
