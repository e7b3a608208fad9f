"""Admin pages answer 200 for a curator and refuse a learner."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.urls import reverse

import pytest

from catalog.groups import (
    CURATORS_GROUP,
    curator_permission_names,
    curators_group_ensure,
)
from catalog.models import Provider, Resource
from taxonomy.models import Subject, Topic, Track
from tests.admin import curator_user, learner_user, snippet_url
from tests.factories import (
    PrerequisiteFactory,
    ResourceFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> dict[str, Any]:
    topic = TopicFactory()
    PrerequisiteFactory(topic=TopicFactory(subject=topic.subject), requires=topic)
    resource = ResourceFactory(topics=[topic])
    track = TrackFactory(subject=topic.subject, targets=[topic])
    return {
        Subject: topic.subject,
        Topic: topic,
        Track: track,
        Provider: resource.provider,
        Resource: resource,
    }


def admin_pages(catalog: dict[str, Any]) -> list[str]:
    pages = [
        reverse("wagtailadmin_home"),
        reverse("catalog_admin:health"),
        reverse("catalog_admin:import"),
        reverse("catalog_admin:export"),
    ]
    for model, instance in catalog.items():
        pages += [
            snippet_url(model, "list"),
            snippet_url(model, "add"),
            snippet_url(model, "edit", instance.pk),
            snippet_url(model, "delete", instance.pk),
        ]
    return pages


def test_curators_group_edits_the_catalog_and_only_views_learner_data() -> None:
    group = Group.objects.get(name=CURATORS_GROUP)
    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }

    assert held == set(curator_permission_names())
    assert "wagtailadmin.access_admin" in held
    assert "taxonomy.change_topic" in held
    assert "catalog.delete_resourcelink" in held
    assert not {p for p in held if p.startswith(("auth.", "wagtailusers."))}
    learner_data = {p for p in held if p.startswith(("roadmaps.", "planner."))}
    assert learner_data == {"roadmaps.view_roadmap", "planner.view_planningjob"}


def test_curators_group_ensure_is_idempotent() -> None:
    before = Group.objects.get(name=CURATORS_GROUP).permissions.count()

    curators_group_ensure()
    curators_group_ensure()

    assert Group.objects.filter(name=CURATORS_GROUP).count() == 1
    assert Group.objects.get(name=CURATORS_GROUP).permissions.count() == before


def test_every_admin_page_answers_200_for_a_curator(client, catalog) -> None:
    client.force_login(curator_user())

    for url in admin_pages(catalog):
        response = client.get(url)
        assert response.status_code == 200, url


def test_every_admin_page_refuses_a_learner(client, catalog) -> None:
    client.force_login(learner_user())

    for url in admin_pages(catalog):
        response = client.get(url)
        assert response.status_code in {302, 403}, url
        if response.status_code == 302:
            # Sent to their own pages (wayfinder/admin_access.py).
            assert response["Location"] == reverse("roadmaps:list"), url


def test_anonymous_visitor_is_sent_to_login(client, catalog) -> None:
    for url in admin_pages(catalog):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("wagtailadmin_login") in response["Location"], url


def test_curator_cannot_manage_users_or_groups(client) -> None:
    client.force_login(curator_user())

    for url in (
        reverse("wagtailusers_users:index"),
        reverse("wagtailusers_groups:index"),
    ):
        response = client.get(url)
        assert response.status_code in {302, 403}, url


def test_admin_without_catalog_permissions_cannot_open_report_or_import(client) -> None:
    """Admin access alone is not enough: the catalog pages check their own rights."""
    user = learner_user("editor")
    user.user_permissions.add(
        *Group.objects.get(name=CURATORS_GROUP).permissions.filter(
            codename="access_admin"
        )
    )
    client.force_login(user)

    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    for name in (
        "catalog_admin:health",
        "catalog_admin:import",
        "catalog_admin:export",
    ):
        response = client.get(reverse(name))
        # Wagtail turns PermissionDenied into a redirect to the dashboard.
        assert response.status_code in {302, 403}, name
        if response.status_code == 302:
            assert response["Location"] == reverse("wagtailadmin_home"), name


def test_catalog_menu_lists_the_snippets_and_the_report(client) -> None:
    client.force_login(curator_user())

    response = client.get(reverse("wagtailadmin_home"))

    content = response.content.decode()
    for label in (
        "Catalog",
        "Subjects",
        "Topics",
        "Tracks",
        "Providers",
        "Resources",
        "Health report",
        "Import / export",
    ):
        assert label in content, label
