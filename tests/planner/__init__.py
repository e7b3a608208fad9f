"""Tests of the planner's pure core; the hand-made catalogs they share live here.

The Python catalog is a chain (setup -> variables -> control flow -> loops ->
functions -> data structures -> classes) with side branches, recommended
prerequisites, several tracks and resources of every kind of quality.
"""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from planner.domain import (
    CatalogGraph,
    Plan,
    Prerequisite,
    ResourceNode,
    SubjectNode,
    TopicNode,
    TrackNode,
    assess,
    normalize,
    plan,
)

TODAY = date(2026, 1, 5)  # a Monday

CHAIN = (
    "python-setup",
    "python-variables",
    "python-control-flow",
    "python-loops",
    "python-functions",
    "python-data-structures",
    "python-classes",
)

_TOPICS = {
    # slug: (name, level, hours, first objective)
    "python-setup": ("Setup", "beginner", 1, "Install Python and run a script"),
    "python-variables": (
        "Variables and types",
        "beginner",
        2,
        "Store values in variables and convert between types",
    ),
    "python-control-flow": (
        "Control flow",
        "beginner",
        2,
        "Choose between branches with if, elif and else",
    ),
    "python-loops": ("Loops", "beginner", 3, "Repeat work with for and while loops"),
    "python-functions": (
        "Functions",
        "beginner",
        4,
        "Write a function that takes arguments and returns a value.",
    ),
    "python-data-structures": (
        "Data structures",
        "intermediate",
        4,
        "Pick a list, dict, set or tuple for a job",
    ),
    "python-classes": (
        "Classes",
        "intermediate",
        5,
        "Model a problem with classes and objects",
    ),
    "python-style": ("Style and PEP 8", "beginner", 1, "Format code the PEP 8 way"),
    "python-debugging": (
        "Debugging",
        "beginner",
        2,
        "Find a bug with the debugger and prints",
    ),
    "python-testing": ("Testing", "intermediate", 3, "Write unit tests with pytest"),
    "python-web-basics": (
        "Web basics",
        "intermediate",
        3,
        "Explain requests, responses and HTTP methods",
    ),
    "python-flask": ("Flask", "advanced", 6, "Build a small web app with Flask"),
    "python-pandas": (
        "Pandas",
        "intermediate",
        5,
        "Load and filter a table with pandas",
    ),
    "js-basics": ("JavaScript basics", "beginner", 3, "Write a script for a web page"),
}

_EDGES = [
    *((CHAIN[i + 1], CHAIN[i], "required") for i in range(len(CHAIN) - 1)),
    ("python-functions", "python-style", "recommended"),
    ("python-classes", "python-testing", "recommended"),
    ("python-testing", "python-functions", "required"),
    ("python-testing", "python-debugging", "required"),
    ("python-debugging", "python-loops", "required"),
    ("python-web-basics", "python-functions", "required"),
    ("python-flask", "python-web-basics", "required"),
    ("python-flask", "python-data-structures", "required"),
    ("python-pandas", "python-data-structures", "required"),
]

_TRACKS = [
    TrackNode(
        "python-first-steps",
        "python",
        "Python first steps",
        "Write your first programs with variables, loops and functions.",
        "skill",
        ("python-functions",),
    ),
    TrackNode(
        "python-oop",
        "python",
        "Object-oriented Python",
        "Design programs with classes and objects.",
        "skill",
        ("python-classes",),
    ),
    TrackNode(
        "python-web",
        "python",
        "Web development with Python",
        "Build web apps and APIs with Flask.",
        "career",
        ("python-flask",),
    ),
    TrackNode(
        "python-data",
        "python",
        "Data analysis with Python",
        "Analyse data and build reports with pandas.",
        "career",
        ("python-pandas",),
    ),
    TrackNode(
        "js-first-steps",
        "javascript",
        "JavaScript first steps",
        "Make web pages interactive.",
        "skill",
        ("js-basics",),
    ),
]


