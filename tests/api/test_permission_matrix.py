"""Who may do what to a roadmap, its steps, versions, shares and jobs: every
route and verb for each kind of caller, with the status it answers and no
body holding anyone else's data.

One world per module (a learner's roadmap with two versions, a planning job,
a share, six callers), built in a transaction rolled back after the module;
each test's own writes roll back with its savepoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver

import pytest
from rest_framework.test import APIClient

from catalog.groups import CURATORS_GROUP, curators_group_ensure
from learners.roles import PARTNERS_GROUP
from planner.selectors import catalog_graph_forget
from planner.services import job_execute, roadmap_regenerate
from roadmaps.models import Roadmap, RoadmapStep
from roadmaps.services import step_mastery_set, step_update
from roadmaps.services.sharing import roadmap_share_grant
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build
from tests.roadmaps.conftest import roadmap_plan
from wayfinder.api import router

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "learner", "partner", "partner_unshared", "curator")
SECRET_NOTE = "SECRET-NOTE-4b1d: only the learner reads this"
SECRET_MASTERY = "SECRET-MASTERY-77c0: only the learner reads this"
# The partner of the grant reads the roadmap; private text never reaches it.
NEVER_SHARED = (SECRET_NOTE, SECRET_MASTERY)


@dataclass
class World:
    roadmap: Roadmap
    users: dict[str, Any]
    ids: dict[str, int]


def _build() -> World:
    small_catalog_build()
    owner = UserFactory(username="owner-of-the-roadmap")
    roadmap = roadmap_plan(owner)
    job = roadmap_regenerate(roadmap_id=roadmap.pk, actor=owner)
    job_execute(job_id=job.pk, worker_id="test")
    roadmap.refresh_from_db()
    steps = list(RoadmapStep.objects.filter(version=roadmap.current))
    step = next(s for s in steps if s.state == "active")
    locked = next(s for s in steps if s.state == "locked" and s.requires)
    step_update(roadmap_id=roadmap.pk, step_id=step.pk, actor=owner, notes=SECRET_NOTE)
    step_mastery_set(
        roadmap_id=roadmap.pk,
        step_id=step.pk,
        actor=owner,
        passed=False,
        note=SECRET_MASTERY,
    )

    partners = Group.objects.get_or_create(name=PARTNERS_GROUP)[0]
    partner = UserFactory(username="partner-with-grant")
    unshared = UserFactory(username="partner-without-grant")
    partner.groups.add(partners)
    unshared.groups.add(partners)
    curator = UserFactory(username="a-curator")
    curators_group_ensure()
    curator.groups.add(Group.objects.get(name=CURATORS_GROUP))
    roadmap_share_grant(
        roadmap_id=roadmap.pk, partner=partner.get_username(), actor=owner
    )
    users = {
        "anonymous": None,
        "owner": owner,
        "learner": UserFactory(username="another-learner"),
        "partner": partner,
        "partner_unshared": unshared,
        "curator": curator,
    }
    ids = {
        "roadmap": roadmap.pk,
        "step": step.pk,
        "locked": locked.pk,
        "row": step.resources.first().pk,
        "job": job.pk,
        "partner": partner.pk,
        "unshared": unshared.pk,
    }
    return World(roadmap=roadmap, users=users, ids=ids)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), override_settings(PLANNER_GRAPH_CACHE=False):
        catalog_graph_forget()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            catalog_graph_forget()


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports")},
        },
    }


# -- the matrix -------------------------------------------------------------------------
R = "/api/v1/roadmaps/{roadmap}/"
STEP = R + "steps/{step}/"
ROW = STEP + "resources/{row}/"
#: What each kind of caller gets where the roadmap is readable by its owner and
#: the partner it is shared with, and changeable by its owner only.
READ = {"owner": 200, "partner": 200}
WRITE = {"owner": 200, "partner": 403}
OWNER_ONLY = {"owner": 200}


def expect(owner_status: int | None = None, **statuses: int) -> dict[str, int]:
    """Statuses by role: the given ones, 404 for any other signed-in caller."""
    table = dict.fromkeys(ROLES[1:], 404)
    table.update(statuses)
    if owner_status is not None:
        table["owner"] = owner_status
    return table


EVERYONE_405 = dict.fromkeys(ROLES[1:], 405)

# (route name, method, path, body, statuses of the signed-in roles); the test
# id is the route name and method.
CASES: list[tuple[str, str, str, dict | None, dict[str, int]]] = [
    ("roadmap-list", "get", "/api/v1/roadmaps/", None, dict.fromkeys(ROLES[1:], 200)),
    ("roadmap-list", "post", "/api/v1/roadmaps/", {}, EVERYONE_405),
    ("roadmap-detail", "get", R, None, expect(**READ)),
    ("roadmap-detail", "put", R, {}, EVERYONE_405),
    ("roadmap-detail", "patch", R, {}, EVERYONE_405),
    ("roadmap-detail", "delete", R, None, EVERYONE_405),
    ("roadmap-versions", "get", R + "versions/", None, expect(**READ)),
    ("roadmap-version", "get", R + "versions/1/", None, expect(**READ)),
    ("roadmap-diff", "get", R + "versions/2/diff/", None, expect(**READ)),
    ("roadmap-export", "post", R + "export/", None, expect(**READ)),
    ("roadmap-export", "get", R + "export/", None, EVERYONE_405),
    ("roadmap-start", "post", STEP + "start/", None, expect(**WRITE)),
    ("roadmap-start", "post", R + "steps/{locked}/start/", None, expect(409, **WRITE)),
    ("roadmap-complete", "post", STEP + "complete/", None, expect(**WRITE)),
    ("roadmap-skip", "post", STEP + "skip/", None, expect(**WRITE)),
    ("roadmap-undo", "post", STEP + "undo/", None, expect(**WRITE)),
    ("roadmap-step", "patch", STEP, {"pinned": True}, expect(**WRITE)),
    ("roadmap-mastery", "post", STEP + "mastery/", {"passed": True}, expect(**WRITE)),
    ("roadmap-resource", "patch", ROW, {"pinned": True}, expect(**WRITE)),
    ("roadmap-feedback", "put", ROW + "feedback/", {"helpful": True}, expect(**WRITE)),
    ("roadmap-regenerate", "post", R + "regenerate/", None, expect(202, partner=403)),
    ("roadmap-shares", "get", R + "shares/", None, expect(200, partner=403)),
    (
        "roadmap-shares",
        "post",
        R + "shares/",
        {"partner": "partner-with-grant"},
        expect(200, partner=403),
    ),
    (
        "roadmap-shares",
        "post",
        R + "shares/",
        {"partner": "partner-without-grant"},
        expect(201, partner=403),
    ),
    (
        "roadmap-share",
        "delete",
        R + "shares/{partner}/",
        None,
        expect(204, partner=403),
    ),
    ("planningjob-detail", "get", "/api/v1/jobs/{job}/", None, expect(200)),
    ("planningjob-detail", "delete", "/api/v1/jobs/{job}/", None, EVERYONE_405),
]


def _client(world: World, role: str) -> APIClient:
    client = APIClient()
    if world.users[role] is not None:
        client.force_authenticate(world.users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "statuses"),
    [
        pytest.param(*case[1:], id=f"{case[0]}-{case[1]}-{index}")
        for index, case in enumerate(CASES)
    ],
)
def test_each_caller_gets_the_status_of_the_matrix(
    world, role, method, path, body, statuses
):
    answer = getattr(_client(world, role), method)(
        path.format(**world.ids), body, format="json"
    )
    if role == "anonymous":
        # Refused before anything is looked up (401 or 403 by the first
        # authentication class: docs/api.md).
        assert answer.status_code in {401, 403}
        assert answer.json()["error"]["code"] == "not_authenticated"
    else:
        assert answer.status_code == statuses[role], answer.content
    if answer.status_code >= 400 and answer.content:
        assert set(answer.json()) == {"error"}
    _assert_nothing_leaks(world, role, answer.content)


def _assert_nothing_leaks(world: World, role: str, content: bytes) -> None:
    text = content.decode()
    if role != "owner":
        for secret in NEVER_SHARED:
            assert secret not in text, role
    if role not in {"owner", "partner"}:
        assert world.roadmap.title not in text, role
        assert f'"id":{world.roadmap.pk},' not in text.replace(" ", ""), role


@pytest.mark.parametrize("role", ROLES[1:])
def test_each_caller_lists_exactly_what_it_may_read(world, role):
    listed = _client(world, role).get("/api/v1/roadmaps/").json()["results"]
    expected = [world.roadmap.pk] if role in {"owner", "partner"} else []
    assert [r["id"] for r in listed] == expected


def test_the_matrix_covers_every_roadmap_and_job_route():
    """A route added to either viewset without a row here fails this test."""
    routed = {
        pattern.name
        for pattern in _patterns(router.urls)
        if (pattern.name or "").startswith(("roadmap-", "planningjob-"))
    }
    assert routed == {case[0] for case in CASES}


def _patterns(patterns: list) -> Iterator[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        else:
            yield pattern
