"""Query text: tokens, synonyms and spelling correction, shared by the backends.

Pure Python, no Django. The database backend turns a :class:`QueryPlan` into a
``tsquery`` (PostgreSQL) or an FTS5 query (SQLite); the typo rules mirror
Meilisearch's defaults so both engines forgive the same mistakes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

MAX_TOKENS = 10
MAX_TOKEN_LENGTH = 64
# Meilisearch's defaults: one typo from 5 letters, two from 9.
ONE_TYPO_MIN = 5
TWO_TYPOS_MIN = 9
TERM_MIN, TERM_MAX = 3, 40

# Each group is a set of interchangeable spellings; Meilisearch gets the same
# groups as index settings (see ``synonyms_for_meilisearch``).
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("js", "javascript"),
    ("ts", "typescript"),
    ("py", "python"),
    ("ml", "machine learning"),
    ("ai", "artificial intelligence"),
    ("k8s", "kubernetes"),
    ("postgres", "postgresql"),
    ("db", "database"),
)

_WORD = re.compile(r"[^\W_]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _synonym_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        for word in group:
            table[word] = tuple(other for other in group if other != word)
    return table


SYNONYMS = _synonym_table()


def synonyms_for_meilisearch() -> dict[str, list[str]]:
    """The synonym groups as Meilisearch's ``synonyms`` setting (both directions)."""
    return {word: list(others) for word, others in SYNONYMS.items()}


@dataclass(frozen=True)
class Term:
    """One query word, plus what else may match it.

    ``text`` is the word searched: as typed, or its spelling correction, so a
    corrected query finds exactly what the corrected words find. ``prefix`` is
    true for the last word (search as you type) and ``alternatives`` holds
    synonyms, each matched exactly; a multi-word alternative matches as a
    phrase.
    """

    text: str
    prefix: bool = False
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryPlan:
    terms: tuple[Term, ...]
    corrections: dict[str, str]

    @property
    def corrected_text(self) -> str:
        """The query with misspelt words replaced, or ``""`` when none was."""
        return self.ranking_text if self.corrections else ""

    @property
    def ranking_text(self) -> str:
        """What titles are compared with for trigram similarity."""
        return " ".join(t.text for t in self.terms)


def tokens(query: str) -> list[str]:
    """Lower-cased whitespace-separated tokens that hold a letter or digit.

    Punctuation inside a token is kept (``node.js``, ``c++``): each engine's own
    tokenizer splits it the same way it split the documents.
    """
    found = []
    for raw in query.lower().split():
        token = raw.strip("\"'()[]{}<>,;:!?&|*^~")
        if _WORD.search(token):
            found.append(token[:MAX_TOKEN_LENGTH])
        if len(found) == MAX_TOKENS:
            break
    return found


def vocabulary(texts: Iterable[str]) -> set[str]:
    """The words of ``texts`` worth correcting towards (letters, 3 to 40 long)."""
    words: set[str] = set()
    for text in texts:
        for word in _LETTERS.findall(text.lower()):
            if TERM_MIN <= len(word) <= TERM_MAX:
                words.add(word)
    return words


def typos_allowed(word: str) -> int:
    if not _LETTERS.fullmatch(word) or len(word) < ONE_TYPO_MIN:
        return 0
    return 2 if len(word) >= TWO_TYPOS_MIN else 1


def edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away."""
    letters = _ALPHABET + "".join(sorted(set(word) - set(_ALPHABET)))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | transposes | replaces | inserts) - {word}


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: Levenshtein plus adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost
            )
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


@dataclass(frozen=True)
class Lookup:
    """What the vocabulary must be asked to correct a query's words.

    ``words``: the query's words; ``exact``: words and their one-edit
    variants to look up as they are; ``near``: long words for which close
    terms are fetched by similarity; ``prefixes``: the last word (letters
    only), to learn whether some term starts with it.
    """

    words: tuple[str, ...]
    exact: frozenset[str]
    near: tuple[str, ...]
    prefixes: tuple[str, ...]

    @property
    def needs_vocabulary(self) -> bool:
        return bool(self.exact or self.near)


def lookup_for(words: list[str]) -> Lookup:
    exact: set[str] = set()
    near: list[str] = []
    for word in words:
        allowed = typos_allowed(word)
        if not allowed:
            continue
        exact |= {word} | edits1(word)
        if allowed > 1:
            near.append(word)
    last = words[-1] if words else ""
    prefixes = (last,) if len(last) >= TERM_MIN and _LETTERS.fullmatch(last) else ()
    return Lookup(
        words=tuple(words), exact=frozenset(exact), near=tuple(near), prefixes=prefixes
    )


def correction(word: str, *, candidates: set[str], prefix: bool) -> str | None:
    """The closest known term to a word the vocabulary does not hold, if any."""
    allowed = typos_allowed(word)
    if not allowed or word in candidates:
        return None
    if prefix and any(term.startswith(word) for term in candidates):
        return None
    close = [
        (osa_distance(word, term), -SequenceMatcher(None, word, term).ratio(), term)
        for term in candidates
        if abs(len(term) - len(word)) <= allowed
    ]
    close = [entry for entry in close if entry[0] <= allowed]
    return min(close)[2] if close else None


def query_plan(
    query: str, *, known: Callable[[Lookup], set[str]] | None = None
) -> QueryPlan:
    """Parse ``query`` into terms; ``known`` returns which looked-up words exist.

    ``known`` is called once when the query has words; without it nothing is
    corrected.
    """
    words = tokens(query)
    candidates = known(lookup_for(words)) if known and words else set()
    terms = []
    corrections: dict[str, str] = {}
    for position, word in enumerate(words):
        prefix = position == len(words) - 1
        fixed = correction(word, candidates=candidates, prefix=prefix)
        if fixed:
            corrections[word] = fixed
            word = fixed
        terms.append(
            Term(
                text=word,
                prefix=prefix,
                alternatives=tuple(dict.fromkeys(SYNONYMS.get(word, ()))),
            )
        )
    return QueryPlan(terms=tuple(terms), corrections=corrections)
