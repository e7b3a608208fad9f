"""Learner profiles and the adaptive questioning history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from taxonomy.enums import AgeRange, Language, Level
from taxonomy.fields import StringListField


class CostPreference(models.TextChoices):
    FREE_ONLY = "free_only", "Free resources only"
    ANY = "any", "Free or paid"


class LearnerProfile(models.Model):
    """What a learner told the onboarding wizard, normalised to the taxonomy."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learner_profiles",
    )
    # SET_NULL: a curator may delete or merge a subject; the profile keeps the
    # slug it was made for and can no longer be planned until edited.
    subject = models.ForeignKey(
        "taxonomy.Subject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="learner_profiles",
    )
    subject_slug = models.SlugField(max_length=80, blank=True)
    level = models.CharField(max_length=20, choices=Level.choices)
    track = models.ForeignKey(
        "taxonomy.Track",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    goal_text = models.TextField(blank=True)
    formats_liked = StringListField(separator=",", blank=True)
    formats_disliked = StringListField(separator=",", blank=True)
    cost_preference = models.CharField(
        max_length=10, choices=CostPreference.choices, default=CostPreference.ANY
    )
    session_minutes = models.PositiveSmallIntegerField(default=45)
    weekly_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(80)],
    )
    deadline = models.DateField(null=True, blank=True)
    start_date = models.DateField()
    language = models.CharField(
        max_length=5, choices=Language.choices, default=Language.EN
    )
    age_range = models.CharField(
        max_length=8, choices=AgeRange.choices, default=AgeRange.ADULT
    )
    timezone = models.CharField(max_length=64, default="UTC")
    known_topics = models.ManyToManyField(
        "taxonomy.Topic", blank=True, related_name="+"
    )
    raw_answers = models.JSONField(
        default=dict,
        blank=True,
        help_text="The onboarding answers as the learner gave them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    weekly_hours__gte=Decimal("0.5"), weekly_hours__lte=80
                ),
                name="learnerprofile_weekly_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} learning {self.subject or self.subject_slug}"


class ClarifyingQuestion(models.Model):
    """A question the planner asked, why, and with which options.

    ``question_id`` is the planner's stable id (``placement:python-functions``),
    so the history survives regenerations and answers files can name it.
    """

    profile = models.ForeignKey(
        "learners.LearnerProfile", on_delete=models.CASCADE, related_name="questions"
    )
    question_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    text = models.TextField()
    reason = models.TextField(help_text="Which uncertainty the answer reduces.")
    options = models.JSONField(default=list)
    order = models.PositiveSmallIntegerField()
    asked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["profile_id", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "question_id"],
                name="clarifyingquestion_unique_per_profile",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Answer(models.Model):
    question = models.ForeignKey(
        "learners.ClarifyingQuestion", on_delete=models.CASCADE, related_name="answers"
    )
    value = models.CharField(max_length=200, blank=True)
    confidence = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    skipped = models.BooleanField(default=False)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question_id", "-answered_at"]
        get_latest_by = "answered_at"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=1),
                name="answer_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return "skipped" if self.skipped else self.value
