"""Subjects, topics, the prerequisite DAG and goal tracks."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from .enums import GoalKind, Language, Level, MasteryKind, PrerequisiteKind
from .fields import StringListField
from .forms import TopicAdminForm, TrackAdminForm
from .validators import (
    ALIAS_MAX,
    ALIASES_MAX_ITEMS,
    DESCRIPTION_MAX,
    MASTERY_DESCRIPTION_MAX,
    OBJECTIVE_MAX,
    OBJECTIVES_MAX_ITEMS,
    SUMMARY_MAX,
    TAG_MAX,
    TAGS_MAX_ITEMS,
    TRANSLATION_NAME_MAX,
    StringListValidator,
    slug_lowercase_constraint,
    text_length_constraint,
    validate_lowercase_slug,
)

TRANSLATIONS_HELP = (
    "What learners call it in other languages: the planner matches goals "
    'typed in those words (docs/curating.md, "Names in other languages").'
)


class CatalogVersion(models.Model):
    """A single row whose ``value`` moves on every catalog change.

    Caches of derived data (the planner's graph snapshot, search indexes) store
    the version they were built from and rebuild when it differs.
    """

    value = models.PositiveBigIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pk=1), name="catalogversion_singleton"
            ),
        ]

    def __str__(self) -> str:
        return f"catalog v{self.value}"


class Subject(ClusterableModel):
    slug = models.SlugField(
        max_length=80, unique=True, validators=[validate_lowercase_slug]
    )
    # Unique ignoring case (Meta.constraints): the planner matches names folded.
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    languages = StringListField(
        separator=",",
        blank=True,
        help_text="ISO 639-1 codes of the languages this subject is offered in, "
        "separated by commas (for example: en, es).",
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("description"),
        FieldPanel("languages"),
        InlinePanel(
            "translations",
            heading="Names in other languages",
            label="Translation",
            help_text=TRANSLATIONS_HELP,
        ),
    ]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="subject_name_unique_ignoring_case",
                violation_error_message="A subject with this name already exists "
                "(names are compared ignoring case).",
            ),
            slug_lowercase_constraint(name="subject_slug_lowercase"),
            text_length_constraint(
                field="description",
                limit=DESCRIPTION_MAX,
                name="subject_description_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = sorted(set(self.languages or []) - set(Language.values))
        if unknown:
            raise ValidationError(
                {"languages": f"Unknown language codes: {', '.join(unknown)}."}
            )
        self.languages = sorted(set(self.languages or []))


class Topic(ClusterableModel):
    slug = models.SlugField(
        max_length=120, unique=True, validators=[validate_lowercase_slug]
    )
    subject = models.ForeignKey(
        "taxonomy.Subject", on_delete=models.PROTECT, related_name="topics"
    )
    name = models.CharField(max_length=160)
    summary = models.TextField(max_length=SUMMARY_MAX, blank=True)
    level = models.CharField(
        max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    estimated_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="Hours a typical learner needs to reach the objectives.",
    )
    objectives = StringListField(
        validators=[
            StringListValidator(
                max_items=OBJECTIVES_MAX_ITEMS, max_length=OBJECTIVE_MAX
            )
        ],
        help_text="One learning objective per line.",
    )
    mastery_kind = models.CharField(
        "mastery check",
        max_length=20,
        choices=MasteryKind.choices,
        default=MasteryKind.QUIZ,
    )
    mastery_description = models.TextField(
        "mastery check description",
        max_length=MASTERY_DESCRIPTION_MAX,
        help_text="How a learner shows the topic is mastered.",
    )
    tags = StringListField(
        separator=",",
        blank=True,
        validators=[StringListValidator(max_items=TAGS_MAX_ITEMS, max_length=TAG_MAX)],
        help_text="Separated by commas.",
    )
    # The curated teaching order within the subject; the planner keeps it
    # wherever prerequisites allow (docs/planner.md, "Teaching order").
    position = models.PositiveIntegerField(
        "teaching position",
        default=0,
        blank=True,
        help_text="Where this topic comes in the subject's teaching order "
        "(1 first). Leave empty to put a new topic last.",
    )

    # Wagtail's "Sort item order" listing drags topics within their subject.
    sort_order_field = "position"
    base_form_class = TopicAdminForm
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel(
            [FieldPanel("subject"), FieldPanel("level"), FieldPanel("estimated_hours")]
        ),
        FieldPanel("position"),
        FieldPanel("summary"),
        FieldPanel("objectives"),
        MultiFieldPanel(
            [FieldPanel("mastery_kind"), FieldPanel("mastery_description")],
            heading="Mastery check",
        ),
        FieldPanel("tags"),
        InlinePanel("prerequisites", heading="Prerequisites", label="Prerequisite"),
        InlinePanel(
            "group_prerequisites",
            heading="Prerequisite choice groups",
            label="Choice group",
            help_text="The learner needs the chosen member(s) of each group first.",
        ),
        InlinePanel(
            "translations",
            heading="Names in other languages",
            label="Translation",
            help_text=TRANSLATIONS_HELP,
        ),
    ]

    class Meta:
        ordering = ["subject__name", "position", "slug"]
        indexes = [
            models.Index(
                fields=["subject", "position", "slug"], name="topic_teaching_order"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_hours__gt=0),
                name="topic_estimated_hours_positive",
            ),
            slug_lowercase_constraint(name="topic_slug_lowercase"),
            text_length_constraint(
                field="summary", limit=SUMMARY_MAX, name="topic_summary_length"
            ),
            text_length_constraint(
                field="mastery_description",
                limit=MASTERY_DESCRIPTION_MAX,
                name="topic_mastery_description_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Prerequisite(models.Model):
    """``topic`` requires (or recommends) ``requires`` first."""

    topic = ParentalKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="prerequisites"
    )
    requires = models.ForeignKey(
        "taxonomy.Topic",
        on_delete=models.CASCADE,
        related_name="dependents",
        help_text="The topic a learner should know first. It may belong to another subject.",
    )
    kind = models.CharField(
        max_length=12,
        choices=PrerequisiteKind.choices,
        default=PrerequisiteKind.REQUIRED,
    )

    panels = [FieldRowPanel([FieldPanel("requires"), FieldPanel("kind")])]

    class Meta:
        ordering = ["topic_id", "requires__slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "requires"], name="prerequisite_unique_edge"
            ),
            models.CheckConstraint(
                condition=~models.Q(topic=models.F("requires")),
                name="prerequisite_no_self_edge",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.kind} {self.requires}"


class Track(ClusterableModel):
    """A goal template: reaching ``targets`` means learning their prerequisites too."""

    slug = models.SlugField(
        max_length=120, unique=True, validators=[validate_lowercase_slug]
    )
    subject = models.ForeignKey(
        "taxonomy.Subject", on_delete=models.PROTECT, related_name="tracks"
    )
    name = models.CharField(max_length=160)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    goal_kind = models.CharField(
        max_length=12, choices=GoalKind.choices, default=GoalKind.SKILL
    )
    # Written through ``target_links`` (the admin's inline, the services and
    # the import), which carry the curator's order of the targets.
    targets = models.ManyToManyField(
        "taxonomy.Topic",
        through="taxonomy.TrackTarget",
        related_name="tracks",
        help_text="The topics the learner is aiming for; their prerequisites come along.",
    )
    target_groups = ParentalManyToManyField(
        "taxonomy.ChoiceGroup",
        related_name="tracks",
        blank=True,
        help_text="Choice groups the track aims for: the learner gets the chosen "
        "member(s) of each, not all of them.",
    )

    base_form_class = TrackAdminForm
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("subject"), FieldPanel("goal_kind")]),
        FieldPanel("description"),
        InlinePanel(
            "target_links",
            heading="Targets",
            label="Target",
            min_num=1,
            help_text="The topics the learner is aiming for, in the order to "
            "reach them (drag to reorder); their prerequisites come along.",
        ),
        FieldPanel("target_groups"),
        InlinePanel(
            "translations",
            heading="Names in other languages",
            label="Translation",
            help_text=TRANSLATIONS_HELP,
        ),
    ]

    class Meta:
        ordering = ["subject__name", "name"]
        constraints = [
            slug_lowercase_constraint(name="track_slug_lowercase"),
            text_length_constraint(
                field="description",
                limit=DESCRIPTION_MAX,
                name="track_description_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name


#: How a track's target rows read in the curator's order: numbered rows first,
#: then rows without a number by the topics' teaching positions.
TRACK_TARGET_ORDER = (
    models.F("sort_order").asc(nulls_last=True),
    "topic__position",
    "topic__slug",
)


class TrackTarget(Orderable):
    """One target topic of a track, in the curator's order.

    The planner teaches what an earlier target needs before what only a later
    one needs, wherever prerequisites allow (docs/planner.md, "Teaching
    order"). Rows without a ``sort_order`` (written by ``track.targets.add``)
    come after the numbered ones, by the topics' teaching positions.
    """

    track = ParentalKey(
        "taxonomy.Track", on_delete=models.CASCADE, related_name="target_links"
    )
    topic = models.ForeignKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="track_links"
    )

    panels = [FieldPanel("topic")]

    class Meta(Orderable.Meta):
        # The table the many-to-many relation had before it carried an order.
        db_table = "taxonomy_track_targets"
        constraints = [
            models.UniqueConstraint(
                fields=["track", "topic"], name="tracktarget_unique_topic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} in {self.track}"


class ChoiceGroup(ClusterableModel):
    """Alternative topics of one subject, of which a learner needs ``min_choices``.

    "Server language: one of Go, Python, Java". Tracks and prerequisites point at
    a group; the planner picks the member(s) for each learner (docs/planner.md,
    "Choice groups").
    """

    slug = models.SlugField(
        max_length=120, unique=True, validators=[validate_lowercase_slug]
    )
    subject = models.ForeignKey(
        "taxonomy.Subject", on_delete=models.PROTECT, related_name="choice_groups"
    )
    name = models.CharField(max_length=160)
    description = models.TextField(max_length=DESCRIPTION_MAX, blank=True)
    min_choices = models.PositiveSmallIntegerField(
        "at least",
        default=1,
        validators=[MinValueValidator(1)],
        help_text='How many members a learner needs (1 for "one of").',
    )
    default_member = models.ForeignKey(
        "taxonomy.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member chosen when nothing the learner said decides.",
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("subject"), FieldPanel("min_choices")]),
        FieldPanel("description"),
        InlinePanel("members", heading="Members", label="Member", min_num=2),
        FieldPanel("default_member"),
    ]

    class Meta:
        ordering = ["subject__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_choices__gte=1),
                name="choicegroup_min_choices_positive",
            ),
            slug_lowercase_constraint(name="choicegroup_slug_lowercase"),
            text_length_constraint(
                field="description",
                limit=DESCRIPTION_MAX,
                name="choicegroup_description_length",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChoiceGroupMember(Orderable):
    """One alternative of a choice group, in the curator's order."""

    group = ParentalKey(
        "taxonomy.ChoiceGroup", on_delete=models.CASCADE, related_name="members"
    )
    topic = models.ForeignKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="choice_memberships"
    )

    panels = [FieldPanel("topic")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["group", "topic"], name="choicegroupmember_unique_topic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} in {self.group}"


class GroupPrerequisite(models.Model):
    """``topic`` requires (or recommends) the chosen member(s) of ``group`` first."""

    topic = ParentalKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="group_prerequisites"
    )
    group = models.ForeignKey(
        "taxonomy.ChoiceGroup", on_delete=models.CASCADE, related_name="dependents"
    )
    kind = models.CharField(
        max_length=12,
        choices=PrerequisiteKind.choices,
        default=PrerequisiteKind.REQUIRED,
    )

    panels = [FieldRowPanel([FieldPanel("group"), FieldPanel("kind")])]

    class Meta:
        ordering = ["topic_id", "group__slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "group"], name="groupprerequisite_unique_edge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.kind} one of {self.group}"


class Translation(models.Model):
    """A record's name and aliases in one language, for matching what learners
    type (docs/curating.md). English rows carry extra aliases only."""

    language = models.CharField(max_length=5, choices=Language.choices)
    name = models.CharField(
        max_length=TRANSLATION_NAME_MAX,
        blank=True,
        help_text="The name in this language (may be left empty for English).",
    )
    aliases = StringListField(
        blank=True,
        validators=[
            StringListValidator(max_items=ALIASES_MAX_ITEMS, max_length=ALIAS_MAX)
        ],
        help_text="Other words learners use for it, one per line "
        '(for example "ciencia de datos").',
    )

    panels = [
        FieldRowPanel([FieldPanel("language"), FieldPanel("name")]),
        FieldPanel("aliases"),
    ]

    class Meta:
        abstract = True
        ordering = ["language"]

    def __str__(self) -> str:
        return f"{self.language}: {self.name or ', '.join(self.aliases or [])}"

    def clean(self) -> None:
        self.aliases = list(dict.fromkeys(a.strip() for a in self.aliases or []))
        if not (self.name or "").strip() and not self.aliases:
            raise ValidationError("Give a name, aliases, or both.")


def _translation_unique(owner: str) -> list[models.UniqueConstraint]:
    return [
        models.UniqueConstraint(
            fields=[owner, "language"],
            name=f"{owner}translation_one_per_language",
            violation_error_message="One translation per language.",
        )
    ]


class SubjectTranslation(Translation):
    subject = ParentalKey(
        "taxonomy.Subject", on_delete=models.CASCADE, related_name="translations"
    )

    class Meta(Translation.Meta):
        constraints = _translation_unique("subject")


class TopicTranslation(Translation):
    topic = ParentalKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="translations"
    )

    class Meta(Translation.Meta):
        constraints = _translation_unique("topic")


class TrackTranslation(Translation):
    track = ParentalKey(
        "taxonomy.Track", on_delete=models.CASCADE, related_name="translations"
    )

    class Meta(Translation.Meta):
        constraints = _translation_unique("track")
