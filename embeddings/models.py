"""Stored embeddings: one vector per catalog object (or free text) and model."""

from __future__ import annotations

from django.db import models


class EmbeddingKind(models.TextChoices):
    TOPIC = "topic", "Topic"
    TRACK = "track", "Track"
    RESOURCE = "resource", "Resource"
    #: A free text (a learner's goal, a candidate's title), keyed by its hash.
    QUERY = "query", "Query text"


#: The catalog kinds ``embed_catalog`` computes, in that order.
CATALOG_KINDS = (EmbeddingKind.TOPIC, EmbeddingKind.TRACK, EmbeddingKind.RESOURCE)


class Embedding(models.Model):
    """The vector ``model`` gave for the text of one object.

    ``key`` is the object's slug (the planner's snapshot knows slugs, not
    ids) or, for a query, the text's hash. ``text_hash`` is the sha256 of the
    exact text embedded: a vector whose object's text has changed since is
    stale and ignored until recomputed. ``model_version`` is the model the
    endpoint reported in its answer ("" when it did not say): ``model`` is
    the configured alias, which a provider may move to a new version. A
    vector of another version than the newest one recorded for ``model`` is
    stale too (docs/embeddings.md). ``vector`` holds the unit vector as
    little-endian float32 (portable across PostgreSQL and SQLite; see
    docs/embeddings.md about pgvector).
    """

    kind = models.CharField(max_length=10, choices=EmbeddingKind.choices)
    key = models.CharField(max_length=120)
    model = models.CharField(max_length=100)
    model_version = models.CharField(max_length=100, blank=True, default="")
    text_hash = models.CharField(max_length=64)
    dimensions = models.PositiveIntegerField()
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key", "model"], name="embedding_unique_kind_key_model"
            ),
            models.CheckConstraint(
                condition=models.Q(dimensions__gt=0),
                name="embedding_dimensions_positive",
            ),
        ]
        indexes = [
            # The newest version recorded for a model: one index probe.
            models.Index(
                fields=["model", "-updated_at"], name="embedding_model_updated"
            ),
        ]

    def __str__(self) -> str:
        version = f", {self.model_version}" if self.model_version else ""
        return f"{self.kind} {self.key} ({self.model}{version})"
