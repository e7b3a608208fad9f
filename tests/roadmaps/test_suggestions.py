"""Unreviewed candidates on the learner's roadmap page: only for a step with
no curated resource, labelled "suggested, not yet reviewed", below the
resources, never rejected, in the learner's language, adults only, and one
query per page whatever the roadmap's size."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from learners.models import LearnerProfile
from roadmaps.models import Roadmap, RoadmapStep
from sources.models import CandidateStatus, DuplicateKind, RejectedUrl
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build
from tests.roadmaps.conftest import roadmap_plan
from tests.roadmaps.test_api import _grow
from tests.sources.helpers import make_candidate

pytestmark = pytest.mark.django_db

LABEL = "Suggested, not yet reviewed"


@pytest.fixture
def gap_catalog(db):
    """The small catalog with no resource for "py-functions"."""
    return small_catalog_build(without_resources=("py-functions",))


@pytest.fixture
def owner(db):
    return UserFactory(username="suggested-learner")


@pytest.fixture
def roadmap(gap_catalog, owner) -> Roadmap:
    return roadmap_plan(owner)


def step_of(roadmap: Roadmap, slug: str) -> RoadmapStep:
    return RoadmapStep.objects.get(version_id=roadmap.current_id, topic_slug=slug)


def panel(client, roadmap: Roadmap, step: RoadmapStep) -> str:
    answer = client.get(f"/roadmaps/{roadmap.pk}/steps/{step.pk}/")
    assert answer.status_code == 200
    return answer.content.decode()


def suggestions_section(html: str) -> str:
    match = re.search(r'<section class="suggestions".*?</section>', html, re.S)
    return match.group(0) if match else ""


def profile_set(roadmap: Roadmap, **fields) -> None:
    LearnerProfile.objects.filter(pk=roadmap.profile_id).update(**fields)


def test_a_step_without_resources_shows_open_candidates_labelled_after_it(
    client, owner, roadmap, gap_catalog
):
    topic = gap_catalog.topics["py-functions"]
    make_candidate(topic, title="Functions, the book", url="https://a.example/1")
    make_candidate(
        topic,
        title="Defining functions",
        url="https://b.example/2",
        status=CandidateStatus.DEFERRED,
        format="video",
        duration_minutes=12,
    )
    step = step_of(roadmap, "py-functions")
    assert not step.resources.exists()
    client.force_login(owner)

    html = panel(client, roadmap, step)

    section = suggestions_section(html)
    assert f'<h3 id="suggestions-heading">{LABEL}</h3>' in section
    # Pending before deferred; each item carries the label in its heading.
    titles = re.findall(r'rel="nofollow noopener noreferrer">([^<]+)</a>', section)
    assert titles == ["Functions, the book", "Defining functions"]
    assert section.count(f'<span class="tag">{LABEL}</span>') == 2
    assert "about 12 min" in section and "Found on Open Library" in section
    # Below the (absent) curated resources and their "no resource yet" line.
    assert html.index("No resource yet") < html.index(section)
    assert html.index(section) < html.index("<h3>Mastery check</h3>")


def test_a_step_with_curated_resources_never_shows_a_candidate(
    client, owner, roadmap, gap_catalog
):
    make_candidate(gap_catalog.topics["py-setup"], title="Unreviewed setup guide")
    step = step_of(roadmap, "py-setup")
    assert step.resources.exists()
    client.force_login(owner)

    html = panel(client, roadmap, step)

    assert "Unreviewed setup guide" not in html
    assert LABEL not in html


def test_rejected_reviewed_and_duplicate_candidates_are_never_shown(
    client, owner, roadmap, gap_catalog
):
    topic = gap_catalog.topics["py-functions"]
    make_candidate(topic, title="Kept", url="https://ok.example/")
    make_candidate(
        topic,
        title="Rejected one",
        url="https://no.example/",
        status=CandidateStatus.REJECTED,
        reject_reason="Off topic",
    )
    make_candidate(topic, title="Accepted one", status=CandidateStatus.ACCEPTED)
    make_candidate(topic, title="Same as a resource", duplicate=DuplicateKind.URL)
    # Rejected for another topic: its URL is never suggested again.
    make_candidate(topic, title="Rejected elsewhere", url="https://www.bad.example/x")
    RejectedUrl.objects.create(canonical_url="bad.example/x", reason="Spam")
    client.force_login(owner)

    section = suggestions_section(
        panel(client, roadmap, step_of(roadmap, "py-functions"))
    )

    assert "Kept" in section
    for title in (
        "Rejected one",
        "Accepted one",
        "Same as a resource",
        "Rejected elsewhere",
    ):
        assert title not in section


def test_the_learners_language_comes_first_and_others_only_as_a_fallback(
    client, owner, roadmap, gap_catalog
):
    topic = gap_catalog.topics["py-functions"]
    profile_set(roadmap, language="es")
    make_candidate(topic, title="Functions in English", language="en")
    # The source did not say: the language its gap was searched in counts.
    make_candidate(topic, title="Funciones (wiki)", language="", gap_language="es")
    step = step_of(roadmap, "py-functions")
    client.force_login(owner)

    section = suggestions_section(panel(client, roadmap, step))
    assert "Funciones (wiki)" in section
    assert "Functions in English" not in section
    assert "Not in your language" not in section

    profile_set(roadmap, language="fr")
    section = suggestions_section(panel(client, roadmap, step))
    # Nothing in French: English is the first fallback, and it says so.
    assert "Functions in English" in section
    assert "Funciones (wiki)" not in section
    assert "Not in your language" in section


@pytest.mark.parametrize("age_range", ["child", "teen"])
def test_a_minor_never_sees_unreviewed_candidates(
    client, owner, roadmap, gap_catalog, age_range
):
    make_candidate(gap_catalog.topics["py-functions"], title="Unreviewed book")
    profile_set(roadmap, age_range=age_range)
    client.force_login(owner)

    html = panel(client, roadmap, step_of(roadmap, "py-functions"))

    assert "Unreviewed book" not in html
    assert "No resource yet" in html


def test_at_most_three_suggestions_per_step(client, owner, roadmap, gap_catalog):
    topic = gap_catalog.topics["py-functions"]
    for n in range(5):
        make_candidate(topic, title=f"Book {n}", url=f"https://books.example/{n}")
    client.force_login(owner)

    section = suggestions_section(
        panel(client, roadmap, step_of(roadmap, "py-functions"))
    )

    assert re.findall(r">(Book \d)</a>", section) == ["Book 0", "Book 1", "Book 2"]


def _candidate_reads(queries) -> int:
    return sum('"sources_candidate"' in q["sql"] for q in queries.captured_queries)


def test_suggestions_cost_one_query_per_page_at_any_size(
    client, gap_catalog, django_assert_num_queries
):
    topic = gap_catalog.topics["py-functions"]
    for n in range(4):
        make_candidate(topic, title=f"Book {n}", url=f"https://books.example/{n}")
    counts: list[int] = []
    for size in (5, 60):
        owner = UserFactory()
        roadmap = roadmap_plan(owner)
        # Copies of the last step (py-functions): every one without resources.
        _grow(roadmap, size)
        client.force_login(owner)
        base = f"/roadmaps/{roadmap.pk}/"
        client.get(base)  # the session's first touches
        bare = RoadmapStep.objects.filter(version_id=roadmap.current_id).last()
        assert not bare.resources.exists()

        expected = counts[0] if counts else None
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"{base}steps/{bare.pk}/")
        counts.append(len(queries))
        html = answer.content.decode()
        assert html.count(f'<span class="tag">{LABEL}</span>') == 3
        assert _candidate_reads(queries) == 1
        if expected is not None:
            with django_assert_num_queries(expected) as again:
                client.get(f"{base}steps/{bare.pk}/")
            assert _candidate_reads(again) == 1

        # A step with resources, and the path alone, read no candidate.
        setup = step_of(roadmap, "py-setup")
        with CaptureQueriesContext(connection) as queries:
            client.get(f"{base}steps/{setup.pk}/")
            client.get(base)
        assert _candidate_reads(queries) == 0
    assert counts[0] == counts[1]
