"""Candidates found by external sources, waiting for a curator, and the URLs
curators turned down."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from wagtail.admin.panels import FieldPanel, FieldRowPanel

from taxonomy.enums import Format, Language, Level

from .canonical import url_canonical


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    DEFERRED = "deferred", "Deferred"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class GapKind(models.TextChoices):
    """Why the topic was searched (catalog/reports.py's problems)."""

    THIN = "thin", "Fewer than two offerable resources"
    LANGUAGE = "language", "No resource in a language the subject offers"
    LEVEL = "level", "No resource at the topic's level"
    MANUAL = "manual", "Searched by hand"


class DuplicateKind(models.TextChoices):
    NONE = "", "No"
    URL = "url", "Same URL"
    TITLE = "title", "Near-identical title"


class Candidate(models.Model):
    """A resource a source suggested for a topic's gap: never offered to
    learners as curated until a curator accepts it (then ``resource`` is the
    curated resource it became)."""

    topic = models.ForeignKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="candidates"
    )
    gap = models.CharField(max_length=10, choices=GapKind.choices)
    gap_language = models.CharField(max_length=5, choices=Language.choices, blank=True)
    gap_level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    source = models.CharField(max_length=40)
    source_ids = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=255)
    url = models.URLField(max_length=1000)
    canonical_url = models.CharField(max_length=1000, editable=False)
    provider_name = models.CharField(max_length=160)
    provider_url = models.URLField(max_length=500, blank=True)
    format = models.CharField(max_length=16, choices=Format.choices)
    language = models.CharField(
        max_length=5,
        choices=Language.choices,
        blank=True,
        help_text="Empty when the source did not say.",
    )
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(max_length=1000, blank=True)
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    duplicate = models.CharField(
        max_length=5, choices=DuplicateKind.choices, blank=True, editable=False
    )
    duplicate_of = models.ForeignKey(
        "catalog.Resource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    resource = models.ForeignKey(
        "catalog.Resource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The curated resource an accepted candidate became.",
    )
    reject_reason = models.CharField(max_length=255, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    found_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("url"), FieldPanel("provider_name")]),
        FieldPanel("description"),
        FieldRowPanel(
            [
                FieldPanel("format"),
                FieldPanel("language"),
                FieldPanel("duration_minutes"),
            ]
        ),
    ]

    class Meta:
        ordering = ["-found_at", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "canonical_url"], name="candidate_unique_topic_url"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CandidateStatus.values),
                name="candidate_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=CandidateStatus.REJECTED)
                | ~models.Q(reject_reason=""),
                name="candidate_rejected_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "topic"], name="candidate_status_topic")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # A curator correcting the URL moves what duplicates are judged by.
        self.canonical_url = url_canonical(self.url)

    @property
    def is_open(self) -> bool:
        return self.status in (CandidateStatus.PENDING, CandidateStatus.DEFERRED)


class RejectedUrl(models.Model):
    """A URL curators turned down: no source suggests it again, for any topic."""

    canonical_url = models.CharField(max_length=1000, unique=True)
    reason = models.CharField(max_length=255)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-rejected_at"]

    def __str__(self) -> str:
        return self.canonical_url
