"""Builders shared by the review-queue tests."""

from __future__ import annotations

from typing import Any

from sources.canonical import url_canonical
from sources.models import Candidate, GapKind
from taxonomy.models import Topic


def make_candidate(topic: Topic, **fields: Any) -> Candidate:
    url = fields.pop("url", f"https://books.example.org/{Candidate.objects.count()}")
    values = {
        "gap": GapKind.THIN,
        "gap_language": "en",
        "gap_level": topic.level,
        "source": "openlibrary",
        "title": f"A book on {topic.name}",
        "provider_name": "Open Library",
        "provider_url": "https://openlibrary.org/",
        "format": "book",
        "language": "en",
        **fields,
    }
    return Candidate.objects.create(
        topic=topic, url=url, canonical_url=url_canonical(url), **values
    )
