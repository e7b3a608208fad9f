"""Choice groups over the API: anyone reads them, curators write them through
the admin's rules; topics and tracks show and take their groups."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from search.services import search_index_suspended
from taxonomy.models import ChoiceGroup, GroupPrerequisite, Track
from taxonomy.selectors import catalog_version_current
from tests.factories import (
    ChoiceGroupFactory,
    GroupPrerequisiteFactory,
    PrerequisiteFactory,
    SubjectFactory,
    TopicFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _database_search(settings):
    settings.SEARCH_BACKEND = "database"
    settings.MEILISEARCH_URL = ""


@pytest.fixture
def web(db) -> dict:
    """http; flask, django and fastapi on it; deployment after a framework."""
    with search_index_suspended():
        subject = SubjectFactory(slug="web", name="Web development")
        http = TopicFactory(slug="http", subject=subject)
        topics = {"http": http}
        for slug in ("flask", "django", "fastapi"):
            topics[slug] = TopicFactory(slug=slug, subject=subject)
            PrerequisiteFactory(topic=topics[slug], requires=http)
        group = ChoiceGroupFactory(
            slug="framework",
            name="Web framework",
            subject=subject,
            members=[topics["flask"], topics["django"]],
            default_member=topics["django"],
        )
        topics["deployment"] = TopicFactory(slug="deployment", subject=subject)
        GroupPrerequisiteFactory(topic=topics["deployment"], group=group)
        track = TrackFactory(slug="backend", subject=subject, targets=[http])
        track.target_groups.set([group])
        track.save()
    return topics


def _fields(response) -> dict:
    return response.json()["error"]["fields"]


def test_anyone_reads_groups_with_members_in_order(web) -> None:
    response = APIClient().get(f"{API}/choice-groups/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "slug": "framework",
            "name": "Web framework",
            "subject": "web",
            "description": "",
            "min_choices": 1,
            "default": "django",
            "members": ["flask", "django"],
        }
    ]
    one = APIClient().get(f"{API}/choice-groups/framework/")
    assert one.json()["members"] == ["flask", "django"]
    assert APIClient().get(f"{API}/choice-groups/nope/").status_code == 404
    other = APIClient().get(f"{API}/choice-groups/", {"subject": "nope"})
    assert other.status_code == 400


def test_topics_show_their_group_prerequisites_and_their_groups(web) -> None:
    topics = {
        t["slug"]: t
        for t in APIClient().get(f"{API}/topics/", {"page_size": 50}).json()["results"]
    }

    assert topics["deployment"]["group_prerequisites"] == [
        {"group": "framework", "kind": "required"}
    ]
    assert topics["flask"]["choice_groups"] == ["framework"]
    assert topics["http"]["choice_groups"] == []
    track = APIClient().get(f"{API}/tracks/backend/").json()
    assert track["target_groups"] == ["framework"]


@pytest.mark.parametrize("client", ["anonymous", "learner"])
def test_only_curators_write_groups(web, learner, client) -> None:
    caller = learner if client == "learner" else APIClient()
    body = {"slug": "g", "name": "G", "subject": "web", "members": ["flask", "http"]}

    created = caller.post(f"{API}/choice-groups/", body, format="json")
    changed = caller.patch(f"{API}/choice-groups/framework/", {"name": "X"})
    deleted = caller.delete(f"{API}/choice-groups/framework/")

    expected = 401 if client == "anonymous" else 403
    assert [created.status_code, changed.status_code, deleted.status_code] == [
        expected
    ] * 3
    assert ChoiceGroup.objects.get().name == "Web framework"


def test_a_curator_creates_a_group_and_the_version_moves_once(web, curator) -> None:
    before = catalog_version_current()

    response = curator.post(
        f"{API}/choice-groups/",
        {
            "slug": "async-framework",
            "name": "Async framework",
            "subject": "web",
            "min_choices": 1,
            "default": None,
            "members": ["fastapi", "flask"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["members"] == ["fastapi", "flask"]
    assert response.json()["default"] is None
    assert catalog_version_current() == before + 1


def test_a_patch_reorders_members_and_sets_the_default_once(web, curator) -> None:
    before = catalog_version_current()

    response = curator.patch(
        f"{API}/choice-groups/framework/",
        {"members": ["fastapi", "django", "flask"], "default": "fastapi"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["members"] == ["fastapi", "django", "flask"]
    assert response.json()["default"] == "fastapi"
    assert catalog_version_current() == before + 1
    unchanged = curator.patch(
        f"{API}/choice-groups/framework/",
        {"members": ["fastapi", "django", "flask"]},
        format="json",
    )
    assert unchanged.status_code == 200
    assert catalog_version_current() == before + 1


def test_broken_rules_are_refused_naming_the_topics(web, curator) -> None:
    other = TopicFactory(slug="pandas", subject=SubjectFactory(name="Data"))
    response = curator.patch(
        f"{API}/choice-groups/framework/",
        {"members": ["flask", other.slug], "min_choices": 3, "default": "http"},
        format="json",
    )

    assert response.status_code == 400
    fields = _fields(response)
    assert "pandas (Data) is not" in fields["members"][0]
    assert "At least 3 of 2 members" in fields["min_choices"][0]
    assert "The default, http, is not a member" in fields["default"][0]
    one = curator.post(
        f"{API}/choice-groups/",
        {"slug": "one", "name": "One", "subject": "web", "members": ["flask"]},
        format="json",
    )
    assert "at least 2 members" in _fields(one)["members"][0]
    unknown = curator.patch(
        f"{API}/choice-groups/framework/",
        {"members": ["flask", "rails"]},
        format="json",
    )
    assert unknown.status_code == 400
    assert "members" in _fields(unknown)


def test_a_member_requiring_its_group_is_refused_with_the_cycle(web, curator) -> None:
    before = catalog_version_current()
    response = curator.patch(
        f"{API}/choice-groups/framework/",
        {"members": ["flask", "deployment"], "default": "flask"},
        format="json",
    )

    assert response.status_code == 400
    assert (
        "framework (group) -> deployment -> framework (group)"
        in _fields(response)["members"][0]
    )
    assert catalog_version_current() == before


def test_a_topic_group_prerequisite_cycle_is_refused_with_the_cycle(
    web, curator
) -> None:
    response = curator.patch(
        f"{API}/topics/http/",
        {"group_prerequisites": [{"group": "framework"}]},
        format="json",
    )

    assert response.status_code == 400
    assert (
        "http -> framework (group) -> django -> http"
        in _fields(response)["group_prerequisites"][0]
    )
    assert not GroupPrerequisite.objects.filter(topic__slug="http").exists()


def test_a_topic_patch_replaces_group_prerequisites_once(web, curator) -> None:
    before = catalog_version_current()

    response = curator.patch(
        f"{API}/topics/deployment/",
        {"group_prerequisites": [{"group": "framework", "kind": "recommended"}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["group_prerequisites"] == [
        {"group": "framework", "kind": "recommended"}
    ]
    assert catalog_version_current() == before + 1
    # choice_groups is read-only: a client cannot set memberships on a topic.
    ignored = curator.patch(
        f"{API}/topics/http/", {"choice_groups": ["framework"]}, format="json"
    )
    assert ignored.status_code == 200
    assert ignored.json()["choice_groups"] == []


def test_a_track_patch_replaces_target_groups(web, curator) -> None:
    response = curator.patch(
        f"{API}/tracks/backend/", {"target_groups": []}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["target_groups"] == []
    assert not Track.objects.get().target_groups.exists()


def test_a_curator_deletes_a_group_and_its_links_go_with_it(web, curator) -> None:
    response = curator.delete(f"{API}/choice-groups/framework/")

    assert response.status_code == 204
    assert not ChoiceGroup.objects.exists()
    assert not GroupPrerequisite.objects.exists()
    assert web["flask"].choice_memberships.count() == 0
