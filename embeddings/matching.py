"""Embedding similarity blended with the lexical signals, when configured.

Two uses: a learner's goal sentence against the catalog's tracks (a
``GoalMatcher`` for ``planner.domain.normalize``) and a source's candidate
against its subject's topics (which topic it is filed under). In both the
lexical score keeps most of the weight and wins ties, and everything falls
back to the lexical result, exactly, when embeddings are off, a vector is
missing or stale, or the endpoint fails (logged). The same stored vectors
always give the same scores: the blend is rounded and ties are broken by
the lexical score, then the slug.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import groupby

from django.conf import settings

import structlog

from planner.domain.text import content_words
from planner.domain.types import CatalogGraph, GoalMatch, TrackNode
from taxonomy.models import Topic

from .client import embeddings_model
from .models import EmbeddingKind
from .selectors import vectors_fresh
from .services import embeddings_enqueue, query_vectors
from .texts import resource_text, topic_text, track_text
from .vectors import cosine, cosine_scores

logger = structlog.get_logger(__name__)

GoalMatcher = Callable[[str, Sequence[TrackNode], CatalogGraph], list[GoalMatch]]

#: Cosines at or under this say nothing (unrelated texts of most models land
#: around 0.1-0.3); above it the similarity is rescaled to 0-1.
SIMILARITY_FLOOR = 0.3
#: A candidate moves to another topic only when that topic beats the one it
#: was found for by this much.
ASSIGN_MARGIN = 0.1
_TIE_STEP = 0.0001


def semantic(similarity: float) -> float:
    """A cosine rescaled to 0-1 above :data:`SIMILARITY_FLOOR`."""
    return max(0.0, (similarity - SIMILARITY_FLOOR) / (1.0 - SIMILARITY_FLOOR))


def blend(
    lexical: Mapping[str, float], similarity: Mapping[str, float], *, weight: float
) -> dict[str, float]:
    """``(1 - weight) * lexical + weight * semantic(similarity)`` per key,
    rounded to three decimals; within a tie the higher lexical score keeps
    the score and each lower one drops by 0.0001 (lexical wins ties)."""
    keys = sorted(set(lexical) | set(similarity))
    mixed = {
        key: round(
            (1 - weight) * lexical.get(key, 0.0)
            + weight * semantic(similarity.get(key, 0.0)),
            3,
        )
        for key in keys
    }
    ranked = sorted(keys, key=lambda k: (-mixed[k], -lexical.get(k, 0.0), k))
    scores: dict[str, float] = {}
    for score, group in groupby(ranked, key=mixed.__getitem__):
        step, previous = -1, None
        for key in group:
            if lexical.get(key, 0.0) != previous:
                step, previous = step + 1, lexical.get(key, 0.0)
            scores[key] = round(max(0.0, score - step * _TIE_STEP), 4)
    return scores


# -- goals to tracks ----------------------------------------------------------
def graph_track_texts(
    tracks: Sequence[TrackNode], graph: CatalogGraph
) -> dict[str, str]:
    """Each track's embedded text, from the snapshot (as the database gives it)."""
    return {
        t.slug: track_text(
            name=t.name,
            description=t.description,
            target_names=[graph.topics[s].name for s in t.targets if s in graph.topics],
        )
        for t in tracks
    }


def embedding_goal_matcher(
    text: str,
    tracks: Sequence[TrackNode],
    graph: CatalogGraph,
    *,
    lexical: GoalMatcher,
) -> list[GoalMatch]:
    """``lexical``'s matches blended with the goal's similarity to each track.

    Lexical alone whenever a track of the pool has no fresh vector (then the
    missing ones are scheduled) or the goal cannot be embedded.
    """
    base = lexical(text, tracks, graph)
    model = embeddings_model()
    if not model or not tracks:
        return base
    texts = graph_track_texts(tracks, graph)
    vectors = vectors_fresh(kind=EmbeddingKind.TRACK, texts=texts, model=model)
    if len(vectors) < len(texts):
        missing = sorted(set(texts) - set(vectors))
        logger.info("embeddings_tracks_missing", missing=len(missing))
        embeddings_enqueue(kind=EmbeddingKind.TRACK, keys=missing)
        return base
    (goal,) = query_vectors(texts=[text])
    if goal is None:
        return base
    scores = blend(
        {m.track: m.score for m in base},
        cosine_scores(goal, vectors),
        weight=settings.EMBEDDINGS_WEIGHT,
    )
    return [GoalMatch(slug, score) for slug, score in sorted(scores.items())]


