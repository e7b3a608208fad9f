"""Planning jobs: the database row is the source of truth for every run."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class PlanningJob(models.Model):
    """One generation of a roadmap from a profile at a catalog version.

    Huey delivers at most once, so a running job holds a lease that its worker
    renews; the reaper re-enqueues a job whose lease expired, or fails it after
    ``max_attempts``. A job either creates a roadmap or regenerates one
    (``regenerates``, from its version ``base_version``). For creations
    ``(owner, profile_hash, catalog_version)`` is unique: asking twice returns
    the same job; a roadmap has at most one regeneration queued or running.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="planning_jobs"
    )
    profile = models.ForeignKey(
        "learners.LearnerProfile", on_delete=models.CASCADE, related_name="jobs"
    )
    profile_hash = models.CharField(max_length=64)
    catalog_version = models.PositiveBigIntegerField()
    state = models.CharField(
        max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    stage = models.CharField(max_length=20, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    timings = models.JSONField(
        default=dict, blank=True, help_text="Milliseconds per stage."
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    enqueue_failed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When handing the job to the task queue last failed (broker "
        "unreachable); the reaper tries again within seconds.",
    )
    regenerates = models.ForeignKey(
        "roadmaps.Roadmap",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="regenerations",
        help_text="The roadmap this job re-plans; empty when it creates one.",
    )
    base_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version number a regeneration replaces."
    )
    roadmap = models.ForeignKey(
        "roadmaps.Roadmap",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    version = models.OneToOneField(
        "roadmaps.RoadmapVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="job",
        help_text="The version this job stored.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "profile_hash", "catalog_version"],
                condition=models.Q(regenerates__isnull=True),
                name="planningjob_unique_per_input",
            ),
            models.UniqueConstraint(
                fields=["regenerates"],
                condition=models.Q(state__in=["queued", "running"]),
                name="planningjob_one_regeneration_at_a_time",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="planningjob_percent_range"
            ),
        ]
        indexes = [
            models.Index(
                fields=["state", "lease_expires_at"], name="planningjob_lease"
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in {JobState.SUCCEEDED, JobState.FAILED}

    @property
    def is_waiting_for_worker(self) -> bool:
        """Queued while the task queue could not take it: say so, not "failed"."""
        return self.state == JobState.QUEUED and self.enqueue_failed_at is not None
