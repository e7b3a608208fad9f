"""``manage.py demo_pages`` creates the demo pages once."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

import pytest

from home.models import HomePage, StandardPage, SubjectPage
from tests.factories import SubjectFactory

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("demo_pages", stdout=out)
    return out.getvalue()


def test_demo_pages_creates_home_content_subject_and_standard_pages(client):
    SubjectFactory(slug="astronomy", name="Astronomy")
    SubjectFactory(slug="biology", name="Biology")

    output = _run()

    assert "Home page: content added." in output
    assert "Subject pages created: /astronomy/, /biology/." in output
    assert "Standard pages created: /about/, /help/, /privacy/." in output
    home = HomePage.objects.get()
    assert [b.block_type for b in home.body] == ["hero", "how_it_works", "subjects"]
    for path in ("/", "/astronomy/", "/biology/", "/about/", "/help/", "/privacy/"):
        assert client.get(path).status_code == 200, path
    assert SubjectPage.objects.live().count() == 2


def test_demo_pages_run_again_changes_nothing():
    SubjectFactory(slug="astronomy", name="Astronomy")
    _run()
    home = HomePage.objects.get()
    home.body = [{"type": "text", "value": "<p>Edited by an editor.</p>"}]
    home.save_revision().publish()
    pages_before = sorted(SubjectPage.objects.values_list("pk", flat=True))

    output = _run()

    assert "Home page: kept as it was." in output
    assert "Subject pages created: none new." in output
    assert "Standard pages created: none new." in output
    assert sorted(SubjectPage.objects.values_list("pk", flat=True)) == pages_before
    assert StandardPage.objects.count() == 3
    assert HomePage.objects.get().body.raw_data[0]["value"] == (
        "<p>Edited by an editor.</p>"
    )


def test_a_new_subject_gets_its_page_on_the_next_run():
    SubjectFactory(slug="astronomy", name="Astronomy")
    _run()
    SubjectFactory(slug="chemistry", name="Chemistry")

    output = _run()

    assert "Subject pages created: /chemistry/." in output


def test_a_subject_whose_slug_django_answers_first_gets_another_path(client):
    SubjectFactory(slug="search", name="Search engines")

    output = _run()

    assert "/learn-search/" in output
    assert "Search engines" in client.get("/learn-search/").content.decode()
