"""Roadmaps: the stored result of a plan, followed by the learner."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StepState(models.TextChoices):
    LOCKED = "locked", "Locked"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"


class Roadmap(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roadmaps"
    )
    profile = models.ForeignKey(
        "learners.LearnerProfile", on_delete=models.CASCADE, related_name="roadmaps"
    )
    title = models.CharField(max_length=200)
    # SET_NULL: one learner's roadmap must not stop a curator deleting or
    # merging a subject; the roadmap keeps the subject's slug and name.
    subject = models.ForeignKey(
        "taxonomy.Subject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roadmaps",
    )
    subject_slug = models.SlugField(max_length=80, blank=True)
    subject_name = models.CharField(max_length=120, blank=True)
    track = models.ForeignKey(
        "taxonomy.Track",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    catalog_version = models.PositiveBigIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    weekly_hours = models.DecimalField(max_digits=4, decimal_places=1)
    total_hours = models.DecimalField(max_digits=8, decimal_places=2)
    feasible = models.BooleanField(default=True)
    shortfall = models.JSONField(null=True, blank=True)
    notices = models.JSONField(default=list, blank=True)
    llm = models.JSONField(
        default=dict,
        blank=True,
        help_text="Model names and versions that phrased text.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class RoadmapStep(models.Model):
    roadmap = models.ForeignKey(
        "roadmaps.Roadmap", on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField()
    topic = models.ForeignKey(
        "taxonomy.Topic", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    topic_slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    objectives = models.JSONField(default=list)
    mastery_kind = models.CharField(max_length=20)
    mastery_description = models.TextField()
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    start_date = models.DateField()
    end_date = models.DateField()
    first_week = models.PositiveSmallIntegerField()
    last_week = models.PositiveSmallIntegerField()
    recommended = models.BooleanField(
        default=False, help_text="Reached through a recommended prerequisite only."
    )
    state = models.CharField(
        max_length=10, choices=StepState.choices, default=StepState.LOCKED
    )
    pinned = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["roadmap_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "position"], name="roadmapstep_unique_position"
            ),
            models.UniqueConstraint(
                fields=["roadmap", "topic_slug"], name="roadmapstep_unique_topic"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="roadmapstep_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class StepResource(models.Model):
    step = models.ForeignKey(
        "roadmaps.RoadmapStep", on_delete=models.CASCADE, related_name="resources"
    )
    position = models.PositiveSmallIntegerField()
    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resource_slug = models.SlugField(max_length=160)
    title = models.CharField(max_length=255)
    url = models.URLField(max_length=1000)
    score = models.DecimalField(max_digits=6, decimal_places=4)
    score_parts = models.JSONField(default=dict)
    language_fallback = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["step_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "resource_slug"], name="stepresource_unique_resource"
            ),
        ]

    def __str__(self) -> str:
        return self.title
