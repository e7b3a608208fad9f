"""The topic edit page's "Find candidates" action: a search in the background."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

import pytest

from sources.models import Candidate
from taxonomy.models import Topic
from tests.admin import curator_user, snippet_url
from tests.factories import TopicFactory

from .conftest import PATHS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sources_settings")]


@pytest.fixture
def huey_immediate() -> Iterator[None]:
    from huey.contrib.djhuey import HUEY

    saved = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = saved


@pytest.fixture
def curator(client):
    client.force_login(curator_user())
    return client


def test_the_topic_edit_page_offers_find_candidates(curator):
    topic = TopicFactory()
    page = curator.get(snippet_url(Topic, "edit", topic.pk)).content.decode()
    action = reverse("sources_admin:topic_find", args=[topic.pk])
    assert f'formaction="{action}"' in page
    assert "Find candidates" in page


def test_find_candidates_searches_after_commit_and_fills_the_queue(
    curator, happy_server, huey_immediate, django_capture_on_commit_callbacks
):
    topic = TopicFactory(name="Recursion")
    url = reverse("sources_admin:topic_find", args=[topic.pk])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = curator.post(url)

    assert response.status_code == 302
    assert response["Location"] == snippet_url(Topic, "edit", topic.pk)
    assert len(callbacks) == 1
    # Two from each of the three sources, searched in the subject's language.
    assert Candidate.objects.filter(topic=topic, gap="manual").count() == 6
    (asked,) = happy_server.requests_to(PATHS["openlibrary"])
    assert asked.params["q"] == ["Recursion language:eng"]


def test_find_candidates_is_a_post(curator):
    topic = TopicFactory()
    response = curator.get(reverse("sources_admin:topic_find", args=[topic.pk]))
    assert response.status_code == 405
