"""Deterministic text matching: subjects, goal sentences to tracks, topic names.

Scores are token overlaps over folded, stemmed words, rounded to four
decimals so equal scores tie exactly and the slug breaks the tie. A goal is
read in every language the catalog offers (English with the light stem of
:mod:`.text`, the others with their Snowball stemmer and stop words), against
the catalog's own names, translated names and aliases; a track scores its best
reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .aliases import INTENT_WORDS, MANNER_INTENTS, SUBJECT_ALIASES
from .text import (
    GENERIC_SUBJECT_STEMS,
    GENERIC_SUBJECT_WORDS,
    STOPWORDS,
    content_words_in,
    phrase,
    stem,
    stem_in,
    stemmer_languages,
    words,
)
from .types import CatalogGraph, GoalIntent, GoalMatch, Names, TopicNode, TrackNode

_RAW_WORD = re.compile(r"[^\W_]+")

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


def names_in(names: Names, language: str) -> tuple[str, ...]:
    """A node's name and aliases in ``language`` (empty when it has none)."""
    for code, texts in names:
        if code == language:
            return tuple(t for t in texts if t)
    return ()


def catalog_languages(graph: CatalogGraph) -> tuple[str, ...]:
    """The languages goals are read in: English first, then every language a
    subject is offered in or a subject or track is named in, that has a
    stemmer (sorted)."""
    found: set[str] = set()
    for subject in graph.subjects.values():
        found.update(subject.languages)
        found.update(code for code, _ in subject.names)
    for track in graph.tracks.values():
        found.update(code for code, _ in track.names)
    found &= stemmer_languages()
    found.discard("en")
    return ("en", *sorted(found))


def goal_intents(text: str, languages: Iterable[str]) -> tuple[GoalIntent, ...]:
    """The intents whose words ``text`` uses in any of ``languages`` (sorted)."""
    padded = f" {phrase(text)} "
    found = set()
    for language in dict.fromkeys(("en", *languages)):
        said = set(_stems(text, language))
        for intent in INTENT_WORDS:
            single, phrases = _intent_terms(intent, language)
            if said & single or any(f" {p} " in padded for p in phrases):
                found.add(intent)
    return tuple(sorted(found))


def goal_words(text: str, subject: str | None, graph: CatalogGraph) -> list[str]:
    """What a goal says beyond its subject, generic words and manner intents.

    Empty when any language reads it so: "learn the basics", "aprender lo
    básico de Python" say nothing but "the basics of the subject".
    """
    readings = []
    for language in catalog_languages(graph):
        own = _subject_terms(graph, subject, language) if subject else frozenset()
        drop = own | _generic_stems(language) | _manner_stems(language)
        readings.append([w for w in content_words_in(text, language) if w not in drop])
    return min(readings, key=len)


def match_goal_text(
    text: str, tracks: Sequence[TrackNode], graph: CatalogGraph
) -> list[GoalMatch]:
    """Score each track 0-1 by how many of the goal's words it carries.

    A goal word counts with the weight of the best field of the track it
    appears in (name, slug, translated names and aliases 1.0; target topic
    names, their translations and tags 0.8; description 0.5); the score is the
    mean over the goal's words. Words naming the subject itself, generic ones
    like "programming" and manner words ("basics", "quickly") are left out
    when anything else remains, since they do not tell tracks apart. The goal
    is read in every language of :func:`catalog_languages`; each track keeps
    its best score.
    """
    best: dict[str, float] = {t.slug: 0.0 for t in tracks}
    for language in catalog_languages(graph):
        goal = content_words_in(text, language)
        if not goal:
            continue
        manner = _manner_stems(language)
        generic = _generic_stems(language)
        for track in tracks:
            own = _subject_terms(graph, track.subject, language)
            drop = own | generic | manner | {track.subject}
            wanted = [w for w in goal if w not in drop]
            wanted = wanted or [w for w in goal if w not in manner] or goal
            fields = _track_fields(
                track, tuple(graph.topics[t] for t in track.targets), language
            )
            total = 0.0
            for word in wanted:
                total += max(
                    (TRACK_FIELD_WEIGHTS[name] for name, bag in fields if word in bag),
                    default=0.0,
                )
            score = round(total / len(wanted), 4)
            if score > best[track.slug]:
                best[track.slug] = score
    matches = [GoalMatch(slug, score) for slug, score in best.items()]
    return sorted(matches, key=lambda m: (-m.score, m.track))


