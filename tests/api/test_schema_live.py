"""The whole API keeps to its OpenAPI schema over real HTTP, for a signed-in learner.

schemathesis generates requests from the schema the server serves (valid and
invalid ones, a bounded number per operation) for every operation under
``/api/v1/``: the catalog, and the learner's private routes (profiles, their
questions, answers and planning, roadmaps, steps, step resources, shares,
exports, versions, jobs, ``me``). Each request goes over HTTP to a threaded
WSGI server on loopback (pytest-django's ``LiveServer``) with the learner's
JWT, and each answer must: not be a 5xx, have a status the operation
declares, a content type it declares, and a body its schema describes.

One world serves the module (a small catalog, indexed; the learner's
profile, a planned and regenerated roadmap with its steps and resources, an
export, a share to a partner), flushed afterwards; see ``world`` for why it
is not one per operation. Path parameters are pointed at the learner's real
objects (see ``_aim``), so the requests reach the learner's data rather than
a 404.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

import hypothesis
import pytest
import requests
import schemathesis
import yaml
from pytest_django.live_server_helper import LiveServer
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learners.roles import PARTNERS_GROUP
from planner.selectors import catalog_graph_forget
from planner.services import job_execute, roadmap_regenerate
from roadmaps.models import RoadmapStep
from roadmaps.services.export import roadmap_export
from roadmaps.services.sharing import roadmap_share_grant
from search.services import search_index_suspended, search_reindex_all
from tests.factories import UserFactory
from tests.planner.conftest import small_catalog_build
from tests.roadmaps.conftest import roadmap_plan

API_PATHS = r"^/api/v1/"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: Generated requests per operation (Hypothesis' ``max_examples``).
MAX_EXAMPLES = int(os.environ.get("SCHEMA_LIVE_EXAMPLES", "6"))
#: schemathesis' coverage phase (every boundary value of every parameter and
#: body field, hundreds of requests for the profile routes) runs only when
#: asked: it takes many minutes on two loaded cores.
COVERAGE = os.environ.get("SCHEMA_LIVE_COVERAGE") == "1"


def _served_schema() -> dict:
    """The schema as ``/api/schema/`` serves it (in-process, at collection:
    the live server starts only with the first test)."""
    response = Client().get("/api/schema/")
    assert response.status_code == 200, response.content[:500]
    return yaml.safe_load(response.content)


SERVED = _served_schema()
schema = schemathesis.openapi.from_dict(SERVED).include(path_regex=API_PATHS)
schema.config.phases.coverage.enabled = COVERAGE


@dataclass
class World:
    """The learner's token and the ids their private routes are aimed at."""

    token: str
    ids: dict[str, int | str]


