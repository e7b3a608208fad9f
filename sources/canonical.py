"""When two URLs or two titles name the same thing.

The catalog keeps URLs as curators typed them, so duplicates are found by
comparing canonical forms: scheme, ``www.``, default ports, fragments,
tracking parameters, parameter order and a trailing slash do not count.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from urllib.parse import parse_qsl, urlencode, urlsplit

_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_[a-z]+|ref|ref_src)$")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
TITLE_SIMILARITY = 0.92


def url_canonical(url: str) -> str:
    """``host[:port]/path[?sorted query]``, lower-cased host, no ``www.``.

    An unparsable URL is returned stripped and lower-cased.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return url.strip().lower()
    if host.startswith("www.") and host.count(".") > 1:
        host = host.removeprefix("www.")
    if port and (parts.scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.match(key.lower())
    )
    canonical = f"{host}{path}"
    if query:
        canonical += f"?{urlencode(query)}"
    return canonical


def title_normal(title: str) -> str:
    """Lower case, accents and punctuation dropped, single spaces."""
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_ish = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", ascii_ish.lower()).strip()


def titles_near_identical(first: str, second: str) -> bool:
    a, b = title_normal(first), title_normal(second)
    if not a or not b:
        return False
    return a == b or SequenceMatcher(None, a, b).ratio() >= TITLE_SIMILARITY


def title_key_word(title: str) -> str:
    """The title's longest word: what a database pre-filter looks for."""
    words = title_normal(title).split()
    return max(words, key=len) if words else ""
