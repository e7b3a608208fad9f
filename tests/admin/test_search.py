"""Admin listings search through the catalog search backend."""

from __future__ import annotations

import pytest

from search.services import search_reindex_all
from tests.factories import ResourceFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def indexed():
    functions = TopicFactory(slug="python-functions", name="Functions")
    loops = TopicFactory(slug="python-loops", name="Loops")
    ResourceFactory(
        slug="defining-functions", title="Defining functions", topics=[functions]
    )
    ResourceFactory(slug="for-loops", title="For loops in depth", topics=[loops])
    search_reindex_all()


def test_a_typo_still_finds_the_resource_in_the_admin_listing(admin_client, indexed):
    response = admin_client.get("/admin/snippets/catalog/resource/", {"q": "fucntions"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Defining functions" in html
    assert "For loops in depth" not in html


def test_a_prefix_finds_the_topic_in_the_admin_listing(admin_client, indexed):
    response = admin_client.get("/admin/snippets/taxonomy/topic/", {"q": "loo"})
    html = response.content.decode()
    assert "Loops" in html
    assert "Functions" not in html
