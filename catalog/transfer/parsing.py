"""Reading a catalog file's text into JSON, the same way for every interface.

The command and the admin upload both read through :func:`catalog_loads`, so
they accept the same files: a UTF-8 byte order mark is skipped, and a file
nested deeper than any catalog is refused before parsing, in one line, instead
of exhausting the parser's recursion (a few hundred thousand ``[`` are enough).
"""

from __future__ import annotations

import json
import re
from itertools import accumulate

# A catalog nests six levels at most ($ > resources > [i] > topics > [j] > {}).
MAX_DEPTH = 32

_ESCAPES = re.compile(r"\\.", re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class CatalogParseError(ValueError):
    """The text cannot be read as a catalog; ``str()`` says why, in one line."""


def catalog_loads(text: str) -> object:
    """The JSON value of ``text``, a byte order mark at its start ignored.

    Raises :class:`CatalogParseError` for nesting deeper than
    :data:`MAX_DEPTH`, and ``json.JSONDecodeError`` for text that is not JSON.
    """
    text = text.removeprefix("\ufeff")
    if nesting_depth(text) > MAX_DEPTH:
        raise CatalogParseError(f"nested deeper than {MAX_DEPTH} levels")
    return json.loads(text)


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of JSON ``text`` nest, without parsing it.

    Brackets inside strings do not count. Runs at C speed over the text (the
    escapes dropped, the strings cut out by splitting at quotes), then walks
    only the brackets. Text that is not JSON gets some number: the parser
    reports what is wrong with it.
    """
    outside = "".join(_ESCAPES.sub("", text).split('"')[::2])
    brackets = _NOT_BRACKET.sub("", outside)
    return max(accumulate(_DEPTH_STEP[char] for char in brackets), default=0)
