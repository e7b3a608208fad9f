"""Sharing a roadmap with partners: grants as django-guardian object
permissions, what a partner reads and exports, and what it may not do."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from catalog.groups import CURATORS_GROUP, curators_group_ensure
from learners.roles import PARTNERS_GROUP
from planner.services import job_execute, roadmap_regenerate
from roadmaps.models import (
    Roadmap,
    RoadmapStep,
    RoadmapUserObjectPermission,
    RoadmapVersion,
)
from roadmaps.services.sharing import roadmap_share_grant
from tests.factories import UserFactory
from tests.roadmaps.conftest import roadmap_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path) -> Path:
    location = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def partner_user(username: str = "acme"):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=PARTNERS_GROUP)[0])
    return user


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(roadmap, tail: str = "") -> str:
    return f"/api/v1/roadmaps/{roadmap.pk}/{tail}"


@pytest.fixture
def partner(db):
    return partner_user()


@pytest.fixture
def owner_api(learner) -> APIClient:
    return api(learner)


@pytest.fixture
def shared(roadmap, partner, owner_api):
    answer = owner_api.post(url(roadmap, "shares/"), {"partner": "acme"}, format="json")
    assert answer.status_code == 201, answer.content
    return roadmap


# -- granting and revoking ---------------------------------------------------------
def test_the_owner_shares_with_a_partner_and_granting_again_changes_nothing(
    roadmap, partner, owner_api
):
    first = owner_api.post(url(roadmap, "shares/"), {"partner": "acme"}, format="json")
    assert first.status_code == 201
    expected = {
        "partner_id": partner.pk,
        "partner": "acme",
        "permissions": ["view_roadmap", "export_roadmap"],
    }
    assert first.json() == expected
    again = owner_api.post(url(roadmap, "shares/"), {"partner": "acme"}, format="json")
    assert again.status_code == 200 and again.json() == expected
    listed = owner_api.get(url(roadmap, "shares/")).json()
    assert [(s["partner_id"], sorted(s["permissions"])) for s in listed] == [
        (partner.pk, ["export_roadmap", "view_roadmap"])
    ]
    assert RoadmapUserObjectPermission.objects.filter(user=partner).count() == 2


def test_sharing_with_anyone_but_a_partner_answers_the_same_400(
    roadmap, owner_api, stranger
):
    curator = UserFactory(username="cura")
    curators_group_ensure()
    curator.groups.add(Group.objects.get(name=CURATORS_GROUP))
    inactive = partner_user("gone")
    inactive.is_active = False
    inactive.save()
    for name in ("stranger", "nobody-at-all", "cura", "gone"):
        answer = owner_api.post(
            url(roadmap, "shares/"), {"partner": name}, format="json"
        )
        assert answer.status_code == 400, name
        error = answer.json()["error"]
        assert error["code"] == "no_such_partner"
        assert error["fields"] == {"partner": [f"No partner named {name!r}."]}
    assert not RoadmapUserObjectPermission.objects.exists()


def test_a_share_body_without_a_partner_is_a_field_error(roadmap, owner_api):
    answer = owner_api.post(url(roadmap, "shares/"), {"partner": 7}, format="json")
    assert answer.status_code == 400
    missing = owner_api.post(url(roadmap, "shares/"), {}, format="json")
    assert missing.status_code == 400
    assert "partner" in missing.json()["error"]["fields"]


def test_revoking_ends_access_and_revoking_again_is_harmless(
    shared, partner, owner_api
):
    reader = api(partner)
    assert reader.get(url(shared)).status_code == 200
    assert owner_api.delete(url(shared, f"shares/{partner.pk}/")).status_code == 204
    assert reader.get(url(shared)).status_code == 404
    assert reader.get("/api/v1/roadmaps/").json()["results"] == []
    assert owner_api.delete(url(shared, f"shares/{partner.pk}/")).status_code == 204
    assert owner_api.delete(url(shared, "shares/999999/")).status_code == 204
    assert owner_api.get(url(shared, "shares/")).json() == []


def test_only_the_owner_manages_shares(shared, partner, stranger):
    reader = api(partner)
    for method, tail in (
        ("get", "shares/"),
        ("post", "shares/"),
        ("delete", f"shares/{partner.pk}/"),
    ):
        answer = getattr(reader, method)(url(shared, tail), {"partner": "acme"})
        assert answer.status_code == 403, (method, tail)
        answer = getattr(api(stranger), method)(url(shared, tail), {"partner": "x"})
        assert answer.status_code == 404, (method, tail)


# -- what a partner sees -------------------------------------------------------------
def test_a_partner_lists_exactly_the_roadmaps_shared_with_it(
    shared, partner, learner, stranger
):
    roadmap_plan(learner, weekly_hours="3 hours")
    roadmap_plan(stranger)
    listed = api(partner).get("/api/v1/roadmaps/").json()["results"]
    assert [r["id"] for r in listed] == [shared.pk]


def test_a_partner_reads_the_plan_and_progress_but_not_the_notes(
    shared, partner, owner_api
):
    step = RoadmapStep.objects.filter(version=shared.current).first()
    owner_api.patch(
        url(shared, f"steps/{step.pk}/"), {"notes": "my private worry"}, format="json"
    )
    owner_api.post(
        url(shared, f"steps/{step.pk}/mastery/"),
        {"passed": True, "note": "secret mastery note"},
        format="json",
    )
    answer = api(partner).get(url(shared))
    assert answer.status_code == 200
    assert b"my private worry" not in answer.content
    assert b"secret mastery note" not in answer.content
    seen = {s["id"]: s for s in answer.json()["steps"]}[step.pk]
    assert seen["notes"] is None and seen["mastery"]["note"] is None
    assert seen["mastery"]["passed"] is True
    mine = {s["id"]: s for s in owner_api.get(url(shared)).json()["steps"]}[step.pk]
    assert mine["notes"] == "my private worry"


def test_a_partner_reads_versions_and_diffs(shared, partner, learner):
    job = roadmap_regenerate(roadmap_id=shared.pk, actor=learner)
    job_execute(job_id=job.pk, worker_id="test")
    reader = api(partner)
    versions = reader.get(url(shared, "versions/")).json()
    assert [v["number"] for v in versions] == [1, 2]
    assert reader.get(url(shared, "versions/1/")).status_code == 200
    diff = reader.get(url(shared, "versions/2/diff/")).json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)


def test_a_partner_exports_the_same_bytes_as_the_owner(shared, partner, owner_api):
    theirs = api(partner).post(url(shared, "export/"))
    assert theirs.status_code == 200
    mine = owner_api.post(url(shared, "export/")).json()
    assert theirs.json()["sha256"] == mine["sha256"]
    assert theirs.json()["id"] == mine["id"]


def test_a_partner_changes_nothing_on_a_shared_roadmap(shared, partner):
    step = RoadmapStep.objects.filter(version=shared.current).first()
    row = step.resources.first()
    reader = api(partner)
    for method, tail, body in (
        ("post", f"steps/{step.pk}/start/", {}),
        ("post", f"steps/{step.pk}/complete/", {}),
        ("post", f"steps/{step.pk}/skip/", {}),
        ("post", f"steps/{step.pk}/undo/", {}),
        ("patch", f"steps/{step.pk}/", {"notes": "mine now"}),
        ("post", f"steps/{step.pk}/mastery/", {"passed": True}),
        ("patch", f"steps/{step.pk}/resources/{row.pk}/", {"pinned": True}),
        ("put", f"steps/{step.pk}/resources/{row.pk}/feedback/", {"helpful": True}),
        ("post", "regenerate/", {}),
    ):
        answer = getattr(reader, method)(url(shared, tail), body, format="json")
        assert answer.status_code == 403, (method, tail)
        assert answer.json()["error"]["code"] == "permission_denied"
    step.refresh_from_db()
    assert (step.state, step.notes, step.mastery_passed_at) == ("active", "", None)
    assert RoadmapVersion.objects.filter(roadmap=shared).count() == 1


def test_a_partner_who_leaves_the_partners_group_sees_nothing(shared, partner):
    partner.groups.clear()
    reader = api(partner)
    assert reader.get("/api/v1/roadmaps/").json()["results"] == []
    assert reader.get(url(shared)).status_code == 404
    assert reader.post(url(shared, "export/")).status_code == 404


def test_a_curators_global_view_permission_reads_no_roadmap(roadmap):
    curator = UserFactory(username="cura")
    curators_group_ensure()
    curator.groups.add(Group.objects.get(name=CURATORS_GROUP))
    assert curator.has_perm("roadmaps.view_roadmap")
    reader = api(curator)
    assert reader.get("/api/v1/roadmaps/").json()["results"] == []
    assert reader.get(url(roadmap)).status_code == 404
    assert reader.post(url(roadmap, "export/")).status_code == 404


def test_a_grant_without_export_permission_does_not_export(roadmap, partner):
    assign_perm("roadmaps.view_roadmap", partner, roadmap)
    reader = api(partner)
    assert reader.get(url(roadmap)).status_code == 200
    assert reader.post(url(roadmap, "export/")).status_code == 404


def test_deleting_a_roadmap_deletes_its_grants(shared, partner):
    shared.delete()
    assert not RoadmapUserObjectPermission.objects.filter(user=partner).exists()


# -- query counts ----------------------------------------------------------------------
def _roadmaps_like(roadmap: Roadmap, count: int) -> list[Roadmap]:
    """``count`` more roadmaps of the same owner, each with a current version
    (copies of the fixture's, without steps: the list reads none)."""
    version = roadmap.current
    made = []
    for index in range(count):
        copy = Roadmap.objects.create(
            owner=roadmap.owner, profile=roadmap.profile, title=f"Copy {index}"
        )
        version.pk = None
        version.roadmap = copy
        version.save()
        copy.current = version
        copy.save(update_fields=["current"])
        made.append(copy)
    roadmap.refresh_from_db()
    return made


def _list_queries(partner) -> tuple[int, int]:
    # A fresh user object each time: nothing cached on it from a call before.
    client = api(type(partner).objects.get(pk=partner.pk))
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/roadmaps/?page_size=100")
    assert answer.status_code == 200
    return len(queries), answer.json()["count"]


def test_the_partners_list_runs_the_same_queries_for_1_or_100_grants(
    roadmap, partner, learner
):
    roadmap_share_grant(roadmap_id=roadmap.pk, partner="acme", actor=learner)
    _list_queries(partner)  # warms the process's content-type cache
    one, listed = _list_queries(partner)
    assert listed == 1
    for copy in _roadmaps_like(roadmap, 99):
        roadmap_share_grant(roadmap_id=copy.pk, partner="acme", actor=learner)
    hundred, listed = _list_queries(partner)
    assert listed == 100
    assert hundred == one <= 3


# -- throttles -------------------------------------------------------------------------
def test_exports_count_against_the_export_scope_per_caller(
    shared, partner, owner_api, settings
):
    settings.API_THROTTLE_KEY_PREFIX = f"throttle-test-{uuid.uuid4().hex}"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "export": "2/hour",
        },
    }
    reader = api(partner)
    assert [reader.post(url(shared, "export/")).status_code for _ in "ab"] == [200] * 2
    refused = reader.post(url(shared, "export/"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    # Reads take no toll from the scope; another caller has its own count.
    assert reader.get(url(shared)).status_code == 200
    assert owner_api.post(url(shared, "export/")).status_code == 200


def test_regenerations_count_against_the_regenerate_scope(
    roadmap, learner, owner_api, settings
):
    settings.API_THROTTLE_KEY_PREFIX = f"throttle-test-{uuid.uuid4().hex}"
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "regenerate": "1/hour",
        },
    }
    assert owner_api.post(url(roadmap, "regenerate/")).status_code == 202
    refused = owner_api.post(url(roadmap, "regenerate/"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert owner_api.post(url(roadmap, "export/")).status_code == 200
