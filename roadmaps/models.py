"""Roadmaps: a plan made into a followed, versioned, exported thing.

A ``Roadmap`` is the learner's lasting handle on a plan (its id survives
regeneration; shares and exports hang off it). Each plan the planner made for
it is a ``RoadmapVersion``, numbered from 1; the newest is ``current`` and the
only one that changes, older ones are read-only history. Steps and their ranked
resources belong to a version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from guardian.models import UserObjectPermissionBase

from wayfinder.rows import JSONTextField

#: A step's notes: plain text, at most this many characters (docs/roadmaps.md).
NOTES_MAX_LENGTH = 5000
#: The note beside a mastery check or a feedback vote.
SHORT_NOTE_MAX_LENGTH = 1000


class StepState(models.TextChoices):
    LOCKED = "locked", "Locked"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"


class NoResourceCode(models.TextChoices):
    """Why a step has no resource (``planner.domain.types.NoResource``)."""

    NONE = "none", "No resource yet"
    BROKEN = "broken", "Every link broken"
    AGE = "age", "None for the learner's age"


#: States that satisfy a dependent step's prerequisite.
DONE_STATES = frozenset({StepState.COMPLETED, StepState.SKIPPED})


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
    current = models.OneToOneField(
        "roadmaps.RoadmapVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The newest version: the one the learner follows.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Granted per object to partners (roadmaps/services/sharing.py) with
        # the default ``view_roadmap``; never read as a global permission.
        permissions = [("export_roadmap", "Can export roadmap")]

    def __str__(self) -> str:
        return self.title


class RoadmapVersion(models.Model):
    """One plan for a roadmap, with what it was made from.

    ``input_profile_hash`` is the sha256 of the canonical normalized profile
    and answers; ``catalog_version``, ``planner_version`` and
    ``model_versions`` (the LLM models that phrased text, or ``{}``) say what
    made it. ``diff`` compares it with the version it replaced (None for the
    first). ``changed_at`` is the time of its last change: an export's
    ``generated_at``.
    """

    roadmap = models.ForeignKey(
        "roadmaps.Roadmap", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    catalog_version = models.PositiveBigIntegerField()
    planner_version = models.PositiveIntegerField()
    input_profile_hash = models.CharField(max_length=64)
    model_versions = models.JSONField(
        default=dict,
        blank=True,
        help_text="Model names and versions that phrased text; empty for none.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    weekly_hours = models.DecimalField(max_digits=4, decimal_places=1)
    total_hours = models.DecimalField(max_digits=8, decimal_places=2)
    feasible = models.BooleanField(default=True)
    shortfall = models.JSONField(null=True, blank=True)
    notices = models.JSONField(default=list, blank=True)
    diff = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["roadmap_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "number"], name="roadmapversion_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="roadmapversion_number_from_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.roadmap_id} v{self.number}"


#: The foreign keys of a version's steps and of a step's resources carry no
#: database constraint (``db_constraint=False``); Django still applies their
#: ``on_delete``. PostgreSQL checked each of a stored roadmap's ~3,500 keys
#: at commit and locked each parent row to do so: about a quarter of a large
#: planning job's time and 45 % of its WAL (docs/performance.md, "Planner on
#: the database"). What holds them instead:
#:
#: - ``version`` and ``step``: a version's steps and their resources are
#:   written once, together, by ``services.store`` in the transaction that
#:   creates the version, with ids it takes from the sequences; rows are
#:   deleted only through Django's collector (``CASCADE``);
#: - ``topic`` and ``resource``: every catalog delete sets them to NULL
#:   (the collector, or ``catalog.services.catalog_delete`` in bulk). A
#:   store racing a delete can keep the id of a row that is gone; every
#:   reader follows these keys by an outer join (``select_related``,
#:   ``prefetch_related``), which reads such an id as NULL: the step keeps
#:   its slug, title and URL, like one whose catalog row was deleted, and a
#:   vote on it is refused (``services.feedback``).
UNCHECKED = {"db_constraint": False}


class RoadmapStep(models.Model):
    # No index of its own: the unique (version, position) index serves every
    # lookup by version, and one index less is one less to fill per step stored.
    version = models.ForeignKey(
        "roadmaps.RoadmapVersion",
        on_delete=models.CASCADE,
        related_name="steps",
        db_index=False,
        **UNCHECKED,
    )
    position = models.PositiveSmallIntegerField()
    topic = models.ForeignKey(
        "taxonomy.Topic",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        **UNCHECKED,
    )
    # Read within a version only, by the unique (version, topic_slug) index:
    # no index of its own, which every stored step would have to update.
    topic_slug = models.SlugField(max_length=120, db_index=False)
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
    requires = models.JSONField(
        default=list,
        blank=True,
        help_text="Topic slugs of this version's steps this one requires.",
    )
    recommends = models.JSONField(
        default=list,
        blank=True,
        help_text="Topic slugs of this version's steps recommended before it.",
    )
    carried = models.BooleanField(
        default=False,
        help_text="Kept from an earlier version (done there) though the planner "
        "no longer schedules it.",
    )
    no_resource = models.CharField(
        max_length=10,
        choices=NoResourceCode.choices,
        blank=True,
        default="",
        help_text="Why the step has no resource yet; empty when it has some.",
    )
    no_resource_reason = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="The same in words, as the learner reads it.",
    )
    fits_deadline = models.BooleanField(
        null=True,
        blank=True,
        help_text="Ends on or before the deadline; null without a deadline.",
    )
    chosen_from = models.SlugField(
        max_length=120,
        blank=True,
        default="",
        db_index=False,  # read within a version only
        help_text="The choice group this topic was chosen from; empty when none.",
    )
    choice_reason = models.CharField(
        max_length=12,
        blank=True,
        default="",
        help_text="Why this member was chosen (picked, mentioned, known, answer, "
        "default, resources); empty when not chosen from a group.",
    )
    choice_note = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="The same in words, as the learner reads it.",
    )
    state = models.CharField(
        max_length=10, choices=StepState.choices, default=StepState.LOCKED
    )
    pinned = models.BooleanField(default=False)
    notes = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    mastery_passed_at = models.DateTimeField(null=True, blank=True)
    mastery_note = models.CharField(
        max_length=SHORT_NOTE_MAX_LENGTH, blank=True, default=""
    )

    class Meta:
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="roadmapstep_unique_position"
            ),
            models.UniqueConstraint(
                fields=["version", "topic_slug"], name="roadmapstep_unique_topic"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="roadmapstep_hours_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="completed")
                | models.Q(completed_at__isnull=False),
                name="roadmapstep_completed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class StepResource(models.Model):
    # Served by the unique (step, resource_slug) index, as the step's version.
    step = models.ForeignKey(
        "roadmaps.RoadmapStep",
        on_delete=models.CASCADE,
        related_name="resources",
        db_index=False,
        **UNCHECKED,
    )
    position = models.PositiveSmallIntegerField()
    resource = models.ForeignKey(
        "catalog.Resource",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        **UNCHECKED,
    )
    # Read within a step or version only, by the unique (step, resource_slug) index.
    resource_slug = models.SlugField(max_length=160, db_index=False)
    title = models.CharField(max_length=255)
    url = models.URLField(max_length=1000)
    score = models.DecimalField(max_digits=6, decimal_places=4)
    # Read whole, for the step panel's "why": kept as JSON text (``rows.py``).
    score_parts = JSONTextField(default=dict)
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


class ResourceFeedback(models.Model):
    """One learner's vote on one resource: helpful or not, changeable.

    The catalog's ``feedback_up``/``feedback_down`` counters are the sum of
    these rows, kept in step by ``roadmaps.services.resource_feedback_set``.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="resource_feedback",
    )
    resource = models.ForeignKey(
        "catalog.Resource", on_delete=models.CASCADE, related_name="feedback"
    )
    helpful = models.BooleanField()
    reason = models.CharField(max_length=SHORT_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "resource"], name="resourcefeedback_one_vote"
            ),
        ]

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'} {self.resource_id}"


def export_storage():
    """The storage exports are written to: ``STORAGES["exports"]``, never
    served publicly (a filesystem outside MEDIA_ROOT, or a private bucket)."""
    from django.core.files.storage import storages

    return storages["exports"]


class RoadmapExport(models.Model):
    """A stored JSON export of one version's state; its sha256 names the
    content, so exporting unchanged content again reuses the file."""

    roadmap = models.ForeignKey(
        "roadmaps.Roadmap", on_delete=models.CASCADE, related_name="exports"
    )
    version = models.ForeignKey(
        "roadmaps.RoadmapVersion", on_delete=models.CASCADE, related_name="exports"
    )
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    schema_version = models.CharField(max_length=16)
    generated_at = models.DateTimeField()
    file = models.FileField(storage=export_storage, max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "sha256"], name="roadmapexport_unique_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.roadmap_id}:{self.sha256[:12]}"


class RoadmapUserObjectPermission(UserObjectPermissionBase):
    """A partner's grant on one roadmap (django-guardian's direct object
    permission): a real foreign key, so a deleted roadmap takes its grants
    with it and a partner's list joins on an integer, not a text ``object_pk``."""

    content_object = models.ForeignKey(Roadmap, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "roadmap share"
