"""Onboarding and planning over the API: profiles from onboarding answers,
clarifying questions and answers, planning jobs; private to their owner.

On the small catalog of the planner's tests (``python``: setup -> variables ->
loops -> functions -> classes, the ``python-basics`` track).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from learners.models import ClarifyingQuestion, LearnerProfile
from planner.models import PlanningJob
from planner.services import job_execute, profile_submit
from roadmaps.models import Roadmap
from tests.factories import UserFactory
from tests.planner.conftest import (
    TODAY_ISO,
    profile_raw,
    small_catalog_build,
    small_catalog_levels,
)

PROFILES = "/api/v1/profiles/"
#: The API dates "in the past" from the real today.
LATER = (timezone.localdate() + timedelta(days=200)).isoformat()


@pytest.fixture
def catalog(db):
    return small_catalog_build()


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


@pytest.fixture
def client(learner) -> APIClient:
    api = APIClient()
    api.force_authenticate(learner)
    return api


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


def url(profile_id: int, tail: str = "") -> str:
    return f"{PROFILES}{profile_id}/{tail}"


def created(client, **overrides) -> dict:
    answer = client.post(PROFILES, profile_raw(**overrides), format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def answer_every_question(client, profile_id: int, value: str) -> list[str]:
    """Answer each question asked with ``value`` until none is left; the ids."""
    asked = []
    for _ in range(4):
        pending = client.get(url(profile_id, "questions/")).json()
        if not pending:
            return asked
        question = pending[0]
        asked.append(question["id"])
        recorded = client.post(
            url(profile_id, "answers/"),
            {"question_id": question["id"], "value": value},
            format="json",
        )
        assert recorded.status_code == 201, recorded.json()
    pytest.fail(f"more than three questions: {asked}")


# -- create, read --------------------------------------------------------------------
def test_a_learner_creates_a_profile_from_onboarding_answers_and_reads_it_back(
    client, catalog, learner
):
    body = created(client, deadline=LATER, known_topics="Setup, py-variables")
    assert body["subject"] == "python"
    assert body["subject_name"] == "Python programming"
    assert (body["level"], body["track"], body["weekly_hours"]) == (
        "beginner",
        "python-basics",
        5.0,
    )
    assert body["known_topics"] == ["py-setup", "py-variables"]
    assert body["deadline"] == LATER and body["start_date"] == TODAY_ISO
    assert body["onboarding_answers"]["weekly_hours"] == "5 hours"
    assert LearnerProfile.objects.get(pk=body["id"]).owner == learner

    listed = client.get(PROFILES).json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]
    assert client.get(url(body["id"])).json() == body


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        (
            {"subject": "Cobol", "level": "guru", "weekly_hours": "200 hours"},
            {"subject", "level", "weekly_hours"},
        ),
        ({"deadline": "2025-01-01"}, {"deadline"}),
        ({"known_topics": "Quantum loops"}, {"known_topics"}),
        (
            {"formats_liked": "video", "formats_disliked": "videos"},
            {"formats_disliked"},
        ),
        ({"subject": None, "weekly_hours": None}, {"subject", "weekly_hours"}),
    ],
)
def test_the_planners_objections_come_back_as_field_errors(
    client, catalog, overrides, fields
):
    answer = client.post(PROFILES, profile_raw(**overrides), format="json")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert all(messages for messages in error["fields"].values())
    assert not LearnerProfile.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weekly_hours", True),
        ("weekly_hours", 1e300),
        ("weekly_hours", 10**200),
        ("session_minutes", "9" * 400),
        ("goals", 5),
        ("goals", ["python-basics", {"nested": 1}]),
        ("subject", "Py\x00thon"),
        ("deadline", "31/12/2026"),
        ("deadline", "99999-01-01"),
        ("cost", ["free"]),
        ("level", ["beginner"]),
    ],
)
def test_malformed_answers_are_a_400_naming_the_field(client, catalog, field, value):
    answer = client.post(PROFILES, profile_raw(**{field: value}), format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["error"]["fields"]


def test_a_body_that_is_not_an_object_is_a_400(client, catalog):
    answer = client.post(PROFILES, ["python"], format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid"


# -- mass assignment -----------------------------------------------------------------
def test_server_owned_fields_cannot_be_set_on_create_or_update(
    client, catalog, learner, stranger
):
    owned = {
        "owner": stranger.pk,
        "id": 424242,
        "subject_slug": "javascript",
        "raw_answers": {},
        "created_at": "2020-01-01T00:00:00Z",
    }
    refused = client.post(PROFILES, {**profile_raw(), **owned}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == set(owned)
    assert not LearnerProfile.objects.exists()

    body = created(client)
    for method in ("patch", "put"):
        answer = getattr(client, method)(
            url(body["id"]), {**profile_raw(), **owned}, format="json"
        )
        assert answer.status_code == 400, method
        assert set(answer.json()["error"]["fields"]) == set(owned)
    profile = LearnerProfile.objects.get()
    assert (profile.pk, profile.owner, profile.subject_slug) == (
        body["id"],
        learner,
        "python",
    )
    assert client.get(url(body["id"])).json() == body


# -- questions, answers, a roadmap ----------------------------------------------------
def test_questions_and_answers_lead_to_a_roadmap_planned_by_a_job(client, catalog):
    small_catalog_levels(catalog, "intermediate")
    profile = created(client, level="some experience")
    pending = client.get(url(profile["id"], "questions/")).json()
    assert len(pending) == 1
    question = pending[0]
    assert question["kind"] == "placement"
    assert question["id"].startswith("placement:py-")
    assert question["order"] == 1
    assert question["text"].startswith("Can you already")
    assert question["reason"]
    assert [o["value"] for o in question["options"]] == ["yes", "no", "not_sure"]
    assert all(o["label"] for o in question["options"])
    # Asking again asks the same question: nothing is answered yet.
    assert client.get(url(profile["id"], "questions/")).json() == pending

    unknown = client.post(
        url(profile["id"], "answers/"),
        {"question_id": "placement:nowhere", "value": "yes"},
        format="json",
    )
    assert unknown.status_code == 400
    assert "question_id" in unknown.json()["error"]["fields"]
    refused = client.post(
        url(profile["id"], "answers/"),
        {"question_id": question["id"], "value": "purple"},
        format="json",
    )
    assert refused.status_code == 400
    assert "value" in refused.json()["error"]["fields"]
    empty = client.post(
        url(profile["id"], "answers/"), {"question_id": question["id"]}, format="json"
    )
    assert empty.status_code == 400
    assert "value" in empty.json()["error"]["fields"]

    skipped = client.post(
        url(profile["id"], "answers/"),
        {"question_id": question["id"], "skipped": True},
        format="json",
    )
    assert skipped.status_code == 201
    assert skipped.json()["skipped"] is True and skipped.json()["value"] == ""
    asked = [question["id"], *answer_every_question(client, profile["id"], "no")]
    assert 1 < len(asked) <= 3
    assert client.get(url(profile["id"], "questions/")).json() == []

    queued = client.post(url(profile["id"], "roadmaps/"))
    assert queued.status_code == 202
    job = queued.json()
    assert queued["Location"].endswith(f"/api/v1/jobs/{job['id']}/")
    assert (job["state"], job["profile"], job["roadmap"], job["version"]) == (
        "queued",
        profile["id"],
        None,
        None,
    )
    again = client.post(url(profile["id"], "roadmaps/"))
    assert (again.status_code, again.json()["id"]) == (202, job["id"])

    job_execute(job_id=job["id"], worker_id="test")
    done = client.get(f"/api/v1/jobs/{job['id']}/").json()
    roadmap = Roadmap.objects.get(profile_id=profile["id"])
    assert (done["state"], done["percent"]) == ("succeeded", 100)
    assert (done["roadmap"], done["version"]) == (roadmap.pk, 1)
    assert done["roadmap_url"].endswith(f"/api/v1/roadmaps/{roadmap.pk}/")
    assert set(done["timings"]) >= {"normalize", "plan", "rank", "validate"}
    steps = client.get(f"/api/v1/roadmaps/{roadmap.pk}/").json()["steps"]
    assert steps[-1]["topic"] == "py-functions"

    finished = client.post(url(profile["id"], "roadmaps/"))
    assert (finished.status_code, finished.json()["id"]) == (200, job["id"])
    assert PlanningJob.objects.count() == 1


# -- updates ---------------------------------------------------------------------------
def test_an_update_resets_the_questions_and_keeps_the_roadmaps_made_before(
    client, catalog
):
    profile = created(client, level="some experience", deadline=LATER)
    asked = answer_every_question(client, profile["id"], "yes")
    assert asked
    job = client.post(url(profile["id"], "roadmaps/")).json()
    job_execute(job_id=job["id"], worker_id="test")
    roadmap = Roadmap.objects.get(profile_id=profile["id"])

    patched = client.patch(
        url(profile["id"]), {"weekly_hours": 8, "deadline": None}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    body = patched.json()
    assert (body["weekly_hours"], body["deadline"], body["level"]) == (
        8.0,
        None,
        "intermediate",
    )
    assert body["onboarding_answers"]["goals"] == "python-basics"
    assert "deadline" not in body["onboarding_answers"]
    assert not ClarifyingQuestion.objects.filter(profile_id=profile["id"]).exists()
    assert client.get(url(profile["id"], "questions/")).json()[0]["order"] == 1
    assert Roadmap.objects.get(pk=roadmap.pk).current.number == 1

    replaced = client.put(url(profile["id"]), profile_raw(), format="json")
    assert replaced.status_code == 200
    assert replaced.json()["level"] == "beginner"
    assert replaced.json()["onboarding_answers"] == profile_raw()
    invalid = client.put(url(profile["id"]), {"level": "beginner"}, format="json")
    assert invalid.status_code == 400
    assert {"subject", "weekly_hours"} <= set(invalid.json()["error"]["fields"])
    assert client.get(url(profile["id"])).json() == replaced.json()


def test_an_update_that_changes_no_planner_input_keeps_the_answers(client, catalog):
    profile = created(client, level="some experience")
    asked = answer_every_question(client, profile["id"], "yes")
    patched = client.patch(url(profile["id"]), {"weekly_hours": "5h"}, format="json")
    assert patched.status_code == 200
    kept = ClarifyingQuestion.objects.filter(profile_id=profile["id"])
    assert sorted(kept.values_list("question_id", flat=True)) == sorted(asked)


def test_an_update_waits_for_the_job_planning_from_the_profile(client, catalog):
    profile = created(client)
    job = client.post(url(profile["id"], "roadmaps/")).json()
    refused = client.patch(url(profile["id"]), {"weekly_hours": 9}, format="json")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "planning_running"
    assert error["details"] == {"job": job["id"], "state": "queued"}
    assert client.get(url(profile["id"])).json()["weekly_hours"] == 5.0

    job_execute(job_id=job["id"], worker_id="test")
    assert (
        client.patch(url(profile["id"]), {"weekly_hours": 9}, format="json").status_code
        == 200
    )


# -- privacy -------------------------------------------------------------------------
def test_another_learner_gets_404_on_every_verb_and_route(client, catalog, stranger):
    profile = created(client, level="some experience")
    question = client.get(url(profile["id"], "questions/")).json()[0]
    job = client.post(url(profile["id"], "roadmaps/")).json()
    before = client.get(url(profile["id"])).json()

    other = APIClient()
    other.force_authenticate(stranger)
    assert other.get(PROFILES).json()["results"] == []
    for method, tail, data in (
        ("get", "", None),
        ("put", "", profile_raw()),
        ("patch", "", {"weekly_hours": 9}),
        ("get", "questions/", None),
        ("post", "answers/", {"question_id": question["id"], "value": "yes"}),
        ("post", "roadmaps/", None),
    ):
        answer = getattr(other, method)(url(profile["id"], tail), data, format="json")
        assert answer.status_code == 404, (method, tail)
        assert answer.json()["error"]["code"] == "not_found"
        assert str(profile["id"]) not in answer.content.decode().replace(
            url(profile["id"], tail), ""
        )
    assert other.get(f"/api/v1/jobs/{job['id']}/").status_code == 404
    assert client.get(url(profile["id"])).json() == before
    assert PlanningJob.objects.count() == 1

    anonymous = APIClient()
    for method, tail in (("get", ""), ("get", "questions/"), ("post", "roadmaps/")):
        answer = getattr(anonymous, method)(url(profile["id"], tail))
        assert answer.status_code in {401, 403}
    assert anonymous.post(PROFILES, profile_raw(), format="json").status_code in {
        401,
        403,
    }


# -- query counts, throttle ------------------------------------------------------------
def _list_queries(client, learner, count: int) -> int:
    LearnerProfile.objects.filter(owner=learner).delete()
    for _ in range(count):
        profile_submit(
            owner=learner,
            raw=profile_raw(known_topics="Setup, Variables"),
        )
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(PROFILES, {"page_size": 50})
    assert answer.status_code == 200
    assert len(answer.json()["results"]) == count
    assert all(p["known_topics"] for p in answer.json()["results"])
    return len(queries)


def test_the_profile_list_runs_the_same_queries_for_5_and_30_profiles(
    client, catalog, learner
):
    assert _list_queries(client, learner, 5) == _list_queries(client, learner, 30)


def test_planning_requests_are_throttled_in_the_planning_scope(
    client, catalog, settings
):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "planning": "2/min"},
    }
    # A fresh history: the cache outlives test transactions.
    settings.API_THROTTLE_KEY_PREFIX = f"throttle-{uuid.uuid4().hex}"
    profile = created(client)
    for _ in range(2):
        assert client.post(url(profile["id"], "roadmaps/")).status_code == 202
    # The viewset's other routes are not in the planning scope.
    assert client.get(url(profile["id"])).status_code == 200
    assert client.get(url(profile["id"], "questions/")).status_code == 200
    throttled = client.post(url(profile["id"], "roadmaps/"))
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
