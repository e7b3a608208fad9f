"""The periodic gap search and ``manage.py find_candidates``, end to end
against loopback sources and the real database."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from sources.canonical import url_canonical
from sources.models import Candidate, CandidateStatus, RejectedUrl
from sources.selectors import catalog_gaps
from sources.tasks import candidates_find_periodic
from taxonomy.models import TopicTranslation
from tests.factories import ResourceFactory, SubjectFactory, TopicFactory

from .conftest import PATHS, Answer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sources_settings")]

PRIMER = "https://github.com/donnemartin/system-design-primer"


@pytest.fixture
def topic():
    subject = SubjectFactory(slug="programming", languages=["en", "fr"])
    topic = TopicFactory(
        slug="python-functions", name="Python functions", subject=subject
    )
    TopicTranslation.objects.create(topic=topic, language="fr", name="Fonctions Python")
    return topic


@pytest.fixture
def covered_topic():
    """Two offerable resources in each language at its level: no gap."""
    subject = SubjectFactory(slug="maths", languages=["en"])
    topic = TopicFactory(slug="fractions", subject=subject)
    ResourceFactory.create_batch(2, topics=[topic])
    return topic


def queued() -> set[tuple[str, str, str, str, str]]:
    return set(
        Candidate.objects.values_list(
            "source", "title", "gap", "gap_language", "duplicate"
        )
    )


def test_the_gaps_are_the_health_reports(topic, covered_topic):
    gaps = catalog_gaps()
    assert {(g.topic_id, g.kind, g.language) for g in gaps} == {
        (topic.pk, "language", "en"),
        (topic.pk, "language", "fr"),
    }


def test_the_periodic_search_fills_the_queue_for_the_gaps(
    topic, covered_topic, happy_server
):
    # In the catalog already: awesome-python by URL (written differently),
    # Think Python by its title.
    ResourceFactory(
        primary_url="http://www.github.com/vinta/awesome-python/",
        topics=[covered_topic],
    )
    ResourceFactory(title="Think Python!", topics=[covered_topic])
    RejectedUrl.objects.create(canonical_url=url_canonical(PRIMER), reason="Off topic")

    candidates_find_periodic.call_local()

    assert queued() == {
        ("openlibrary", "Think Python", "language", "en", "title"),
        ("openlibrary", "Automate the Boring Stuff with Python", "language", "en", ""),
        ("wikibooks", "Python Programming/Functions", "language", "en", ""),
        ("wikibooks", "Non-Programmer's Tutorial for Python 3", "language", "en", ""),
        ("github", "vinta/awesome-python", "language", "en", "url"),
    }
    # The rejected URL never comes back; no gap, no search for fractions.
    assert not Candidate.objects.filter(url=PRIMER).exists()
    assert set(Candidate.objects.values_list("topic", flat=True)) == {topic.pk}
    # The French gap was searched with the topic's French name, in French.
    asked = {s.params["q"][0] for s in happy_server.requests_to(PATHS["openlibrary"])}
    assert asked == {"Python functions language:eng", "Fonctions Python language:fre"}
    every = Candidate.objects.get(title="Think Python")
    assert every.status == CandidateStatus.PENDING
    assert every.duplicate_of.title == "Think Python!"


def test_a_second_run_searches_no_gap_that_has_open_candidates(topic, happy_server):
    candidates_find_periodic.call_local()
    before, count = len(happy_server.requests), Candidate.objects.count()
    assert count > 0

    candidates_find_periodic.call_local()

    assert len(happy_server.requests) == before
    assert Candidate.objects.count() == count


def test_a_failing_source_leaves_the_others_working(topic, happy_server):
    happy_server.answers[PATHS["github"]] = Answer(status=502)
    candidates_find_periodic.call_local()
    assert {source for source, *_ in queued()} == {"openlibrary", "wikibooks"}


def test_find_candidates_prints_each_queued_candidate(topic, happy_server):
    out = StringIO()
    call_command(
        "find_candidates", "--topic", topic.slug, stdout=out, stderr=StringIO()
    )
    lines = out.getvalue().splitlines()
    assert (
        "vinta/awesome-python\thttps://github.com/vinta/awesome-python\tgithub" in lines
    )
    assert lines[-1].startswith(f"Queued {Candidate.objects.count()} candidates")
    assert Candidate.objects.filter(gap="manual").count() == Candidate.objects.count()


def test_find_candidates_searches_only_the_named_source(topic, happy_server):
    call_command(
        "find_candidates",
        "--topic",
        topic.slug,
        "--source",
        "github",
        stdout=StringIO(),
    )
    assert {s.path for s in happy_server.requests} == {PATHS["github"]}
    assert set(Candidate.objects.values_list("source", flat=True)) == {"github"}


def test_find_candidates_fails_when_every_source_failed(topic, server):
    for path in PATHS.values():
        server.answers[path] = Answer(status=500)
    err = StringIO()
    with pytest.raises(CommandError, match="every source failed"):
        call_command(
            "find_candidates", "--topic", topic.slug, stdout=StringIO(), stderr=err
        )
    assert "openlibrary failed" in err.getvalue()
    assert not Candidate.objects.exists()


def test_find_candidates_succeeds_when_one_source_answered_nothing_new(topic, server):
    server.answers[PATHS["github"]] = Answer(body='{"total_count": 0, "items": []}')
    out = StringIO()
    call_command(
        "find_candidates", "--topic", topic.slug, stdout=out, stderr=StringIO()
    )
    assert "Queued 0 candidates" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topic", "no-such-topic"], "no topic with slug 'no-such-topic'"),
        (
            ["--topic", "python-functions", "--source", "youtube"],
            "Not an enabled source: youtube",
        ),
    ],
)
def test_find_candidates_refuses_unknown_names(topic, server, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("find_candidates", *args, stdout=StringIO())
    assert server.requests == []


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (
            {"ENABLED": ["openlibrary", "no-such-source"]},
            "SOURCES_ENABLED names 'no-such-source'",
        ),
        ({"URLS": {"openlibrary": " "}}, "Source 'openlibrary' has no base URL"),
        ({"ENABLED": []}, "no source is enabled"),
    ],
    ids=["unknown-name", "no-base-url", "none-enabled"],
)
def test_find_candidates_says_what_is_misconfigured_and_exits_1(
    topic, server, settings, sources, message
):
    settings.SOURCES = {**settings.SOURCES, **sources}
    with pytest.raises(CommandError, match=message):
        call_command("find_candidates", "--topic", topic.slug, stdout=StringIO())
    assert server.requests == []
    assert not Candidate.objects.exists()