@lru_cache(maxsize=8192)
def _track_fields(
    track: TrackNode, targets: tuple[TopicNode, ...], language: str
) -> tuple[tuple[str, frozenset[str]], ...]:
    """The track's word bags in ``language``: its own text (English, read with
    that language's stemmer, so "git" or "pandas" match in any language) plus
    the names and aliases curators gave it in that language."""
    extra = () if language == "en" else names_in(track.names, "en")
    name = [track.name, track.slug, *names_in(track.names, language), *extra]
    target_text = []
    for topic in targets:
        target_text += [topic.name, *topic.tags, *names_in(topic.names, language)]
    return (
        ("name", frozenset(content_words_in(" ".join(name), language))),
        ("targets", frozenset(content_words_in(" ".join(target_text), language))),
        ("description", frozenset(content_words_in(track.description, language))),
    )


def _subject_terms(graph: CatalogGraph, subject: str, language: str) -> frozenset[str]:
    node = graph.subjects[subject]
    return _subject_terms_of(node.name, node.slug, node.names, language)


@lru_cache(maxsize=1024)
def _subject_terms_of(
    name: str, slug: str, names: Names, language: str
) -> frozenset[str]:
    if language == "en":
        aliases = frozenset(_stems(" ".join(names_in(names, "en"))))
        return subject_words(name) | {slug} | aliases
    texts = " ".join((name, *names_in(names, language)))
    return frozenset(content_words_in(texts, language)) - _generic_stems(language)


def _stems(text: str, language: str = "en") -> list[str]:
    """Every word of ``text`` stemmed in ``language``, stop words kept."""
    if language == "en" or language not in stemmer_languages():
        return [stem(w) for w in words(text)]
    return [stem_in(w, language) for w in _RAW_WORD.findall(text.casefold())]


@lru_cache(maxsize=64)
def _generic_stems(language: str) -> frozenset[str]:
    if language == "en":
        return GENERIC_SUBJECT_STEMS
    return GENERIC_SUBJECT_STEMS | {stem_in(w, language) for w in GENERIC_SUBJECT_WORDS}


@lru_cache(maxsize=64)
def _intent_terms(
    intent: GoalIntent, language: str
) -> tuple[frozenset[str], tuple[str, ...]]:
    """(stems of the single words, folded phrases) of ``intent`` in ``language``."""
    listed = INTENT_WORDS[intent].get(language, ())
    single = frozenset(_stems(w, language)[0] for w in listed if len(words(w)) == 1)
    phrases = tuple(phrase(w) for w in listed if len(words(w)) > 1)
    return single, phrases


@lru_cache(maxsize=64)
def _manner_stems(language: str) -> frozenset[str]:
    found: set[str] = set()
    for intent in MANNER_INTENTS:
        for code in dict.fromkeys(("en", language)):
            single, phrases = _intent_terms(intent, code)
            found |= single
            for text in phrases:
                found.update(content_words_in(text, language))
    return frozenset(found)


def topics_named_in(
    text: str, subject: str, graph: CatalogGraph, *, basics: bool = False
) -> list[str]:
    """Topics of ``subject`` whose every distinctive name word appears in
    ``text``, by their name or by a translated name or alias. With ``basics``
    (the goal asked for the basics in any language), "basics" words in a name
    count as said: "Grundlagen von Git" names "Git basics"."""
    found = []
    for language in catalog_languages(graph):
        said = set(content_words_in(text, language))
        if basics:
            said |= _intent_terms(GoalIntent.BASICS, "en")[0]
            said |= _intent_terms(GoalIntent.BASICS, language)[0]
        own = _subject_terms(graph, subject, language)
        for slug in graph.topics_by_subject.get(subject, ()):
            if slug in found:
                continue
            topic = graph.topics[slug]
            texts = [topic.name, *names_in(topic.names, language)]
            for name_text in texts:
                name = [
                    w for w in content_words_in(name_text, language) if w not in own
                ]
                if name and said.issuperset(name):
                    found.append(slug)
                    break
    return sorted(found, key=graph.topo_rank.__getitem__)
