"""The health report lists topics that block tracks: no offerable resource
(at all, or in a language the subject offers) for a topic tracks need."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

import pytest

from catalog.models import Resource
from catalog.reports import catalog_health_report
from taxonomy.enums import LinkHealth
from tests.admin import curator_user
from tests.factories import (
    PrerequisiteFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

REPORT_QUERIES = 10


@pytest.fixture
def gaps() -> None:
    """python (en, es): setup <- loops <- functions (required), style is only
    recommended by functions. Tracks: "basics" targets functions, "loops-only"
    targets loops, "tidy" targets style.

    * setup: English and Spanish resources (no gap);
    * loops: English only (Spanish missing): needed by basics and loops-only;
    * functions: no resource at all: needed by basics;
    * style: its only resource is broken: needed by tidy, not by basics
      (a recommended prerequisite does not block);
    * trivia: no resource, but no track needs it (not blocking).
    """
    python = SubjectFactory(slug="python", languages=["en", "es"])
    setup = TopicFactory(slug="setup", subject=python)
    loops = TopicFactory(slug="loops", subject=python)
    functions = TopicFactory(slug="functions", subject=python)
    style = TopicFactory(slug="style", subject=python)
    TopicFactory(slug="trivia", subject=python)
    PrerequisiteFactory(topic=loops, requires=setup)
    PrerequisiteFactory(topic=functions, requires=loops)
    PrerequisiteFactory(topic=functions, requires=style, kind="recommended")
    TrackFactory(slug="basics", subject=python, targets=[functions])
    TrackFactory(slug="loops-only", subject=python, targets=[loops])
    TrackFactory(slug="tidy", subject=python, targets=[style])
    for language in ("en", "es"):
        ResourceFactory(language=language, topics=[setup])
    ResourceFactory(language="en", topics=[loops])
    dead = ResourceFactory(language="en", topics=[style])
    Resource.objects.filter(pk=dead.pk).update(link_health=LinkHealth.BROKEN)


def test_topics_blocking_tracks_are_listed_most_tracks_first(gaps) -> None:
    report = catalog_health_report()

    assert [
        (
            b.topic.slug,
            b.track_count,
            b.tracks,
            b.offerable_resources,
            b.missing_languages,
        )
        for b in report.blocking_topics
    ] == [
        ("loops", 2, ("basics", "loops-only"), 1, ("es",)),
        ("functions", 1, ("basics",), 0, ("en", "es")),
        ("style", 1, ("tidy",), 0, ("en", "es")),
    ]
    assert report.counts()["blocking_topics"] == 3


def test_the_report_still_takes_a_fixed_number_of_queries(
    gaps, django_assert_num_queries
) -> None:
    with django_assert_num_queries(REPORT_QUERIES):
        catalog_health_report()


def test_the_text_and_json_say_how_many_tracks_each_topic_blocks(gaps) -> None:
    report = catalog_health_report()
    text = "\n".join(report.lines())
    assert "Topics blocking tracks: no resource in a language: 3" in text
    assert "python/loops (" in text and "blocking 2 tracks, no resource in es" in text
    assert "blocking 1 track, no offerable resource at all" in text

    out = StringIO()
    call_command("catalog_report", "--json", stdout=out)
    data = json.loads(out.getvalue())
    first = data["blocking_topics"][0]
    assert (first["topic"]["slug"], first["tracks"]) == (
        "loops",
        ["basics", "loops-only"],
    )


def test_the_admin_report_shows_the_section(client, gaps) -> None:
    client.force_login(curator_user())

    response = client.get(reverse("catalog_admin:health"))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="blocking_topics"' in content
    assert "<td>2: basics, loops-only</td>" in content
    assert "No resource in es" in content
    assert "No offerable resource at all" in content
