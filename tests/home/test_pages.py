"""The home page, standard pages and the error pages."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.test import Client

import pytest

from home.models import StandardPage

from .conftest import add_subject_page, build_small_catalog

pytestmark = pytest.mark.django_db


def test_the_home_page_is_served_from_the_wagtail_tree(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Wayfinder</h1>" in html
    assert 'href="#main"' in html, "the skip link is missing"
    assert '<html lang="en">' in html
    assert 'rel="icon" href="/static/favicon.svg"' in html


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


def test_the_home_page_costs_the_same_queries_for_2_or_8_subjects(
    client, home_page, django_assert_num_queries
):
    from tests.factories import SubjectFactory, TopicFactory, TrackFactory

    def add_subjects(start: int, stop: int) -> None:
        for n in range(start, stop):
            subject = SubjectFactory(slug=f"s{n}", name=f"Subject {n}")
            TrackFactory(subject=subject, targets=[TopicFactory(subject=subject)])
            add_subject_page(home_page, subject)

    add_subjects(0, 2)
    client.get("/")  # Wagtail caches the sites' root paths on first use
    with django_assert_num_queries(HOME_QUERIES):
        client.get("/")
    add_subjects(2, 8)
    client.get("/")
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")
    assert response.content.decode().count('class="subject-card"') == 8


# Wagtail's routing (site, page, aliases, view restrictions: four), the
# subjects with their topic counts, their tracks, and their live subject pages.
HOME_QUERIES = 7


def test_subjects_link_to_their_pages_and_tracks_to_their_place_on_it(
    client, home_page
):
    catalog = build_small_catalog()
    add_subject_page(home_page, catalog.subject)

    html = client.get("/").content.decode()

    assert '<a href="/astronomy/">Astronomy</a>' in html
    assert '<a href="/astronomy/#track-astronomy-first-steps">First steps</a>' in html
    assert "offered in English, Spanish" in html
    assert "en, es" not in html


def test_the_home_content_has_one_h1_and_the_build_my_roadmap_action(client, home_page):
    from home.services import HOME_BODY

    home_page.body = HOME_BODY
    home_page.save_revision().publish()

    html = client.get("/").content.decode()

    assert html.count("<h1") == 1
    assert '<h1 id="hero-heading">A learning roadmap made for you</h1>' in html
    # The action starts the onboarding wizard.
    assert 'class="button" href="/onboarding/"' in html
    assert ">Build my roadmap</a>" in html
    assert "How it works" in html
    assert html.count('id="subjects"') == 1


def test_a_standard_page_renders_its_body(client, home_page):
    page = StandardPage(
        title="Privacy",
        slug="privacy",
        intro="What we keep.",
        body=[
            {"type": "heading", "value": "What we keep"},
            {"type": "text", "value": "<p>Your <b>answers</b>.</p>"},
            {"type": "callout", "value": {"heading": "Note", "text": "<p>Hi</p>"}},
        ],
    )
    home_page.add_child(instance=page)

    response = client.get("/privacy/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Privacy</h1>" in html
    assert "<h2>What we keep</h2>" in html
    assert "<b>answers</b>" in html
    assert 'class="callout"' in html


def test_page_types_sit_only_where_they_belong():
    from home.models import HomePage, SubjectPage

    assert HomePage.allowed_subpage_models() == [SubjectPage, StandardPage]
    assert SubjectPage.allowed_parent_page_models() == [HomePage]
    assert SubjectPage.allowed_subpage_models() == []
    assert StandardPage.allowed_parent_page_models() == [HomePage]


def test_a_missing_page_answers_404_in_the_site_style(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "We can’t find that page" in html
    assert 'href="#main"' in html
    assert 'href="/search/"' in html


def test_the_500_page_needs_no_database_and_no_request(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "/static/css/site.css" in html
    assert html.count("<h1") == 1


def test_a_failing_view_answers_with_the_500_page(settings):
    settings.ROOT_URLCONF = "tests.home.urls"
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_favicon_is_a_static_svg():
    from django.contrib.staticfiles import finders

    path = finders.find("favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as svg:
        assert svg.read().startswith("<svg")


def test_editors_can_open_the_page_forms_in_the_admin(client, home_page):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for model in ("subjectpage", "standardpage"):
        url = f"/admin/pages/add/home/{model}/{home_page.pk}/"
        assert client.get(url).status_code == 200, url
    assert client.get(f"/admin/pages/{home_page.pk}/edit/").status_code == 200
