"""A small catalog shaped like the starter one, indexed, and Huey in immediate mode."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from catalog.models import Resource
from search.services import search_index_suspended, search_reindex_all
from taxonomy.enums import Cost, Format, Language, Level, LinkHealth
from taxonomy.models import Topic
from tests.factories import (
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)


@dataclass
class Catalog:
    topics: dict[str, Topic] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)


# name: (title, topic, format, language, cost, level, minutes, rating, description)
RESOURCES = {
    "functions-video": (
        "Python Functions: Defining and Calling",
        "functions",
        Format.VIDEO,
        Language.EN,
        Cost.FREE,
        Level.BEGINNER,
        25,
        4,
        "Write your first functions: def, parameters and return values.",
    ),
    "functions-article": (
        "Functions in Python: Arguments, Return Values and Scope",
        "functions",
        Format.ARTICLE,
        Language.EN,
        Cost.FREE,
        Level.BEGINNER,
        15,
        5,
        "A careful tour of positional and keyword arguments.",
    ),
    "functions-course": (
        "Python Functions Masterclass",
        "functions",
        Format.COURSE,
        Language.EN,
        Cost.PAID,
        Level.INTERMEDIATE,
        240,
        3,
        "Decorators, closures and higher-order programming.",
    ),
    "functions-es": (
        "Funciones en Python",
        "functions",
        Format.VIDEO,
        Language.ES,
        Cost.FREE,
        Level.BEGINNER,
        20,
        4,
        "Aprende a definir funciones y a devolver valores.",
    ),
    "basics-book": (
        "Python for Beginners: Variables and Types",
        "basics",
        Format.BOOK,
        Language.EN,
        Cost.FREEMIUM,
        Level.BEGINNER,
        300,
        4,
        "Numbers, strings and lists; functions come in a later chapter.",
    ),
    "loops-article": (
        "Loops in Python",
        "loops",
        Format.ARTICLE,
        Language.EN,
        Cost.FREE,
        Level.BEGINNER,
        10,
        4,
        "Iterate with for and while.",
    ),
    "js-functions": (
        "JavaScript Functions and Closures",
        "js-functions",
        Format.INTERACTIVE,
        Language.EN,
        Cost.FREE,
        Level.BEGINNER,
        40,
        5,
        "Arrow functions, scope and closures in the browser.",
    ),
    "functions-broken": (
        "Python Functions Cheat Sheet",
        "functions",
        Format.ARTICLE,
        Language.EN,
        Cost.FREE,
        Level.BEGINNER,
        5,
        5,
        "Every function keyword on one page.",
    ),
}


def build_catalog() -> Catalog:
    catalog = Catalog()
    python = SubjectFactory(slug="python", name="Python Programming")
    web = SubjectFactory(slug="web", name="Web Development")
    topics = {
        "basics": (python, "Python Basics", ["syntax"]),
        "functions": (python, "Functions", ["python", "def"]),
        "loops": (python, "Loops", ["iteration"]),
        "js-functions": (web, "JavaScript Functions", ["javascript"]),
    }
    for slug, (subject, name, tags) in topics.items():
        catalog.topics[slug] = TopicFactory(
            slug=slug, subject=subject, name=name, tags=tags
        )
    real_python = ProviderFactory(slug="real-python", name="Real Python")
    mdn = ProviderFactory(slug="mdn", name="MDN Web Docs")
    for name, values in RESOURCES.items():
        title, topic, fmt, language, cost, level, minutes, rating, text = values
        catalog.resources[name] = ResourceFactory(
            slug=name,
            title=title,
            description=text,
            provider=mdn if topic == "js-functions" else real_python,
            format=fmt,
            language=language,
            cost=cost,
            difficulty=level,
            duration_minutes=minutes,
            curator_rating=rating,
            tags=["python"] if topic != "js-functions" else ["javascript"],
            topics=[catalog.topics[topic]],
        )
    Resource.objects.filter(slug="functions-broken").update(
        link_health=LinkHealth.BROKEN
    )
    TrackFactory(
        slug="python-developer",
        name="Python Developer",
        subject=python,
        targets=[catalog.topics["functions"], catalog.topics["loops"]],
    )
    return catalog


@pytest.fixture
def catalog(db) -> Catalog:
    """The crafted catalog, indexed by a full reindex (no per-save tasks)."""
    with search_index_suspended():
        catalog = build_catalog()
    search_reindex_all()
    return catalog


@pytest.fixture
def huey_immediate():
    """Huey runs tasks inline (in-memory storage) for the test, then goes back."""
    from huey.contrib.djhuey import HUEY

    saved = HUEY.immediate
    HUEY.immediate = True
    try:
        yield HUEY
    finally:
        HUEY.immediate = saved


@pytest.fixture
def database_search(settings):
    settings.SEARCH_BACKEND = "database"
    settings.MEILISEARCH_URL = ""


@pytest.fixture(autouse=True)
def _meilisearch_breaker_reset():
    """Each test starts with no remembered Meilisearch outage."""
    from search.backends.meilisearch import MeilisearchBackend

    MeilisearchBackend._outages.clear()
    yield
    MeilisearchBackend._outages.clear()
