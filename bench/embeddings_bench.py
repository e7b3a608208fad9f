"""Benchmark of embedding matching over a synthetic catalog (no network, no database).

    .venv/bin/python bench/embeddings_bench.py [--topics 10000] [--dims 384,1536] [--runs 20]

What a match costs once the vectors are stored: for each query, every
topic's vector is scored against it (cosine of unit vectors in plain
Python), the scores are blended with lexical ones and the best taken. Timed
twice per size: with the vectors already decoded, and decoding them from
their stored bytes first (what a request that just read them from the
database pays). Vectors are seeded random unit vectors; 384 dimensions is
the size of small open models (all-MiniLM-L6-v2), 1536 OpenAI's
text-embedding-3-small. The issue sets no target: the figures say when
pgvector would be worth it (docs/embeddings.md).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from array import array
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wayfinder.settings.dev")
# As production runs: without DEBUG and its per-query log.
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from bench.common import figure, percentile  # noqa: E402
from embeddings.matching import blend  # noqa: E402
from embeddings.vectors import cosine_scores, pack, unit, unpack  # noqa: E402

SECTION = "embeddings"


def random_unit(rng: random.Random, dims: int) -> array:
    return unit(rng.gauss(0.0, 1.0) for _ in range(dims))


def catalog(
    topics: int, dims: int, seed: int
) -> tuple[dict[str, bytes], dict[str, float]]:
    """Stored vectors by topic slug, and a lexical score for a few topics."""
    rng = random.Random(seed)
    stored = {f"topic-{i:05d}": pack(random_unit(rng, dims)) for i in range(topics)}
    lexical = {slug: round(rng.random(), 4) for slug in rng.sample(sorted(stored), 20)}
    return stored, lexical


def match(query: array, vectors: dict[str, array], lexical: dict[str, float]) -> str:
    scores = blend(lexical, cosine_scores(query, vectors), weight=0.3)
    return min(scores, key=lambda slug: (-scores[slug], slug))


def _decoded(queries, decoded, lexical, run: int) -> str:
    return match(queries[run], decoded, lexical)


def _from_bytes(queries, stored, lexical, run: int) -> str:
    decoded = {slug: unpack(data) for slug, data in stored.items()}
    return match(queries[run], decoded, lexical)


def timed(runs: int, work) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per run (CPU is the steadier on a shared machine)."""
    walls, cpus = [], []
    for run in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        work(run)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--dims", default="384,1536")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        f"{'topics':>7} {'dims':>5} {'case':<26} {'p50 ms':>9} {'p95 ms':>9} "
        f"{'mean':>9} {'cpu p50':>9}"
    )
    for dims in (int(d) for d in args.dims.split(",")):
        stored, lexical = catalog(args.topics, dims, args.seed)
        decoded = {slug: unpack(data) for slug, data in stored.items()}
        queries = [random_unit(rng, dims) for _ in range(args.runs)]
        cases = {
            "decoded vectors": partial(_decoded, queries, decoded, lexical),
            "decoded from bytes": partial(_from_bytes, queries, stored, lexical),
        }
        for case, work in cases.items():
            samples, cpu = timed(args.runs, work)
            print(
                f"{args.topics:>7} {dims:>5} {case:<26} {percentile(samples, 0.5):>9.1f} "
                f"{percentile(samples, 0.95):>9.1f} {statistics.mean(samples):>9.1f} "
                f"{percentile(cpu, 0.5):>9.1f}"
            )
            figure(
                SECTION,
                f"match over {args.topics} topics, {dims} dims, {case}",
                samples=samples,
            )


if __name__ == "__main__":
    main()