def goal_matcher_with_embeddings(lexical: GoalMatcher | None) -> GoalMatcher | None:
    """``lexical`` itself when embeddings are off; else the blend over it
    (over the core's deterministic matcher when ``lexical`` is None)."""
    if not embeddings_model():
        return lexical
    if lexical is None:
        from planner.domain.matching import match_goal_text

        lexical = match_goal_text
    return partial(embedding_goal_matcher, lexical=lexical)


# -- candidates to topics -----------------------------------------------------
def lexical_topic_score(candidate: str, topic_name: str) -> float:
    """The share of the topic name's content words the candidate's text has."""
    wanted = content_words(topic_name)
    if not wanted:
        return 0.0
    said = set(content_words(candidate))
    return round(sum(1 for w in wanted if w in said) / len(wanted), 4)


def candidate_topics_assign(*, items: Sequence[tuple[int, str, str]]) -> list[int]:
    """The topic each candidate is filed under: ``items`` are (topic id it was
    found for, title, description).

    With embeddings off, the topics given, unchanged and without a query.
    Otherwise a candidate moves to another topic of the same subject only
    when that topic's blend of name overlap and similarity beats the given
    topic's by :data:`ASSIGN_MARGIN`; the given topic wins ties, and
    anything missing (a stale vector, a failing endpoint) keeps it; topics
    without a fresh vector are scheduled for a refresh.
    """
    given = [topic_id for topic_id, _, _ in items]
    model = embeddings_model()
    if not model or not items:
        return given
    pool = _subject_topics(set(given))
    by_slug = {slug: (pk, name, text) for pk, slug, _, name, text in pool}
    vectors = vectors_fresh(
        kind=EmbeddingKind.TOPIC,
        texts={slug: text for slug, (_, _, text) in by_slug.items()},
        model=model,
    )
    if len(vectors) < len(by_slug):
        # As for tracks: the topics without a fresh vector are scheduled, and
        # until then each keeps the candidates searched for it.
        missing = sorted(set(by_slug) - set(vectors))
        logger.info("embeddings_topics_missing", missing=len(missing))
        embeddings_enqueue(kind=EmbeddingKind.TOPIC, keys=missing)
    texts = [resource_text(title=title, description=desc) for _, title, desc in items]
    found = query_vectors(texts=texts)
    subject_of = {pk: subject for pk, _, subject, _, _ in pool}
    return [
        _assign(topic_id, title, vector, pool, subject_of, vectors)
        for (topic_id, title, _), vector in zip(items, found, strict=True)
    ]


def _subject_topics(topic_ids: set[int]) -> list[tuple[int, str, int, str, str]]:
    """(pk, slug, subject id, name, embedded text) of every topic sharing a
    subject with ``topic_ids``."""
    subjects = Topic.objects.filter(pk__in=topic_ids).values("subject_id")
    rows = Topic.objects.filter(subject_id__in=subjects).values_list(
        "pk", "slug", "subject_id", "name", "objectives", "tags"
    )
    return [
        (
            pk,
            slug,
            subject,
            name,
            topic_text(name=name, objectives=obj or (), tags=tags or ()),
        )
        for pk, slug, subject, name, obj, tags in rows
    ]


def _assign(
    topic_id: int,
    title: str,
    vector: array | None,
    pool: list[tuple[int, str, int, str, str]],
    subject_of: Mapping[int, int],
    vectors: Mapping[str, array],
) -> int:
    siblings = [row for row in pool if row[2] == subject_of.get(topic_id)]
    slugs = {pk: slug for pk, slug, *_ in siblings}
    if vector is None or topic_id not in slugs or slugs[topic_id] not in vectors:
        return topic_id
    candidates = [row for row in siblings if row[1] in vectors]
    scores = blend(
        {slug: lexical_topic_score(title, name) for _, slug, _, name, _ in candidates},
        {slug: round(cosine(vector, vectors[slug]), 4) for _, slug, *_ in candidates},
        weight=settings.EMBEDDINGS_WEIGHT,
    )
    own = scores[slugs[topic_id]]
    best_slug = min(scores, key=lambda s: (-scores[s], s))
    if scores[best_slug] < own + ASSIGN_MARGIN:
        return topic_id
    return next(pk for pk, slug in slugs.items() if slug == best_slug)
