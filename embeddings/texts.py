"""The text embedded for each kind of catalog object.

Built from plain fields, so the database rows (when embedding) and the
planner's snapshot (when matching) give the exact same text, and so the same
hash: a vector is fresh only while its object's text is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_CHARS = 2000  # far below any model's input limit; the start says the most


def _joined(parts: Iterable[str]) -> str:
    text = "\n".join(p.strip() for p in parts if p and p.strip())
    return text[:MAX_CHARS]


def topic_text(*, name: str, objectives: Iterable[str], tags: Iterable[str]) -> str:
    """A topic: its name, objectives and tags."""
    tag_line = ", ".join(t for t in tags if t)
    return _joined([name, *objectives, f"Tags: {tag_line}" if tag_line else ""])


def track_text(*, name: str, description: str, target_names: Iterable[str]) -> str:
    """A track: its name, description and its target topics' names (sorted)."""
    targets = ", ".join(sorted(n for n in target_names if n))
    return _joined([name, description, f"Targets: {targets}" if targets else ""])


def resource_text(*, title: str, description: str) -> str:
    """A resource (or a candidate from a source): its title and description."""
    return _joined([title, description])
