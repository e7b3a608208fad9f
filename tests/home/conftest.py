"""Fixtures for the site's pages: a small catalog and the pages over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.factories import (
    PrerequisiteFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)


@pytest.fixture(autouse=True)
def _fresh_catalog_caches(settings) -> Iterator[None]:
    """Rolled-back test catalogs reuse version numbers: no plan or snapshot
    may outlive its test (the caching test turns HOME_PAGES_CACHE back on)."""
    from planner.selectors import catalog_graph_forget

    settings.PLANNER_GRAPH_CACHE = False
    settings.HOME_PAGES_CACHE = False
    catalog_graph_forget()
    yield
    catalog_graph_forget()


@dataclass
class SmallCatalog:
    subject: object
    topics: list
    short_track: object
    long_track: object


def build_small_catalog(*, topic_count: int = 5, slug: str = "astronomy"):
    """One subject in English and Spanish: a chain of ``topic_count`` topics
    (each requires the one before), a short track aiming at the second topic
    and a long one aiming at the last; one resource per topic."""
    subject = SubjectFactory(slug=slug, name=slug.capitalize(), languages=["en", "es"])
    topics = [
        TopicFactory(
            subject=subject,
            slug=f"{slug}-t{n}",
            name=f"Star topic {n}",
            estimated_hours=2,
        )
        for n in range(1, topic_count + 1)
    ]
    for before, after in zip(topics, topics[1:], strict=False):
        PrerequisiteFactory(topic=after, requires=before)
    for topic in topics:
        ResourceFactory(topics=[topic])
    short = TrackFactory(
        subject=subject,
        slug=f"{slug}-first-steps",
        name="First steps",
        targets=topics[1:2],
    )
    long = TrackFactory(
        subject=subject,
        slug=f"{slug}-everything",
        name="Everything",
        goal_kind="career",
        targets=topics[-1:],
    )
    return SmallCatalog(
        subject=subject, topics=topics, short_track=short, long_track=long
    )


@pytest.fixture
def home_page():
    from home.models import HomePage

    return HomePage.objects.get()


def add_subject_page(home_page, subject, **fields):
    from home.models import SubjectPage

    page = SubjectPage(title=subject.name, slug=subject.slug, subject=subject, **fields)
    home_page.add_child(instance=page)
    return page
