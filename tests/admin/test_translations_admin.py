"""Curators give subjects, topics and tracks names in other languages through
an inline on their edit forms; the planner then matches goals in them."""

from __future__ import annotations

from typing import Any

from wagtail.test.utils.form_data import inline_formset, nested_form_data

import pytest

from planner.selectors import catalog_graph_get
from taxonomy.models import Subject, Topic, Track, TrackTranslation
from taxonomy.selectors import catalog_version_current
from tests.admin import snippet_url, topic_form_data, track_form_data
from tests.factories import SubjectFactory, TopicFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _track_data(track: Track, translations: list[dict[str, Any]], **kw: Any) -> dict:
    return {
        **track_form_data(track, targets=list(track.targets.all())),
        **nested_form_data({"translations": inline_formset(translations, **kw)}),
    }


@pytest.fixture
def automation():
    subject = SubjectFactory(slug="python", name="Python programming")
    topic = TopicFactory(slug="python-scripts", subject=subject)
    return TrackFactory(
        slug="python-automation",
        name="Automate everyday tasks with Python",
        subject=subject,
        targets=[topic],
    )


@pytest.mark.parametrize("model", [Subject, Topic, Track])
def test_the_edit_forms_show_the_translations_inline(curator_client, model) -> None:
    subject = SubjectFactory()
    topic = TopicFactory(subject=subject)
    track = TrackFactory(subject=subject, targets=[topic])
    record = {Subject: subject, Topic: topic, Track: track}[model]

    page = curator_client.get(snippet_url(model, "edit", record.pk)).content.decode()

    assert "Names in other languages" in page
    assert 'name="translations-TOTAL_FORMS"' in page
    assert 'name="translations-__prefix__-aliases"' in page


def test_a_curator_adds_a_spanish_name_and_the_planner_matches_it(
    curator_client, automation
) -> None:
    before = catalog_version_current()
    response = curator_client.post(
        snippet_url(Track, "edit", automation.pk),
        _track_data(
            automation,
            [
                {
                    "language": "es",
                    "name": "Automatiza tareas cotidianas con Python",
                    "aliases": "automatizar tareas\nscripts de Python",
                }
            ],
        ),
    )

    assert response.status_code == 302
    row = TrackTranslation.objects.get(track=automation)
    assert row.aliases == ["automatizar tareas", "scripts de Python"]
    assert catalog_version_current() > before
    graph = catalog_graph_get()
    assert dict(graph.tracks["python-automation"].names)["es"][0] == (
        "Automatiza tareas cotidianas con Python"
    )


def test_one_translation_per_language(curator_client, automation) -> None:
    rows = [
        {"language": "es", "name": "Automatiza tareas", "aliases": ""},
        {"language": "es", "name": "Automatizar", "aliases": ""},
    ]
    response = curator_client.post(
        snippet_url(Track, "edit", automation.pk), _track_data(automation, rows)
    )

    assert response.status_code == 200
    assert not TrackTranslation.objects.exists()


def test_a_translation_needs_a_name_or_aliases(curator_client, automation) -> None:
    response = curator_client.post(
        snippet_url(Track, "edit", automation.pk),
        _track_data(automation, [{"language": "fr", "name": "", "aliases": ""}]),
    )

    assert response.status_code == 200
    assert "Give a name, aliases, or both." in response.content.decode()
    assert not TrackTranslation.objects.exists()


def test_the_topic_form_saves_translations(curator_client) -> None:
    topic = TopicFactory(slug="git-basics", name="Git basics")
    data = topic_form_data(
        topic, translations=[{"language": "de", "name": "Git-Grundlagen"}]
    )

    response = curator_client.post(snippet_url(Topic, "edit", topic.pk), data)

    assert response.status_code == 302
    assert topic.translations.get().name == "Git-Grundlagen"
