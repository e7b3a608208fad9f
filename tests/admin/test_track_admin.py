"""Curators order a track's targets in the admin (an orderable inline with
drag handles); the order reaches the database, the planner's snapshot and the
edit form again."""

from __future__ import annotations

import pytest

from planner.selectors import catalog_graph_get
from taxonomy.models import Track
from taxonomy.selectors import catalog_version_current
from taxonomy.services import track_save
from tests.admin import snippet_url, track_form_data
from tests.factories import SubjectFactory, TopicFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web():
    subject = SubjectFactory(slug="web", name="Web development")
    topics = {
        slug: TopicFactory(slug=slug, subject=subject, position=position)
        for position, slug in enumerate(("html", "css", "http", "rest"), start=1)
    }
    return subject, topics


def _targets(track: Track) -> list[str]:
    return [
        link.topic.slug
        for link in track.target_links.select_related("topic").order_by("sort_order")
    ]


def _errors(response) -> str:
    context = response.context or {}
    form = context.get("form")
    return str(form.errors if form is not None else response.status_code)


def test_a_curator_creates_a_track_with_targets_in_their_order(
    curator_client, web
) -> None:
    subject, topics = web

    response = curator_client.post(
        snippet_url(Track, "add"),
        track_form_data(
            None,
            targets=[topics["rest"], topics["css"]],
            name="APIs first",
            slug="apis-first",
            subject=subject.pk,
        ),
    )

    assert response.status_code == 302, _errors(response)
    track = Track.objects.get(slug="apis-first")
    assert _targets(track) == ["rest", "css"]
    assert catalog_graph_get().tracks["apis-first"].targets == ("rest", "css")


def test_reordering_targets_round_trips_through_the_admin(curator_client, web) -> None:
    subject, topics = web
    track = TrackFactory(slug="full-stack", subject=subject)
    track_save(
        track=track,
        changes={},
        targets=[topics["css"], topics["rest"], topics["http"]],
    )
    url = snippet_url(Track, "edit", track.pk)
    before = catalog_version_current()
    assert catalog_graph_get().tracks["full-stack"].targets == ("css", "rest", "http")

    # Drag "http" to the top and drop "rest"; add "html" last.
    response = curator_client.post(
        url,
        track_form_data(track, targets=[topics["http"], topics["css"], topics["html"]]),
    )

    assert response.status_code == 302, _errors(response)
    assert _targets(track) == ["http", "css", "html"]
    assert catalog_version_current() > before
    assert catalog_graph_get().tracks["full-stack"].targets == ("http", "css", "html")
    # The edit form shows the rows in the new order.
    page = curator_client.get(url).content.decode()
    shown = [page.index(f'value="{topics[s].pk}"') for s in ("http", "css", "html")]
    assert 'name="target_links-TOTAL_FORMS"' in page
    assert shown == sorted(shown)


def test_saving_the_same_order_changes_nothing(curator_client, web) -> None:
    subject, topics = web
    track = TrackFactory(subject=subject, targets=[topics["css"]])
    before = catalog_version_current()

    response = curator_client.post(
        snippet_url(Track, "edit", track.pk),
        track_form_data(track, targets=[topics["css"]]),
    )

    assert response.status_code == 302, _errors(response)
    assert catalog_version_current() == before


def test_a_target_listed_twice_is_refused_by_name(curator_client, web) -> None:
    subject, topics = web
    track = TrackFactory(subject=subject, targets=[topics["css"]])
    data = track_form_data(track, targets=[topics["css"], topics["http"]])
    data["target_links-1-topic"] = str(topics["css"].pk)

    response = curator_client.post(snippet_url(Track, "edit", track.pk), data)

    assert response.status_code == 200
    assert "listed more than once: css" in response.content.decode()
    assert _targets(track) == ["css"]


def test_a_track_without_targets_is_refused(curator_client, web) -> None:
    subject, topics = web
    track = TrackFactory(subject=subject, targets=[topics["css"]])
    data = track_form_data(track, targets=[topics["css"]])
    data["target_links-0-DELETE"] = "on"

    response = curator_client.post(snippet_url(Track, "edit", track.pk), data)

    assert response.status_code == 200
    assert list(track.targets.all()) == [topics["css"]]
