"""Admin choosers find catalog items through the project's search index.

The catalog comes from the starter file through the import command, as after
``make run``: nothing here fills Wagtail's own search index.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from wagtail.search.index import class_is_indexed
from wagtail.search.models import IndexEntry

import pytest
from structlog.testing import capture_logs

from catalog.models import Provider, Resource
from search.selectors import catalog_search
from taxonomy.models import Subject, Topic, Track
from tests.factories import TopicFactory

STARTER = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
CATALOG_MODELS = (Subject, Topic, Track, Provider, Resource)

pytestmark = pytest.mark.django_db


@pytest.fixture
def starter(settings, django_capture_on_commit_callbacks):
    settings.SEARCH_BACKEND = "database"
    # The command rebuilds the search index once the import commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_catalog", str(STARTER), stdout=StringIO())


def choose_results_url(model: type) -> str:
    return reverse(model.snippet_viewset.chooser_viewset.get_url_name("choose_results"))


def result_titles(html: str) -> list[str]:
    """The chooser's result links, in order (each links to the "chosen" view)."""
    links = re.findall(r"<a [^>]*data-chooser-modal-choice[^>]*>(.*?)</a>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", link).split()) for link in links]


def result_row(html: str, title: str) -> str:
    """The text of the table row holding ``title``."""
    for row in re.findall(r"<tr.*?</tr>", html, re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        if title in text:
            return text
    raise AssertionError(f"no row for {title!r}")


# model, query, the item to find, what its row shows besides the title
CHOOSERS = [
    (Topic, "loops", "Loops and iteration", ["Python programming", "Beginner"]),
    (Subject, "statistic", "Statistics", ["statistics"]),
    (Track, "pandas", "Python data analysis with pandas", ["Data analysis"]),
    (Provider, "exercism", "Exercism", ["exercism.org"]),
    (
        Resource,
        "loops",
        "Python for Loops: The Pythonic Way",
        ["Real Python", "English"],
    ),
]


@pytest.mark.parametrize(
    ("model", "query", "title", "shown"),
    CHOOSERS,
    ids=[model.__name__.lower() for model, *_ in CHOOSERS],
)
def test_chooser_search_finds_the_imported_item_with_its_details(
    curator_client, starter, model, query, title, shown
):
    response = curator_client.get(choose_results_url(model), {"q": query})
    html = response.content.decode()

    assert response.status_code == 200
    assert title in result_titles(html)
    row = result_row(html, title)
    for text in shown:
        assert text in row


def test_chooser_search_corrects_a_typo_like_the_listing(curator_client, starter):
    response = curator_client.get(choose_results_url(Topic), {"q": "itertion"})

    assert "Loops and iteration" in result_titles(response.content.decode())


def test_chooser_ranks_results_as_the_catalog_search_does(curator_client, starter):
    ranked = [
        hit.fields["title"]
        for hit in catalog_search(query="python", kind="topic", per_page=10).hits
    ]
    response = curator_client.get(choose_results_url(Topic), {"q": "python"})

    assert len(ranked) == 10
    assert result_titles(response.content.decode())[:10] == ranked


def test_chooser_reads_a_page_with_its_subjects_in_one_query(
    curator_client, starter, django_assert_max_num_queries
):
    url = choose_results_url(Topic)
    curator_client.get(url, {"q": "python"})
    # session, user, permissions (2), admin profile; savepoint, vocabulary,
    # search, release; count and page (subjects joined): not one per row.
    with django_assert_max_num_queries(11):
        response = curator_client.get(url, {"q": "python"})

    assert len(result_titles(response.content.decode())) == 10


def test_chooser_modal_offers_a_search_box(curator_client, starter):
    url = reverse(Topic.snippet_viewset.chooser_viewset.get_url_name("choose"))
    response = curator_client.get(url)

    assert response.status_code == 200
    assert 'name="q"' in response.json()["html"]


def test_chooser_shows_the_extra_columns_without_a_search(curator_client, starter):
    response = curator_client.get(choose_results_url(Resource))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<th" in html
    assert "Provider" in html
    assert "Language" in html


def test_chooser_falls_back_to_the_database_when_search_fails(curator_client, starter):
    # The index table gone: the search backend cannot answer at all.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE search_searchdocument RENAME TO search_gone")

    with capture_logs() as logs:
        response = curator_client.get(choose_results_url(Topic), {"q": "loops"})
        listing = curator_client.get(
            reverse(Topic.snippet_viewset.get_url_name("list")), {"q": "loops"}
        )

    fallbacks = [entry for entry in logs if entry["event"] == "admin_search_fallback"]
    assert len(fallbacks) == 2
    assert response.status_code == 200
    assert "Loops and iteration" in result_titles(response.content.decode())
    assert "Loops and iteration" in listing.content.decode()


def test_catalog_models_stay_out_of_wagtails_search_index(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        topic = TopicFactory(name="Loops and iteration")
    topic.save()

    indexed = IndexEntry.objects.filter(
        content_type__in=ContentType.objects.get_for_models(*CATALOG_MODELS).values()
    )
    assert not indexed.exists()
    assert not [model for model in CATALOG_MODELS if class_is_indexed(model)]
