"""Providers, resources, the topics they cover and their links."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel

from taxonomy.enums import AgeRange, Cost, Format, Language, Level, LinkHealth, LinkKind
from taxonomy.fields import StringListField
from taxonomy.validators import (
    DESCRIPTION_MAX,
    TAG_MAX,
    TAGS_MAX_ITEMS,
    StringListValidator,
    slug_lowercase_constraint,
    text_length_constraint,
    validate_lowercase_slug,
)

from .forms import ResourceAdminForm

# Read once: ``AgeRange.values`` builds a new list on every access, and
# ``Resource.clean()`` runs for each of an import's 100k resources.
_AGE_RANGES = frozenset(AgeRange.values)


class Provider(models.Model):
    slug = models.SlugField(
        max_length=80, unique=True, validators=[validate_lowercase_slug]
    )
    name = models.CharField(max_length=160)
    url = models.URLField(max_length=500)
    trust_score = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.70"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0 to 1: how far the provider's material can be relied on.",
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("url"), FieldPanel("trust_score")]),
    ]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trust_score__gte=0, trust_score__lte=1),
                name="provider_trust_score_range",
            ),
            slug_lowercase_constraint(name="provider_slug_lowercase"),
        ]

    def __str__(self) -> str:
        return self.name


class ResourceQuerySet(models.QuerySet["Resource"]):
    def offerable(self) -> ResourceQuerySet:
        """Resources that may be shown to learners: primary link not broken."""
        return self.exclude(link_health=LinkHealth.BROKEN)


class Resource(ClusterableModel):
    slug = models.SlugField(
        max_length=160, unique=True, validators=[validate_lowercase_slug]
    )
    title = models.CharField(max_length=255)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    provider = models.ForeignKey(
        "catalog.Provider", on_delete=models.PROTECT, related_name="resources"
    )
    format = models.CharField(max_length=16, choices=Format.choices)
    language = models.CharField(
        max_length=5, choices=Language.choices, default=Language.EN
    )
    duration_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    difficulty = models.CharField(
        max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    cost = models.CharField(max_length=10, choices=Cost.choices, default=Cost.FREE)
    age_ranges = StringListField(
        separator=",",
        blank=True,
        help_text="Suitable age ranges (child, teen, adult), separated by commas.",
    )
    tags = StringListField(
        separator=",",
        blank=True,
        validators=[StringListValidator(max_items=TAGS_MAX_ITEMS, max_length=TAG_MAX)],
        help_text="Separated by commas.",
    )
    curator_rating = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    freshness = models.DateField(
        null=True,
        blank=True,
        help_text="When the material was last published or revised.",
    )
    feedback_up = models.PositiveIntegerField(default=0)
    feedback_down = models.PositiveIntegerField(default=0)
    link_health = models.CharField(
        max_length=12,
        choices=LinkHealth.choices,
        default=LinkHealth.UNCHECKED,
        editable=False,
        help_text="Derived from the links by the link checker.",
    )

    objects = ResourceQuerySet.as_manager()

    base_form_class = ResourceAdminForm
    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("slug"), FieldPanel("provider")]),
        FieldPanel("description"),
        FieldRowPanel(
            [FieldPanel("format"), FieldPanel("language"), FieldPanel("difficulty")]
        ),
        FieldRowPanel(
            [
                FieldPanel("duration_minutes"),
                FieldPanel("cost"),
                FieldPanel("age_ranges"),
            ]
        ),
        FieldPanel("tags"),
        InlinePanel(
            "topic_coverage", heading="Topics covered", label="Topic", min_num=1
        ),
        InlinePanel("links", heading="Links", label="Link", min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("curator_rating"),
                FieldPanel("freshness"),
                FieldRowPanel([FieldPanel("feedback_up"), FieldPanel("feedback_down")]),
            ],
            heading="Quality signals",
        ),
    ]

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(curator_rating__gte=1, curator_rating__lte=5),
                name="resource_curator_rating_range",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1),
                name="resource_duration_positive",
            ),
            slug_lowercase_constraint(name="resource_slug_lowercase"),
            text_length_constraint(
                field="description",
                limit=DESCRIPTION_MAX,
                name="resource_description_length",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def primary_url(self) -> str:
        for link in self.links.all():
            if link.kind == LinkKind.PRIMARY:
                return link.url
        return ""

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = sorted(set(self.age_ranges or []) - _AGE_RANGES)
        if unknown:
            raise ValidationError(
                {"age_ranges": f"Unknown age ranges: {', '.join(unknown)}."}
            )


class ResourceTopic(models.Model):
    """A resource covers a topic, wholly (1.0) or in part."""

    resource = ParentalKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="topic_coverage"
    )
    topic = models.ForeignKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="resource_coverage"
    )
    coverage = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(1)],
        help_text="How much of the topic the resource covers, from 0.01 to 1.",
    )

    panels = [FieldRowPanel([FieldPanel("topic"), FieldPanel("coverage")])]

    class Meta:
        ordering = ["resource_id", "-coverage", "topic__slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "topic"], name="resourcetopic_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(coverage__gt=0, coverage__lte=1),
                name="resourcetopic_coverage_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} covers {self.topic} ({self.coverage})"


class ResourceLink(models.Model):
    resource = ParentalKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="links"
    )
    url = models.URLField(max_length=1000)
    kind = models.CharField(
        max_length=12, choices=LinkKind.choices, default=LinkKind.PRIMARY
    )
    # Written by the link checker only.
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    final_url = models.URLField(max_length=1000, blank=True, editable=False)
    redirects = models.JSONField(default=list, blank=True, editable=False)
    last_error = models.CharField(max_length=255, blank=True, editable=False)
    healthy = models.BooleanField(null=True, editable=False)
    consecutive_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    panels = [FieldRowPanel([FieldPanel("url"), FieldPanel("kind")])]

    class Meta:
        ordering = ["resource_id", "kind", "url"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "url"], name="resourcelink_unique_url"
            ),
            models.UniqueConstraint(
                fields=["resource"],
                condition=models.Q(kind="primary"),
                name="resourcelink_one_primary",
            ),
        ]
        indexes = [models.Index(fields=["kind", "url"], name="resourcelink_kind_url")]

    def __str__(self) -> str:
        return self.url

    def check_state_reset(self) -> None:
        """Forget what the link checker knew: the URL it checked has changed.

        The link becomes due at once and counts as not checked yet.
        """
        self.last_checked_at = None
        self.last_status = None
        self.final_url = ""
        self.redirects = []
        self.last_error = ""
        self.healthy = None
        self.consecutive_failures = 0
        self.next_check_at = None

    @property
    def health_label(self) -> str:
        if self.healthy is None:
            return "not checked"
        return "healthy" if self.healthy else "broken"
