"""Text folding and tokens for matching what learners type (pure, deterministic)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")

#: Words that carry no meaning for matching a subject, a track or a topic.
# fmt: off
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "become", "becoming", "but", "by",
    "can", "could", "do", "for", "from", "get", "getting", "go", "going", "how",
    "i", "im", "in", "into", "is", "it", "its", "just", "learn", "learning", "like",
    "me", "more", "my", "of", "on", "or", "our", "so", "some", "start", "started",
    "starting", "study", "studying", "that", "the", "their", "them", "then", "this",
    "to", "up", "use", "using", "want", "wanna", "we", "what", "when", "which",
    "will", "with", "would", "you", "your",
))
# fmt: on

#: Words too generic to tell one subject from another.
# fmt: off
GENERIC_SUBJECT_WORDS = frozenset((
    "basic", "basics", "beginner", "beginners", "course", "courses", "development",
    "develop", "dev", "essential", "essentials", "foundation", "foundations",
    "fundamental", "fundamentals", "intro", "introduction", "language", "languages",
    "lesson", "lessons", "programming", "program", "coding", "code", "skill",
    "skills", "stuff", "topic", "topics", "tutorial", "tutorials",
))
# fmt: on


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower-case, accents stripped: ``"Español"`` -> ``"espanol"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """A light, predictable stem: plural and -ing endings dropped."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str, extra_stop: frozenset[str] = frozenset()) -> list[str]:
    """Stemmed words minus stopwords, first occurrence order, no repeats."""
    seen: dict[str, None] = {}
    for word in words(text):
        if word in STOPWORDS or word in extra_stop or word.isdigit():
            continue
        seen.setdefault(stem(word), None)
    return list(seen)


def phrase(text: str) -> str:
    """Folded words joined by single spaces: the key for exact name matches."""
    return " ".join(words(text))


#: The same, stemmed, to filter the output of :func:`content_words`.
GENERIC_SUBJECT_STEMS = frozenset(stem(w) for w in GENERIC_SUBJECT_WORDS)
