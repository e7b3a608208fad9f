"""Vectors as bytes, and cosine similarity over a candidate set, in plain Python.

Vectors are stored unit-length as little-endian float32 (``array("f")``), so
the cosine of two of them is their dot product. No numpy: the candidate sets
are a subject's topics or the catalog's tracks (hundreds), and 10k topics
still score in well under a second (bench/embeddings_bench.py). docs/embeddings.md
says when pgvector would be worth it.
"""

from __future__ import annotations

import hashlib
import math
import operator
import sys
from array import array
from collections.abc import Iterable, Mapping

_LITTLE = sys.byteorder == "little"


def text_hash(text: str) -> str:
    """The sha256 (hex) of the exact text that was embedded."""
    return hashlib.sha256(text.encode()).hexdigest()


def unit(values: Iterable[float]) -> array:
    """``values`` scaled to length 1 as float32; raises ValueError for an
    empty, zero or non-finite vector."""
    vector = array("f", values)
    if not vector:
        raise ValueError("empty vector")
    norm = math.sqrt(math.fsum(x * x for x in vector))
    if not math.isfinite(norm) or norm == 0.0:
        raise ValueError("zero or non-finite vector")
    return array("f", (x / norm for x in vector))


def pack(vector: array) -> bytes:
    """The bytes stored: little-endian float32 whatever the machine."""
    if _LITTLE:
        return vector.tobytes()
    swapped = array("f", vector)
    swapped.byteswap()
    return swapped.tobytes()


def unpack(data: bytes) -> array:
    vector = array("f")
    vector.frombytes(bytes(data))
    if not _LITTLE:
        vector.byteswap()
    return vector


def cosine(a: array, b: array) -> float:
    """The cosine of two unit vectors (0 when their sizes differ)."""
    if len(a) != len(b):
        return 0.0
    return sum(map(operator.mul, a, b))


def cosine_scores(query: array, vectors: Mapping[str, array]) -> dict[str, float]:
    """The cosine of ``query`` with each vector, rounded to four decimals so
    the same stored vectors always give the same scores and ties."""
    # The query as Python floats once: then only the stored side is unboxed
    # per element (the dot products are most of a match's time).
    values, size, mul = query.tolist(), len(query), operator.mul
    return {
        key: round(sum(map(mul, values, vector)), 4) if len(vector) == size else 0.0
        for key, vector in vectors.items()
    }
