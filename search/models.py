"""The denormalised search table of the database backend, and its vocabulary.

One ``SearchDocument`` row per searchable object (resource, topic, track),
written only by the indexer (``search.services``). Everything a query needs is
in the row, so a search is one statement with no joins.

The full-text machinery is engine-specific and lives in migration 0002, not in
these fields:

- PostgreSQL: a ``document tsvector`` column, kept up to date from the text
  columns by a ``BEFORE INSERT OR UPDATE`` trigger (weights: ``title`` A,
  ``keywords`` B, ``body`` C, ``extra`` D; text search configuration from
  ``ts_config``), with a GIN index; a trigram GIN index on ``title``; GIN
  indexes on the ``subjects`` and ``topics`` JSON arrays; a trigram GiST index
  on ``SearchTerm.term`` for nearest-word lookups. Migration 0003 adds a
  covering index over the filter and facet columns. Migration 0004 adds the
  facet cells (``search_facet_cell``): documents counted per combination of
  kind, subjects, format, language, level, cost and link health, kept exact
  by statement triggers, so browsing by those filters sums cells.
- SQLite: an FTS5 table ``search_fts`` over the same four text columns
  (external content, so the text is stored once), kept in step by triggers.
"""

from __future__ import annotations

from django.db import models


class DocumentKind(models.TextChoices):
    RESOURCE = "resource", "Resource"
    TOPIC = "topic", "Topic"
    TRACK = "track", "Track"


class SearchDocument(models.Model):
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    object_id = models.BigIntegerField()
    slug = models.CharField(max_length=160)
    language = models.CharField(max_length=5, blank=True)
    ts_config = models.CharField(
        max_length=20,
        default="simple",
        help_text="PostgreSQL text search configuration for the row's language.",
    )
    # The four weighted text columns (A > B > C > D).
    title = models.CharField(max_length=255)
    keywords = models.TextField(blank=True, help_text="Topic names and tags.")
    body = models.TextField(blank=True, help_text="The description.")
    extra = models.TextField(blank=True, help_text="Provider and subject names.")
    # Filter and facet columns.
    subjects = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=list, blank=True)
    provider = models.CharField(max_length=80, blank=True)
    format = models.CharField(max_length=16, blank=True)
    level = models.CharField(max_length=20, blank=True)
    cost = models.CharField(max_length=10, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    link_health = models.CharField(max_length=12, blank=True)
    curator_rating = models.PositiveSmallIntegerField(default=0)
    # Display-only values that have no column (names of topics, tags, ...).
    data = models.JSONField(default=dict, blank=True)
    indexed_at = models.BigIntegerField(
        help_text="When the row was written, in milliseconds since the epoch."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="searchdocument_unique_object"
            ),
        ]
        indexes = [
            # Browsing without a query: best rated first.
            models.Index(
                "kind",
                models.F("curator_rating").desc(),
                "title",
                name="searchdoc_browse",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class SearchTerm(models.Model):
    """A word of the catalog's names, for correcting misspelt query words."""

    term = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.term
