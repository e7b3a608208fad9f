"""The fixed reference workload every benchmark figure is divided by.

    .venv/bin/python bench/reference.py [--runs 3]

Pure Python, no I/O, deterministic: it does in miniature what the product's
hot paths do (a catalog of small objects, a prerequisite graph walked and
ordered, candidates scored and sorted, titles tokenized, an inverted index, a
trigram typo lookup, plain data shaped for output) and returns a checksum of
what it computed. ``bench/run.py`` times it before the benchmarks: a figure
divided by the reference time compares across machines, where raw
milliseconds do not.

Never change what this module computes without bumping ``REFERENCE_VERSION``
and ``REFERENCE_CHECKSUM`` together: ratios from different versions do not
compare. The checksum never depends on string hashing (iteration over sets
of strings is sorted first), so ``PYTHONHASHSEED`` cannot change it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict, deque

REFERENCE_VERSION = 1
REFERENCE_CHECKSUM = 458817089463707978  # what version 1 computes at FULL_SCALE
FULL_SCALE = 1.0

_MASK64 = (1 << 64) - 1
_MODULUS = (1 << 61) - 1
_SYLLABLES = (
    "ka", "lo", "mi", "ren", "to", "sa", "vi", "der", "pon", "qua", "el", "nu",
    "bra", "sto", "fi", "gel", "ux", "mar", "tin", "zo",
)  # fmt: skip
_FORMATS = ("video", "article", "course", "book", "interactive", "exercise")
_LEVELS = ("beginner", "intermediate", "advanced")


class _Rng:
    """A linear congruential generator, fixed here so no library change moves it."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & 0x7FFFFFFF

    def next(self) -> int:
        self.state = (self.state * 1103515245 + 12345) & 0x7FFFFFFF
        return self.state

    def below(self, n: int) -> int:
        return (self.next() >> 4) % n


class _Item:
    """A catalog resource, as small as the planner's own records."""

    __slots__ = ("format", "hours", "level", "number", "rating", "title", "topic")

    def __init__(self, number, topic, title, format_, level, hours, rating):
        self.number = number
        self.topic = topic
        self.title = title
        self.format = format_
        self.level = level
        self.hours = hours
        self.rating = rating


def _word(rng: _Rng) -> str:
    return "".join(
        _SYLLABLES[rng.below(len(_SYLLABLES))] for _ in range(2 + rng.below(3))
    )


def _catalog(rng: _Rng, topics: int, items: int) -> tuple[dict, list[_Item], list[str]]:
    vocabulary = [_word(rng) for _ in range(800)]
    size = len(vocabulary)
    requires: dict[int, set[int]] = {0: set()}
    for topic in range(1, topics):
        # Prerequisites point to lower numbers: the graph is a DAG by construction.
        draw = rng.next()
        requires[topic] = {
            topic - 1 - (draw >> shift) % min(topic, 40) for shift in (3, 9, 15)
        }
    catalog = []
    for number in range(items):
        draw, words = rng.next(), rng.next()
        # A skewed pick: a few words are common, most are rare (as in titles).
        title = " ".join(
            vocabulary[(words >> shift) % ((words >> (shift + 5)) % size + 1)]
            for shift in (0, 4, 8, 12, 16)
        )
        catalog.append(
            _Item(
                number,
                draw % topics,
                title.title(),
                _FORMATS[(draw >> 12) % len(_FORMATS)],
                _LEVELS[(draw >> 16) % 3],
                1 + (draw >> 18) % 40,
                1 + (draw >> 24) % 5,
            )
        )
    return requires, catalog, vocabulary


def _closure(requires: dict[int, set[int]], targets: list[int]) -> list[int]:
    """The targets and every prerequisite below them, in topological order."""
    seen = set(targets)
    todo = deque(targets)
    while todo:
        for before in requires[todo.popleft()]:
            if before not in seen:
                seen.add(before)
                todo.append(before)
    waiting = {topic: len(requires[topic] & seen) for topic in seen}
    users: dict[int, list[int]] = defaultdict(list)
    for topic in seen:
        for before in requires[topic]:
            users[before].append(topic)
    ready = sorted(topic for topic, count in waiting.items() if count == 0)
    order = []
    while ready:
        topic = ready.pop()
        order.append(topic)
        for user in sorted(users[topic]):
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return order