def resource(slug: str, topic: str, **overrides: object) -> ResourceNode:
    """A decent, healthy, free English resource, unless told otherwise."""
    fields = {
        "slug": slug,
        "title": slug.replace("-", " ").title(),
        "provider": "docs",
        "provider_trust": 0.9,
        "format": "documentation",
        "language": "en",
        "duration_minutes": 60,
        "difficulty": "beginner",
        "cost": "free",
        "age_ranges": ("teen", "adult"),
        "curator_rating": 4,
        "freshness": date(2025, 6, 1),
        "feedback_up": 10,
        "feedback_down": 1,
        "link_health": "healthy",
        "topics": ((topic, 1.0),),
    }
    fields.update(overrides)
    return ResourceNode(**fields)


def _resources() -> list[ResourceNode]:
    out = []
    for slug in _TOPICS:
        out += [
            resource(f"{slug}-docs", slug),
            resource(
                f"{slug}-video", slug, provider="tube", format="video", curator_rating=3
            ),
            resource(
                f"{slug}-course",
                slug,
                provider="school",
                format="course",
                cost="paid",
                curator_rating=5,
                provider_trust=1.0,
            ),
        ]
    return out


def python_graph(
    *,
    extra_resources: tuple[ResourceNode, ...] = (),
    drop_resources: tuple[str, ...] = (),
    version: int = 1,
) -> CatalogGraph:
    """The hand-made Python catalog (plus a one-topic JavaScript subject)."""
    topics = [
        TopicNode(
            slug=slug,
            subject="javascript" if slug.startswith("js-") else "python",
            name=name,
            level=level,
            estimated_hours=hours,
            objectives=(objective, "Explain it to a friend"),
            mastery_kind="exercise",
            mastery_description=f"Solve three {name.lower()} exercises",
        )
        for slug, (name, level, hours, objective) in _TOPICS.items()
    ]
    resources = [r for r in _resources() if r.slug not in drop_resources]
    return CatalogGraph.build(
        version=version,
        subjects=[
            SubjectNode("python", "Python programming", ("en", "es")),
            SubjectNode("javascript", "JavaScript", ("en",)),
        ],
        topics=topics,
        prerequisites=[Prerequisite(*edge) for edge in _EDGES],
        tracks=_TRACKS,
        resources=[*resources, *extra_resources],
    )


def profile_raw(**overrides: object) -> dict[str, object]:
    """A confident onboarding: explicit track, beginner, no deadline."""
    raw: dict[str, object] = {
        "subject": "python",
        "level": "beginner",
        "goals": "python-first-steps",
        "weekly_hours": 5,
        "language": "en",
        "start_date": TODAY.isoformat(),
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}


def beginner_plan(graph: CatalogGraph, *, subject: str, goals: str) -> Plan:
    """The plan a beginner at 5 hours a week in English gets for ``goals``
    (a track of ``subject``), pending questions assumed."""
    raw = profile_raw(subject=subject, goals=goals)
    profile = normalize(raw, graph, TODAY)
    return plan(assess(profile, graph, assume_unanswered=True), graph)


def topic_node(slug: str, position: int = 0, subject: str = "s") -> TopicNode:
    """A beginner topic of two hours with content, for hand-made graphs."""
    return TopicNode(
        slug=slug,
        subject=subject,
        name=slug.replace("-", " ").title(),
        level="beginner",
        estimated_hours=2.0,
        objectives=(f"Use {slug}",),
        mastery_description=f"Quiz on {slug}",
        position=position,
    )


@st.composite
def random_dags(
    draw: st.DrawFn, min_size: int = 1
) -> tuple[list[TopicNode], list[Prerequisite]]:
    """Topics ``t00``, ``t01``, ... with random positions (ties included) and
    random edges of both kinds, each to a lower number: a random DAG."""
    size = draw(st.integers(min_value=min_size, max_value=30))
    positions = draw(st.lists(st.integers(0, 6), min_size=size, max_size=size))
    topics = [topic_node(f"t{i:02d}", positions[i]) for i in range(size)]
    edges = [
        Prerequisite(
            f"t{i:02d}", f"t{j:02d}", draw(st.sampled_from(("required", "recommended")))
        )
        for i in range(1, size)
        for j in sorted(draw(st.sets(st.integers(0, i - 1), max_size=3)))
    ]
    return topics, edges