def _world_build() -> World:
    catalog_graph_forget()
    with search_index_suspended():
        small_catalog_build()
    search_reindex_all()
    learner = UserFactory(username="live-learner")
    roadmap = roadmap_plan(learner)
    # A regeneration, run here: a finished job, and versions 1 and 2 to diff.
    job = roadmap_regenerate(roadmap_id=roadmap.pk, actor=learner)
    job_execute(job_id=job.pk, worker_id="test")
    roadmap.refresh_from_db()
    steps = list(RoadmapStep.objects.filter(version=roadmap.current))
    step = next(s for s in steps if s.state == "active")
    partner = UserFactory(username="live-partner")
    partner.groups.add(Group.objects.get_or_create(name=PARTNERS_GROUP)[0])
    roadmap_share_grant(
        roadmap_id=roadmap.pk, partner=partner.get_username(), actor=learner
    )
    roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    ids: dict[str, int | str] = {
        "roadmaps": roadmap.pk,
        "profiles": roadmap.profile_id,
        "jobs": job.pk,
        "step_id": step.pk,
        "resource_id": step.resources.first().pk,
        "partner_id": partner.pk,
        "number": roadmap.current.number,
        "subjects": "python",
        "topics": "py-loops",
        "tracks": "python-basics",
        "providers": "docs-org",
        "resources": "py-loops-video",
    }
    token = str(RefreshToken.for_user(learner).access_token)
    return World(token=token, ids=ids)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The learner's world, committed, for the whole module; flushed after it.

    Built once: a world per operation (pytest-django's ``transactional_db``
    flushes after every test) cost about 7 s an operation on a loaded 2-core
    machine. What one operation changes stays for the next (a step completed,
    a share revoked, a job queued); every check below holds whatever the
    state, and most operations answer from the same state since their
    requests are refused or change nothing.
    """
    exports = tmp_path_factory.mktemp("exports")
    overrides = override_settings(
        SEARCH_BACKEND="database",
        MEILISEARCH_URL="",
        PLANNER_GRAPH_CACHE=False,
        STORAGES={
            **settings.STORAGES,
            "exports": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(exports)},
            },
        },
    )
    with django_db_blocker.unblock(), overrides:
        cache.clear()
        try:
            yield _world_build()
        finally:
            catalog_graph_forget()
            cache.clear()
            # As pytest-django's transactional tests leave it.
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def server(world) -> Iterator[str]:
    """The base URL of a threaded WSGI server on loopback, serving the app.

    Not the ``live_server`` fixture: it would flush the database after
    every operation (see ``world``).
    """
    live = LiveServer("localhost")
    try:
        yield live.url
    finally:
        live.stop()


def _aim(case, world: World) -> None:
    """Point path parameters at the learner's objects.

    Ids always, so the private routes are reached with data behind them (a
    value the route's ``[0-9]+`` does not match is tested below: it answers
    the API's JSON 404). Slugs only when generated valid: any slug reaches
    the API, which answers an unknown one with its JSON 404.
    """
    if not case.path_parameters:
        return
    negative = case.meta.is_negative_at(ParameterLocation.PATH)
    collection = case.path.split("/")[3]  # /api/v1/<collection>/...
    for name in case.path_parameters:
        key = collection if name in ("id", "slug") else name
        if key in world.ids and not (negative and name == "slug"):
            case.path_parameters[name] = world.ids[key]


@pytest.fixture(scope="module")
def http() -> requests.Session:
    with requests.Session() as session:
        yield session


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    # A failure is reported as found: shrinking it would replay the world's
    # requests many times over.
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
def test_every_operation_keeps_to_the_schema_over_http(case, world, server, http):
    _aim(case, world)
    response = case.call(
        base_url=server,
        session=http,
        headers={"Authorization": f"Bearer {world.token}"},
        timeout=30,
    )
    case.validate_response(response, checks=CHECKS)


def test_the_live_server_serves_the_schema_under_test(live_server):
    """Also the module's one test on pytest-django's database fixtures (via
    ``live_server``): without one, pytest-django sets up no test database
    when this module runs alone, and ``world`` would have none to fill."""
    served = requests.get(f"{live_server.url}/api/schema/", timeout=30)
    assert served.status_code == 200
    assert yaml.safe_load(served.content) == SERVED
    private = [p for p in SERVED["paths"] if p.startswith("/api/v1/roadmaps/")]
    assert "/api/v1/roadmaps/{id}/steps/{step_id}/complete/" in private


# -- findings of this test, fixed: kept as regressions ------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/roadmaps/x/",
        "/api/v1/jobs/-1/",
        "/api/v1/profiles/%C2%84/questions/",
        "/api/v1/roadmaps/1/steps/x/complete/",
    ],
)
def test_an_id_the_route_cannot_match_answers_the_json_error(world, server, path):
    response = requests.get(
        f"{server}{path}",
        headers={"Authorization": f"Bearer {world.token}"},
        timeout=30,
    )
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_me_keeps_to_its_schema(world, server, http):
    me = schemathesis.openapi.from_dict(SERVED)["/api/v1/me/"]["GET"]
    case = me.Case()
    response = case.call(
        base_url=server,
        session=http,
        headers={"Authorization": f"Bearer {world.token}"},
        timeout=30,
    )
    assert response.status_code == 200
    case.validate_response(response, checks=CHECKS)


def _queued_job(world: World, http: requests.Session, server: str) -> int:
    """A regeneration of the learner's roadmap, queued (no worker runs here)."""
    answer = http.post(
        f"{server}/api/v1/roadmaps/{world.ids['roadmaps']}/regenerate/",
        headers={"Authorization": f"Bearer {world.token}"},
        timeout=30,
    )
    assert answer.status_code in (202, 409), answer.text
    body = answer.json()
    return body["id"] if answer.status_code == 202 else body["error"]["details"]["job"]


def test_a_queued_planning_job_keeps_to_its_schema(world, server, http):
    job = _queued_job(world, http, server)
    read = schemathesis.openapi.from_dict(SERVED)["/api/v1/jobs/{id}/"]["GET"]
    case = read.Case(path_parameters={"id": job})
    response = case.call(
        base_url=server,
        session=http,
        headers={"Authorization": f"Bearer {world.token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    case.validate_response(response, checks=CHECKS)


def test_planning_again_after_a_regeneration_is_not_a_server_error(world, server, http):
    _queued_job(world, http, server)
    answer = http.post(
        f"{server}/api/v1/profiles/{world.ids['profiles']}/roadmaps/",
        headers={"Authorization": f"Bearer {world.token}"},
        timeout=30,
    )
    assert answer.status_code < 500, answer.text