def _rank(order: list[int], by_topic: dict[int, list[_Item]], level: str) -> list[dict]:
    steps = []
    for position, topic in enumerate(order):
        scored = sorted(
            (
                -(item.rating * 3 + (level == item.level) * 4 - item.hours // 8),
                item.title,
                item.number,
            )
            for item in by_topic.get(topic, ())
        )
        steps.append(
            {
                "position": position + 1,
                "topic": f"topic-{topic}",
                "resources": [
                    {"id": number, "title": title, "score": -score}
                    for score, title, number in scored[:3]
                ],
            }
        )
    return steps


def _trigrams(word: str) -> frozenset[str]:
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _search(
    catalog: list[_Item], vocabulary: list[str], rng: _Rng, queries: int
) -> int:
    """Titles tokenized into an inverted index; typos corrected by trigrams."""
    index: dict[str, list[int]] = defaultdict(list)
    for item in catalog:
        for token in sorted(set(item.title.lower().split())):
            index[token].append(item.number)
    grams = {word: _trigrams(word) for word in sorted(index)}
    words_by_gram: dict[str, list[str]] = defaultdict(list)
    for word, word_grams in grams.items():
        for gram in sorted(word_grams):
            words_by_gram[gram].append(word)
    total = 0
    for _ in range(queries):
        wanted = vocabulary[rng.below(len(vocabulary))]
        typo = wanted[1:] + wanted[0] if rng.below(2) else wanted[:-1]
        query = _trigrams(typo)
        shared: dict[str, int] = defaultdict(int)
        for gram in sorted(query):
            for word in words_by_gram.get(gram, ()):
                shared[word] += 1
        if not shared:
            continue
        best = max(
            shared,
            key=lambda word, query=query, shared=shared: (
                shared[word] / (len(grams[word]) + len(query) - shared[word]),
                word,
            ),
        )
        other = vocabulary[rng.below(len(vocabulary))].lower()
        hits = sorted(set(index[best]).intersection(index.get(other, ())))
        total = (total * 31 + len(index[best]) + len(hits) + sum(hits[:20])) % _MODULUS
    return total


def _shape(steps: list[dict]) -> int:
    """Plain data made into output text, as an export or an API answer is."""
    lines = []
    for step in steps:
        titles = "|".join(resource["title"] for resource in step["resources"])
        lines.append(f"{step['position']:05d}:{step['topic']}:{titles.upper()}")
    text = "\n".join(lines)
    value = 0
    for char in text[::7]:
        value = (value * 131 + ord(char)) % _MODULUS
    return value


def reference_workload(scale: float = FULL_SCALE) -> int:
    """Run the workload once and return its checksum.

    ``scale`` shrinks it for tests; the reference time is always taken at
    ``FULL_SCALE``.
    """
    rng = _Rng(20261206)
    topics, items = max(50, int(4000 * scale)), max(500, int(80_000 * scale))
    requires, catalog, vocabulary = _catalog(rng, topics, items)
    by_topic: dict[int, list[_Item]] = defaultdict(list)
    for item in catalog:
        by_topic[item.topic].append(item)
    checksum = 0
    for plan in range(max(2, int(36 * scale))):
        targets = [rng.below(topics) for _ in range(1 + rng.below(6))]
        order = _closure(requires, targets)
        steps = _rank(order, by_topic, _LEVELS[plan % 3])
        checksum = (checksum * 1_000_003 + len(order) + _shape(steps)) % _MODULUS
    searched = _search(catalog, vocabulary, rng, max(20, int(1000 * scale)))
    checksum = (checksum * 1_000_003 + searched) % _MODULUS
    return checksum


def reference_time(runs: int = 3) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds of ``runs`` full runs, and the checksum they agreed on.

    CPU time beside wall time tells a busy machine (wall well above CPU) from
    a slow one. Raises ``RuntimeError`` when a run's checksum differs from
    another's or from ``REFERENCE_CHECKSUM``: the workload is then not the
    reference.
    """
    walls, cpus, checksums = [], [], set()
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        checksums.add(reference_workload())
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
    if len(checksums) != 1:
        raise RuntimeError(f"reference workload is not deterministic: {checksums}")
    (checksum,) = checksums
    if checksum != REFERENCE_CHECKSUM:
        raise RuntimeError(
            f"reference workload v{REFERENCE_VERSION} computed {checksum}, "
            f"expected {REFERENCE_CHECKSUM}: its meaning changed without a new version"
        )
    return walls, cpus, checksum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, cpus, checksum = reference_time(args.runs)
    print(
        f"reference workload v{REFERENCE_VERSION}: median {statistics.median(walls):.3f} s "
        f"(min {min(walls):.3f}, max {max(walls):.3f}, {len(walls)} runs; "
        f"CPU median {statistics.median(cpus):.3f} s), checksum {checksum}"
    )


if __name__ == "__main__":
    main()
