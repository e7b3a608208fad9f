"""Text folding and tokens for matching what learners type (pure, deterministic)."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

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


# -- other languages ------------------------------------------------------------
#: The Snowball algorithm per language code (snowballstemmer, a maintained
#: library); a language without one is matched with English's light stem.
SNOWBALL_ALGORITHMS = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
    "it": "italian",
    "nl": "dutch",
    "ru": "russian",
    "tr": "turkish",
    "ar": "arabic",
    "hi": "hindi",
    "pl": "polish",
}

#: Function words per language, folded (the library ships none). Only what a
#: goal sentence is made of: articles, prepositions, pronouns, "I want to learn".
# fmt: off
LANGUAGE_STOPWORDS: dict[str, frozenset[str]] = {
    "es": frozenset((
        "a", "al", "algo", "aprender", "aprendiendo", "como", "con", "de", "del",
        "el", "en", "es", "esta", "este", "estudiar", "hacer", "la", "las", "lo",
        "los", "me", "mi", "mis", "mucho", "muy", "o", "para", "pero", "por",
        "poder", "que", "quiero", "quisiera", "saber", "se", "sin", "sobre", "su",
        "sus", "tu", "tus", "u", "un", "una", "unas", "unos", "y", "yo",
    )),
    "fr": frozenset((
        "a", "au", "aux", "apprendre", "avec", "ce", "ces", "comment", "dans",
        "de", "des", "du", "en", "est", "et", "etudier", "faire", "il", "j", "je",
        "l", "la", "le", "les", "ma", "mes", "mon", "ou", "par", "pour", "que",
        "qui", "sans", "savoir", "son", "sur", "un", "une", "veux", "voudrais",
    )),
    "pt": frozenset((
        "a", "ao", "aos", "aprender", "as", "com", "como", "da", "das", "de",
        "do", "dos", "e", "em", "estudar", "eu", "fazer", "meu", "meus", "minha",
        "minhas", "na", "nas", "no", "nos", "o", "os", "ou", "para", "pela",
        "pelo", "por", "quero", "queria", "saber", "se", "sem", "sobre", "um",
        "uma", "umas", "uns",
    )),
    "de": frozenset((
        "am", "an", "auf", "aus", "bei", "das", "dem", "den", "der", "des", "die",
        "ein", "eine", "einen", "einem", "einer", "erlernen", "fur", "ich", "im",
        "in", "ist", "lernen", "man", "mein", "meine", "meinem", "meiner", "mich",
        "mir", "mit", "mochte", "oder", "uber", "um", "und", "von", "vom", "wie",
        "will", "zu", "zum", "zur",
    )),
}
# fmt: on

_stemmers = threading.local()


def stemmer_languages() -> frozenset[str]:
    """The language codes matched with their own Snowball stemmer."""
    return frozenset(SNOWBALL_ALGORITHMS)


@lru_cache(maxsize=65536)
def stem_in(word: str, language: str) -> str:
    """``word`` (case folded) stemmed by ``language``'s Snowball stemmer, then
    accent-folded: ``stem_in("análise", "pt")`` -> ``"analis"``. Languages
    without a stemmer, and English, use :func:`stem` (the light stem English
    matching has always used, so English scores do not move)."""
    algorithm = SNOWBALL_ALGORITHMS.get(language)
    if algorithm is None or language == "en":
        return stem(fold(word))
    # Stemmer objects keep state between calls: one per thread.
    cache = _stemmers.__dict__
    stemmer = cache.get(algorithm)
    if stemmer is None:
        stemmer = cache[algorithm] = snowballstemmer.stemmer(algorithm)
    return fold(stemmer.stemWord(word))


def language_stopwords(language: str) -> frozenset[str]:
    """English function words plus ``language``'s (goals mix them: "aprender git")."""
    return STOPWORDS | LANGUAGE_STOPWORDS.get(language, frozenset())


_RAW_WORD = re.compile(r"[^\W_]+")


def content_words_in(text: str, language: str) -> list[str]:
    """:func:`content_words` for ``language``: its stop words dropped, its
    stemmer applied; English is exactly :func:`content_words`."""
    if language == "en" or language not in SNOWBALL_ALGORITHMS:
        return content_words(text)
    stop = language_stopwords(language)
    seen: dict[str, None] = {}
    for raw in _RAW_WORD.findall(text.casefold()):
        folded = fold(raw)
        if folded in stop or folded.isdigit():
            continue
        seen.setdefault(stem_in(raw, language), None)
    return list(seen)


def language_guess(text: str, languages: Iterable[str]) -> str | None:
    """The language among ``languages`` whose function words ``text`` uses
    most (at least one), else None; ties go to the first given."""
    said = words(text)
    best, hits = None, 0
    for language in languages:
        stop = LANGUAGE_STOPWORDS.get(language, STOPWORDS if language == "en" else ())
        count = sum(1 for w in said if w in stop)
        if count > hits:
            best, hits = language, count
    return best
