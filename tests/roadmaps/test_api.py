"""The roadmaps API: the owner's roadmaps, progress actions, pins, notes,
feedback, versions, diffs and regeneration; 404 for anyone else."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from rest_framework.test import APIClient

from catalog.models import Resource
from planner.services import job_execute
from roadmaps.models import NOTES_MAX_LENGTH, RoadmapStep, StepResource
from tests.factories import UserFactory


@pytest.fixture
def client(learner) -> APIClient:
    api = APIClient()
    api.force_authenticate(learner)
    return api


def url(roadmap, tail: str = "") -> str:
    return f"/api/v1/roadmaps/{roadmap.pk}/{tail}"


def step_ids(roadmap) -> dict[str, int]:
    return dict(
        RoadmapStep.objects.filter(version=roadmap.current).values_list(
            "topic_slug", "pk"
        )
    )


def test_the_owner_lists_and_reads_a_roadmap_with_steps_states_and_resources(
    client, roadmap
):
    listed = client.get("/api/v1/roadmaps/")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [roadmap.pk]
    assert listed.json()["results"][0]["version"] == 1

    body = client.get(url(roadmap)).json()
    ids = step_ids(roadmap)
    assert body["next_step"] == ids["py-setup"]
    assert body["current_version"]["number"] == 1
    assert body["current_version"]["current"] is True
    assert len(body["current_version"]["input_profile_hash"]) == 64
    assert body["schedule"]["status"] in {"on_track", "ahead", "behind"}
    steps = {s["topic"]: s for s in body["steps"]}
    assert steps["py-setup"]["state"] == "active"
    assert steps["py-variables"]["blocked_by"] == [ids["py-setup"]]
    assert steps["py-functions"]["requires"] == [ids["py-loops"]]
    assert steps["py-functions"]["recommends"] == [ids["py-style"]]
    resource = steps["py-setup"]["resources"][0]
    assert resource["rank"] == 1 and resource["url"].startswith("http")
    assert resource["provider"] and resource["my_vote"] is None
    assert steps["py-setup"]["mastery"]["passed"] is False


def test_anyone_else_gets_404_and_anonymous_callers_are_refused(roadmap, stranger):
    other = APIClient()
    other.force_authenticate(stranger)
    assert other.get("/api/v1/roadmaps/").json()["results"] == []
    ids = step_ids(roadmap)
    for method, tail in (
        ("get", ""),
        ("get", "versions/"),
        ("post", f"steps/{ids['py-setup']}/complete/"),
        ("patch", f"steps/{ids['py-setup']}/"),
        ("post", "regenerate/"),
    ):
        answer = getattr(other, method)(url(roadmap, tail), {}, format="json")
        assert answer.status_code == 404, (method, tail)
        assert answer.json()["error"]["code"] == "not_found"
    anonymous = APIClient().get(url(roadmap))
    assert anonymous.status_code in {401, 403}


def test_a_refused_transition_answers_409_with_the_reason(client, roadmap):
    ids = step_ids(roadmap)
    answer = client.post(url(roadmap, f"steps/{ids['py-loops']}/complete/"))
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "step_locked"
    assert "Variables" in error["message"]
    assert error["details"] == {"blocked_by": [ids["py-variables"]]}


def test_complete_skip_start_and_undo_over_the_api(client, roadmap):
    ids = step_ids(roadmap)
    done = client.post(url(roadmap, f"steps/{ids['py-setup']}/complete/")).json()
    assert done["changed"] is True and done["step"]["state"] == "completed"
    assert done["warnings"] == ["The mastery check is not marked passed."]
    assert done["next_step"] == ids["py-style"]
    again = client.post(url(roadmap, f"steps/{ids['py-setup']}/complete/")).json()
    assert again["changed"] is False

    skipped = client.post(url(roadmap, f"steps/{ids['py-variables']}/skip/")).json()
    assert skipped["step"]["state"] == "skipped"
    started = client.post(url(roadmap, f"steps/{ids['py-loops']}/start/")).json()
    assert started["step"]["state"] == "active"

    undone = client.post(url(roadmap, f"steps/{ids['py-variables']}/undo/")).json()
    assert undone["step"]["state"] == "active"
    assert undone["relocked"] == []
    assert undone["dependents_kept"] == [ids["py-loops"]]


def test_pins_notes_and_mastery_over_the_api(client, roadmap):
    ids = step_ids(roadmap)
    step_url = url(roadmap, f"steps/{ids['py-loops']}/")
    changed = client.patch(
        step_url, {"pinned": True, "notes": "for/while"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["step"]["pinned"] is True
    assert changed.json()["step"]["notes"] == "for/while"

    too_long = client.patch(
        step_url, {"notes": "x" * (NOTES_MAX_LENGTH + 1)}, format="json"
    )
    assert too_long.status_code == 400
    assert "notes" in too_long.json()["error"]["fields"]
    assert client.patch(step_url, {"pinned": "maybe"}, format="json").status_code == 400

    mastery = client.post(
        url(roadmap, f"steps/{ids['py-loops']}/mastery/"),
        {"passed": True, "note": "wrote fizzbuzz"},
        format="json",
    ).json()
    assert mastery["step"]["mastery"]["passed"] is True
    assert mastery["step"]["mastery"]["note"] == "wrote fizzbuzz"


def test_resource_pins_and_votes_reach_the_catalogs_signals(client, roadmap):
    ids = step_ids(roadmap)
    row = StepResource.objects.filter(step_id=ids["py-setup"]).order_by("position")[1]
    base = url(roadmap, f"steps/{ids['py-setup']}/resources/{row.pk}/")
    pinned = client.patch(base, {"pinned": True}, format="json")
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True

    def counts():
        resource = Resource.objects.get(pk=row.resource_id)
        return resource.feedback_up, resource.feedback_down

    before = counts()
    voted = client.put(base + "feedback/", {"helpful": True}, format="json")
    assert voted.status_code == 200 and voted.json()["my_vote"] is True
    assert counts() == (before[0] + 1, before[1])
    client.put(base + "feedback/", {"helpful": True}, format="json")
    assert counts() == (before[0] + 1, before[1])  # one vote per learner
    changed = client.put(
        base + "feedback/", {"helpful": False, "reason": "outdated"}, format="json"
    )
    assert changed.json()["my_vote"] is False
    assert counts() == (before[0], before[1] + 1)
    withdrawn = client.put(base + "feedback/", {"helpful": None}, format="json")
    assert withdrawn.json()["my_vote"] is None
    assert counts() == before


def test_regenerate_answers_202_with_the_job_then_versions_and_a_diff(client, roadmap):
    answer = client.post(url(roadmap, "regenerate/"))
    assert answer.status_code == 202
    job = answer.json()
    assert answer["Location"] == job["url"] and job["url"].endswith(
        f"/api/v1/jobs/{job['id']}/"
    )
    assert (job["regenerates"], job["base_version"]) == (roadmap.pk, 1)

    busy = client.post(url(roadmap, "regenerate/"))
    assert busy.status_code == 409
    assert busy.json()["error"]["details"]["job"] == job["id"]

    job_execute(job_id=job["id"], worker_id="test")
    polled = client.get(f"/api/v1/jobs/{job['id']}/").json()
    assert (polled["state"], polled["version"], polled["roadmap"]) == (
        "succeeded",
        2,
        roadmap.pk,
    )
    versions = client.get(url(roadmap, "versions/")).json()
    assert [(v["number"], v["current"]) for v in versions] == [(1, False), (2, True)]
    diff = client.get(url(roadmap, "versions/2/diff/")).json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    first = client.get(url(roadmap, "versions/1/diff/"))
    assert first.status_code == 404
    old = client.get(url(roadmap, "versions/1/")).json()
    assert old["current"] is False and len(old["steps"]) == 5
    assert client.get(url(roadmap, "versions/7/")).status_code == 404


def test_a_job_is_visible_to_its_owner_only(client, roadmap, stranger):
    job = client.post(url(roadmap, "regenerate/")).json()
    other = APIClient()
    other.force_authenticate(stranger)
    assert other.get(f"/api/v1/jobs/{job['id']}/").status_code == 404


def _grow(roadmap, steps: int) -> None:
    """Copy the roadmap's last step (with its resources) up to ``steps`` steps."""
    last = (
        RoadmapStep.objects.filter(version=roadmap.current).order_by("position").last()
    )
    resources = list(last.resources.all())
    for position in range(last.position + 1, steps + 1):
        copy = RoadmapStep.objects.get(pk=last.pk)
        copy.pk, copy.position = None, position
        copy.topic_slug = f"{last.topic_slug}-{position}"
        copy.save()
        StepResource.objects.bulk_create(
            StepResource(
                step=copy,
                position=r.position,
                resource_id=r.resource_id,
                resource_slug=r.resource_slug,
                title=r.title,
                url=r.url,
                score=r.score,
            )
            for r in resources
        )


