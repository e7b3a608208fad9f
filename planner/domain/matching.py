"""Deterministic text matching: subjects, goal sentences to tracks, topic names.

Scores are token overlaps over folded, lightly stemmed words, rounded to four
decimals so equal scores tie exactly and the slug breaks the tie.
"""

from __future__ import annotations

from collections.abc import Sequence

from .aliases import SUBJECT_ALIASES
from .text import (
    GENERIC_SUBJECT_STEMS,
    GENERIC_SUBJECT_WORDS,
    STOPWORDS,
    content_words,
    stem,
    words,
)
from .types import CatalogGraph, GoalMatch, TrackNode

#: Weight of a goal word found in a track's name, target topic names, description.
TRACK_FIELD_WEIGHTS = {"name": 1.0, "targets": 0.8, "description": 0.5}


def subject_words(text: str) -> frozenset[str]:
    """The distinctive words of a subject name (or of what a learner typed)."""
    found: set[str] = set()
    for word in words(text):
        for key in SUBJECT_ALIASES.get(word, (word,)):
            if key in STOPWORDS or key in GENERIC_SUBJECT_WORDS or key.isdigit():
                continue
            found.add(stem(key))
    return frozenset(found)


def match_goal_text(
    text: str, tracks: Sequence[TrackNode], graph: CatalogGraph
) -> list[GoalMatch]:
    """Score each track 0-1 by how many of the goal's words it carries.

    A goal word counts with the weight of the best field of the track it
    appears in (name 1.0, target topic names 0.8, description 0.5); the score
    is the mean over the goal's words. Words naming the subject itself (and
    generic ones like "programming") are left out when anything else remains,
    since every track of the subject shares them.
    """
    goal = content_words(text)
    if not goal:
        return []
    matches = []
    for track in tracks:
        own = subject_words(graph.subjects[track.subject].name) | {track.subject}
        wanted = [w for w in goal if w not in own and w not in GENERIC_SUBJECT_STEMS]
        wanted = wanted or goal
        fields = _track_fields(track, graph)
        total = 0.0
        for word in wanted:
            total += max(
                (TRACK_FIELD_WEIGHTS[name] for name, bag in fields if word in bag),
                default=0.0,
            )
        matches.append(GoalMatch(track.slug, round(total / len(wanted), 4)))
    return sorted(matches, key=lambda m: (-m.score, m.track))


def _track_fields(
    track: TrackNode, graph: CatalogGraph
) -> list[tuple[str, frozenset[str]]]:
    target_names = " ".join(graph.topics[t].name for t in track.targets)
    return [
        ("name", frozenset(content_words(f"{track.name} {track.slug}"))),
        ("targets", frozenset(content_words(target_names))),
        ("description", frozenset(content_words(track.description))),
    ]


def topics_named_in(text: str, subject: str, graph: CatalogGraph) -> list[str]:
    """Topics of ``subject`` whose every distinctive name word appears in ``text``."""
    said = set(content_words(text))
    own = subject_words(graph.subjects[subject].name)
    found = []
    for slug in graph.topics_by_subject.get(subject, ()):
        name = [w for w in content_words(graph.topics[slug].name) if w not in own]
        if name and said.issuperset(name):
            found.append(slug)
    return found
