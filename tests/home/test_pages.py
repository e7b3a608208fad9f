"""The public site answers from a fresh database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_home_page_is_served_from_the_wagtail_tree(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Wayfinder</h1>" in html
    assert 'href="#main"' in html, "the skip link is missing"
    assert '<html lang="en">' in html


def test_the_admin_login_page_is_served(client):
    assert client.get("/admin/login/").status_code == 200


def test_the_home_page_lists_subjects_with_their_tracks_in_bounded_queries(
    client, django_assert_max_num_queries
):
    from tests.factories import SubjectFactory, TopicFactory, TrackFactory

    for n in range(4):
        subject = SubjectFactory(slug=f"s{n}", name=f"Subject {n}")
        topic = TopicFactory(subject=subject)
        TrackFactory(subject=subject, name=f"Track {n}", targets=[topic])
    with django_assert_max_num_queries(12):
        response = client.get("/")
    html = response.content.decode()
    assert 'href="/search/?subject=s2"' in html
    assert "Track 3" in html
    assert "1 topic" in html
    assert 'role="search"' in html
