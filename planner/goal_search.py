"""Goal sentences to tracks through the catalog search backend.

The pure core matches a free-text goal by token overlap (exact words, light
stemming). Search adds what that cannot do: typos ("pyhton"), language-aware
stemming and synonyms. Each content word of the goal is searched on its own
among the subject's tracks (the backend ANDs the words of one query, and a
goal sentence is rarely all in one track), the per-word scores are summed and
normalised, and blended with the deterministic overlap so neither alone
decides. When search cannot answer, the deterministic matcher stands.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import structlog

from planner.domain.matching import match_goal_text
from planner.domain.text import STOPWORDS, words
from planner.domain.types import CatalogGraph, GoalMatch, TrackNode

logger = structlog.get_logger(__name__)

#: Weight of the search score in the blend; the rest is the token overlap.
SEARCH_WEIGHT = 0.4
#: Words of a goal searched at most (long sentences add noise, not signal).
MAX_WORDS = 8


def search_goal_matcher(
    text: str, tracks: Sequence[TrackNode], graph: CatalogGraph
) -> list[GoalMatch]:
    """A ``GoalMatcher`` for ``planner.domain.normalize`` backed by search."""
    deterministic = {m.track: m.score for m in match_goal_text(text, tracks, graph)}
    try:
        found = _search_scores(text, tracks)
    except Exception as error:  # noqa: BLE001 - search is an aid, never a dependency
        logger.warning("goal_search_failed", error=f"{type(error).__name__}: {error}")
        found = {}
    if not found:
        return [GoalMatch(slug, score) for slug, score in sorted(deterministic.items())]
    slugs = sorted(set(deterministic) | set(found))
    return [
        GoalMatch(
            slug,
            round(
                (1 - SEARCH_WEIGHT) * deterministic.get(slug, 0.0)
                + SEARCH_WEIGHT * found.get(slug, 0.0),
                4,
            ),
        )
        for slug in slugs
    ]


def _search_scores(text: str, tracks: Sequence[TrackNode]) -> dict[str, float]:
    from search.selectors import catalog_search

    pool = {track.slug for track in tracks}
    subjects = sorted({track.subject for track in tracks})
    filters = {"subject": subjects[0]} if len(subjects) == 1 else {}
    goal_words = [w for w in dict.fromkeys(words(text)) if w not in STOPWORDS]
    totals: defaultdict[str, float] = defaultdict(float)
    searched = 0
    for word in goal_words[:MAX_WORDS]:
        if len(word) < 3:
            continue
        searched += 1
        hits = catalog_search(
            query=word, kind="track", filters=filters, per_page=20
        ).hits
        best = max((hit.score for hit in hits), default=0.0)
        for hit in hits:
            slug = hit.fields.get("slug")
            if slug in pool and best > 0:
                totals[slug] += hit.score / best
    if not searched:
        return {}
    return {slug: min(1.0, total / searched) for slug, total in totals.items()}


def goal_matcher_get() -> Callable[..., list[GoalMatch]] | None:
    """The goal matcher named by ``PLANNER_GOAL_MATCHER`` (a dotted path), or
    None for the core's deterministic one. Every normalisation of a profile
    (submission, re-reading a stored one, the command) uses this one."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    from embeddings.matching import goal_matcher_with_embeddings

    path = settings.PLANNER_GOAL_MATCHER
    # With EMBEDDINGS_MODEL set, the goal's similarity to each track is
    # blended in (docs/embeddings.md); unset, the matcher named here is used as is.
    return goal_matcher_with_embeddings(import_string(path) if path else None)