def test_the_roadmap_endpoint_runs_the_same_queries_for_5_or_100_steps(
    small_catalog, django_user_model
):
    from tests.roadmaps.conftest import roadmap_plan

    counts = []
    for size in (5, 100):
        owner = UserFactory()
        roadmap = roadmap_plan(owner)
        _grow(roadmap, size)
        api = APIClient()
        api.force_authenticate(owner)
        with CaptureQueriesContext(connection) as queries:
            answer = api.get(url(roadmap))
        assert answer.status_code == 200 and len(answer.json()["steps"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 8, counts


def test_export_answers_a_download_link_and_reuses_unchanged_content(client, roadmap):
    first = client.post(url(roadmap, "export/"))
    assert first.status_code == 200, first.content
    ticket = first.json()
    assert ticket["download_url"].startswith("http://testserver/exports/")
    assert len(ticket["sha256"]) == 64 and ticket["schema_version"].startswith("1.")
    again = client.post(url(roadmap, "export/")).json()
    assert (again["id"], again["sha256"]) == (ticket["id"], ticket["sha256"])
    download = client.get(ticket["download_url"])
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == ticket["sha256"]
    assert len(body) == ticket["size"]


def test_a_stranger_cannot_export(roadmap, stranger):
    other = APIClient()
    other.force_authenticate(stranger)
    assert other.post(url(roadmap, "export/")).status_code == 404
