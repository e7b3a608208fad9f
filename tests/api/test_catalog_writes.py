"""The catalog over the API: anyone reads it, curators write it.

Writes go through the admin's validation (slugs, names unique ignoring case,
an acyclic prerequisite graph with the cycle named), move the catalog version
exactly once each, and never let a client set a server-owned field.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

import pytest
from rest_framework.test import APIClient

from catalog.models import Provider, Resource, ResourceLink
from search.services import search_index_suspended
from taxonomy.enums import LinkHealth
from taxonomy.models import Prerequisite, Subject, Topic, Track
from taxonomy.selectors import catalog_version_current
from tests.factories import (
    PrerequisiteFactory,
    ProviderFactory,
    ResourceFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _database_search(settings):
    settings.SEARCH_BACKEND = "database"
    settings.MEILISEARCH_URL = ""


@pytest.fixture
def catalog(db) -> dict:
    with search_index_suspended():
        python = SubjectFactory(slug="python", name="Python")
        basics = TopicFactory(slug="basics", subject=python)
        loops = TopicFactory(slug="loops", subject=python)
        functions = TopicFactory(slug="functions", subject=python)
        PrerequisiteFactory(topic=loops, requires=basics)
        PrerequisiteFactory(topic=functions, requires=loops)
        provider = ProviderFactory(slug="real-python", name="Real Python")
        resource = ResourceFactory(
            slug="loops-article", provider=provider, topics=[loops]
        )
        TrackFactory(slug="starter", subject=python, targets=[loops])
    return {"python": python, "basics": basics, "provider": provider, "r": resource}


def _resource_body(**overrides) -> dict:
    body = {
        "slug": "functions-video",
        "title": "Functions, on video",
        "provider": "real-python",
        "format": "video",
        "language": "en",
        "level": "beginner",
        "duration_minutes": 25,
        "cost": "free",
        "age_ranges": ["adult"],
        "tags": ["python"],
        "topics": [{"topic": "functions", "coverage": "0.80"}],
        "links": [
            {"url": "https://example.org/functions", "kind": "primary"},
            {"url": "https://example.org/functions.txt", "kind": "transcript"},
        ],
    }
    return {**body, **overrides}


def _fields(response) -> dict:
    return response.json()["error"]["fields"]


# -- who may write ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["subjects", "topics", "tracks", "providers", "resources"]
)
def test_anyone_reads_the_catalog(catalog, path):
    response = APIClient().get(f"{API}/{path}/")
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_providers_are_listed_and_read_by_slug(catalog):
    api = APIClient()
    listed = api.get(f"{API}/providers/").json()["results"]
    assert [p["slug"] for p in listed] == ["real-python"]
    provider = api.get(f"{API}/providers/real-python/").json()
    assert provider == {
        "slug": "real-python",
        "name": "Real Python",
        "url": "https://real-python.example.org/",
        "trust_score": "0.80",
    }
    assert api.get(f"{API}/providers/nope/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "learner", "staff", "partner"])
def test_only_curators_write(catalog, learner, who):
    client = APIClient()
    if who == "learner":
        client = learner
    elif who != "anonymous":
        user = UserFactory(username=who, is_staff=who == "staff")
        if who == "partner":
            user.groups.add(Group.objects.get_or_create(name="Partners")[0])
        client.force_authenticate(user)
    before = catalog_version_current()

    created = client.post(f"{API}/subjects/", {"slug": "go", "name": "Go"})
    changed = client.patch(f"{API}/providers/real-python/", {"name": "RP"})
    deleted = client.delete(f"{API}/resources/loops-article/")

    expected = {401, 403} if who == "anonymous" else {403}
    for response in (created, changed, deleted):
        assert response.status_code in expected
        assert response.json()["error"]["code"] in {
            "not_authenticated",
            "permission_denied",
        }
    assert not Subject.objects.filter(slug="go").exists()
    assert Provider.objects.get().name == "Real Python"
    assert Resource.objects.filter(slug="loops-article").exists()
    assert catalog_version_current() == before


def test_a_superuser_writes_too(catalog):
    client = APIClient()
    client.force_authenticate(UserFactory(username="root", is_superuser=True))
    response = client.post(f"{API}/subjects/", {"slug": "go", "name": "Go"})
    assert response.status_code == 201


def test_there_is_no_put(catalog, curator):
    response = curator.put(f"{API}/subjects/python/", {"slug": "python", "name": "P"})
    assert response.status_code == 405


# -- subjects and providers ---------------------------------------------------------


def test_a_curator_creates_a_subject_and_the_version_moves_once(catalog, curator):
    before = catalog_version_current()
    response = curator.post(
        f"{API}/subjects/",
        {"slug": "go", "name": "Go", "languages": ["es", "en"]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json() == {
        "slug": "go",
        "name": "Go",
        "description": "",
        "languages": ["en", "es"],  # the model's clean() sorts them
    }
    assert catalog_version_current() == before + 1
    assert APIClient().get(f"{API}/subjects/go/").status_code == 200


def test_a_patch_that_changes_nothing_leaves_the_version(catalog, curator):
    before = catalog_version_current()
    response = curator.patch(f"{API}/subjects/python/", {"name": "Python"})
    assert response.status_code == 200
    assert catalog_version_current() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Go", "name": "Go"}, "slug"),  # slugs are lowercase
        ({"slug": "python", "name": "Go"}, "slug"),  # taken
        ({"slug": "go", "name": ""}, "name"),
        ({"slug": "go", "name": "Go", "languages": ["xx"]}, "languages.0"),
    ],
)
def test_invalid_subjects_are_refused_naming_the_field(catalog, curator, body, field):
    before = catalog_version_current()
    response = curator.post(f"{API}/subjects/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert any(name.startswith(field) for name in _fields(response))
    assert catalog_version_current() == before
    assert Subject.objects.count() == 1


def test_a_subject_name_is_unique_ignoring_case(catalog, curator):
    response = curator.post(f"{API}/subjects/", {"slug": "py", "name": "PYTHON"})
    assert response.status_code == 400
    assert "already exists" in response.json()["error"]["message"]
    assert not Subject.objects.filter(slug="py").exists()


def test_a_provider_with_resources_cannot_be_deleted(catalog, curator):
    before = catalog_version_current()
    response = curator.delete(f"{API}/providers/real-python/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "protected"
    assert catalog["r"].title in error["message"]
    assert Provider.objects.filter(slug="real-python").exists()
    assert catalog_version_current() == before


def test_a_curator_creates_changes_and_deletes_a_provider(catalog, curator):
    created = curator.post(
        f"{API}/providers/",
        {"slug": "mdn", "name": "MDN", "url": "https://mdn.example.org/"},
    )
    assert created.status_code == 201
    assert created.json()["trust_score"] == "0.70"
    changed = curator.patch(f"{API}/providers/mdn/", {"trust_score": "0.95"})
    assert changed.json()["trust_score"] == "0.95"
    assert (
        curator.patch(f"{API}/providers/mdn/", {"trust_score": "2"}).status_code == 400
    )
    before = catalog_version_current()
    assert curator.delete(f"{API}/providers/mdn/").status_code == 204
    assert catalog_version_current() == before + 1
    assert not Provider.objects.filter(slug="mdn").exists()


# -- topics: the prerequisite graph -------------------------------------------------


def _topic_body(**overrides) -> dict:
    body = {
        "slug": "classes",
        "name": "Classes",
        "subject": "python",
        "estimated_hours": "4.5",
        "objectives": ["Define a class"],
        "mastery_description": "Write one.",
        "prerequisites": [{"topic": "functions", "kind": "required"}],
    }
    return {**body, **overrides}


def test_a_curator_creates_a_topic_with_prerequisites_once(catalog, curator):
    before = catalog_version_current()
    response = curator.post(f"{API}/topics/", _topic_body(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["subject"] == "python"
    assert body["prerequisites"] == [{"topic": "functions", "kind": "required"}]
    assert catalog_version_current() == before + 1  # the topic and its edge: once


def test_a_prerequisite_cycle_is_refused_with_the_cycle_named(catalog, curator):
    before = catalog_version_current()
    response = curator.patch(
        f"{API}/topics/basics/",
        {"prerequisites": [{"topic": "functions"}]},
        format="json",
    )
    assert response.status_code == 400
    (message,) = _fields(response)["prerequisites"]
    assert "basics -> functions -> loops -> basics" in message
    assert not Prerequisite.objects.filter(topic__slug="basics").exists()
    assert catalog_version_current() == before


def test_a_topic_cannot_require_itself_or_list_one_twice(catalog, curator):
    itself = curator.patch(
        f"{API}/topics/loops/", {"prerequisites": [{"topic": "loops"}]}, format="json"
    )
    assert "loops -> loops" in _fields(itself)["prerequisites"][0]
    twice = curator.post(
        f"{API}/topics/",
        _topic_body(prerequisites=[{"topic": "basics"}, {"topic": "basics"}]),
        format="json",
    )
    assert "basics" in _fields(twice)["prerequisites"][0]
    assert not Topic.objects.filter(slug="classes").exists()


def test_replacing_prerequisites_moves_the_version_once(catalog, curator):
    before = catalog_version_current()
    response = curator.patch(
        f"{API}/topics/functions/",
        {
            "name": "Functions and scope",
            "prerequisites": [
                {"topic": "basics", "kind": "required"},
                {"topic": "loops", "kind": "recommended"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["prerequisites"] == [
        {"topic": "basics", "kind": "required"},
        {"topic": "loops", "kind": "recommended"},
    ]
    assert catalog_version_current() == before + 1


def test_deleting_a_topic_takes_its_edges_and_a_used_subject_stays(catalog, curator):
    before = catalog_version_current()
    assert curator.delete(f"{API}/topics/loops/").status_code == 204
    assert catalog_version_current() == before + 1
    assert not Prerequisite.objects.filter(requires__slug="loops").exists()
    response = curator.delete(f"{API}/subjects/python/")
    assert response.status_code == 409
    assert Subject.objects.filter(slug="python").exists()


# -- tracks -------------------------------------------------------------------------


def test_a_curator_creates_a_track_and_it_needs_targets(catalog, curator):
    body = {"slug": "dev", "name": "Developer", "subject": "python"}
    empty = curator.post(f"{API}/tracks/", {**body, "targets": []}, format="json")
    assert empty.status_code == 400
    assert "targets" in _fields(empty)
    before = catalog_version_current()
    created = curator.post(
        f"{API}/tracks/", {**body, "targets": ["functions", "loops"]}, format="json"
    )
    assert created.status_code == 201
    assert sorted(created.json()["targets"]) == ["functions", "loops"]
    assert catalog_version_current() == before + 1
    changed = curator.patch(
        f"{API}/tracks/dev/", {"targets": ["basics"]}, format="json"
    )
    assert changed.json()["targets"] == ["basics"]
    assert [t.slug for t in Track.objects.get(slug="dev").targets.all()] == ["basics"]


def test_a_tracks_targets_are_an_ordered_list(catalog, curator):
    body = {"slug": "dev", "name": "Developer", "subject": "python"}
    created = curator.post(
        f"{API}/tracks/", {**body, "targets": ["loops", "basics"]}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["targets"] == ["loops", "basics"]
    before = catalog_version_current()

    reordered = curator.patch(
        f"{API}/tracks/dev/", {"targets": ["basics", "loops"]}, format="json"
    )

    assert reordered.json()["targets"] == ["basics", "loops"]
    assert curator.get(f"{API}/tracks/dev/").json()["targets"] == ["basics", "loops"]
    assert catalog_version_current() == before + 1
    same = curator.patch(
        f"{API}/tracks/dev/", {"targets": ["basics", "loops"]}, format="json"
    )
    assert same.status_code == 200
    assert catalog_version_current() == before + 1  # no change, no move
    twice = curator.patch(
        f"{API}/tracks/dev/", {"targets": ["loops", "loops"]}, format="json"
    )
    assert twice.status_code == 400
    assert "listed more than once: loops" in str(twice.json())


# -- resources ----------------------------------------------------------------------


def test_a_curator_creates_a_resource_with_topics_and_links(catalog, curator):
    before = catalog_version_current()
    response = curator.post(f"{API}/resources/", _resource_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url"] == "https://example.org/functions"
    assert body["provider"]["slug"] == "real-python"
    assert body["topics"][0]["slug"] == "functions"
    assert body["topics"][0]["coverage"] == "0.80"
    assert {link["kind"] for link in body["links"]} == {"primary", "transcript"}
    assert body["link_health"] == LinkHealth.UNCHECKED
    assert catalog_version_current() == before + 1


def test_server_owned_fields_are_ignored(catalog, curator):
    response = curator.post(
        f"{API}/resources/",
        _resource_body(
            link_health="healthy",
            feedback_up=900,
            links=[
                {
                    "url": "https://example.org/functions",
                    "kind": "primary",
                    "healthy": True,
                    "last_checked_at": "2026-01-01T00:00:00Z",
                }
            ],
        ),
        format="json",
    )
    assert response.status_code == 201
    resource = Resource.objects.get(slug="functions-video")
    assert (resource.link_health, resource.feedback_up) == (LinkHealth.UNCHECKED, 0)
    link = resource.links.get()
    assert (link.healthy, link.last_checked_at) == (None, None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"links": [{"url": "https://example.org/a", "kind": "mirror"}]}, "links"),
        (
            {
                "links": [
                    {"url": "https://example.org/a", "kind": "primary"},
                    {"url": "https://example.org/b", "kind": "primary"},
                ]
            },
            "links",
        ),
        ({"links": []}, "links"),
        ({"topics": []}, "topics"),
        ({"topics": [{"topic": "nope", "coverage": "1"}]}, "topics.0.topic"),
        ({"topics": [{"topic": "loops", "coverage": "0"}]}, "topics.0.coverage"),
        ({"provider": "nope"}, "provider"),
        ({"level": "guru"}, "level"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"age_ranges": ["toddler"]}, "age_ranges.0"),
        ({"slug": "Functions"}, "slug"),
    ],
)
def test_invalid_resources_are_refused_naming_the_field(
    catalog, curator, overrides, field
):
    before = catalog_version_current()
    response = curator.post(
        f"{API}/resources/", _resource_body(**overrides), format="json"
    )
    assert response.status_code == 400
    assert any(name.startswith(field) for name in _fields(response))
    assert not Resource.objects.filter(slug="functions-video").exists()
    assert catalog_version_current() == before


def test_a_kept_link_keeps_its_verdict_and_a_new_url_starts_unchecked(catalog, curator):
    resource = catalog["r"]
    primary = resource.links.get()
    ResourceLink.objects.filter(pk=primary.pk).update(healthy=True)
    Resource.objects.filter(pk=resource.pk).update(link_health=LinkHealth.HEALTHY)
    before = catalog_version_current()

    response = curator.patch(
        f"{API}/resources/loops-article/",
        {
            "title": "Loops, explained",
            "links": [
                {"url": primary.url, "kind": "primary"},
                {"url": "https://example.org/mirror", "kind": "mirror"},
            ],
        },
        format="json",
    )

    assert response.status_code == 200
    links = {link["url"]: link["healthy"] for link in response.json()["links"]}
    assert links == {primary.url: True, "https://example.org/mirror": None}
    assert catalog_version_current() == before + 1


def test_moving_the_primary_link_between_urls_works(catalog, curator):
    old = catalog["r"].links.get().url
    response = curator.patch(
        f"{API}/resources/loops-article/",
        {
            "links": [
                {"url": old, "kind": "mirror"},
                {"url": "https://example.org/new", "kind": "primary"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["url"] == "https://example.org/new"


def test_a_curator_reaches_a_broken_resource_that_reads_hide(catalog, curator):
    Resource.objects.filter(slug="loops-article").update(link_health=LinkHealth.BROKEN)
    assert APIClient().get(f"{API}/resources/loops-article/").status_code == 404
    response = curator.patch(
        f"{API}/resources/loops-article/",
        {"links": [{"url": "https://example.org/fixed", "kind": "primary"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["link_health"] == LinkHealth.UNCHECKED
    assert APIClient().get(f"{API}/resources/loops-article/").status_code == 200


def test_deleting_a_resource_moves_the_version_once(catalog, curator):
    before = catalog_version_current()
    assert curator.delete(f"{API}/resources/loops-article/").status_code == 204
    assert catalog_version_current() == before + 1
    assert not ResourceLink.objects.exists()
