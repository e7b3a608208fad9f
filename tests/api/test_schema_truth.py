"""The catalog's OpenAPI schema tells the truth about the catalog routes.

schemathesis generates requests from the served schema (valid and invalid
ones, a bounded number per operation) for every catalog GET route and checks
each answer: never a 5xx, a status the operation declares, a body its schema
describes. Around it, the three lies an earlier run found stay fixed:
undeclared 400/404s, ``?provider=`` refused, ``page_size=null`` accepted.
"""

from __future__ import annotations

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

import hypothesis
import pytest
import schemathesis
import yaml
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from search.services import search_index_suspended, search_reindex_all
from tests.factories import PrerequisiteFactory
from tests.search.conftest import build_catalog
from wayfinder.wsgi import application

CATALOG_PATHS = r"^/api/v1/(subjects|topics|tracks|providers|resources)/"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex=CATALOG_PATHS, method="GET"
)


@pytest.fixture
def _connection_kept_open():
    """Called as a WSGI app, Django closes "old" connections around each
    request, and the test's transaction makes this one look old; Django's
    own test client holds the same receiver off."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def catalog(db, settings):
    settings.SEARCH_BACKEND = "database"
    settings.MEILISEARCH_URL = ""
    with search_index_suspended():
        catalog = build_catalog()
        PrerequisiteFactory(
            topic=catalog.topics["functions"], requires=catalog.topics["basics"]
        )
    search_reindex_all()
    return catalog


@schema.parametrize()
@hypothesis.settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
@pytest.mark.django_db
@pytest.mark.usefixtures("_connection_kept_open")
def test_catalog_reads_keep_to_the_schema(case, catalog):
    response = case.call()
    case.validate_response(response, checks=CHECKS)


# -- the findings of the first run, pinned -------------------------------------------


@pytest.fixture
def api(catalog) -> APIClient:
    return APIClient()


def _operation(path: str, method: str = "get") -> dict:
    body = yaml.safe_load(APIClient().get("/api/schema/").content)
    return body["paths"][path][method]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "codes"),
    [
        ("/api/v1/resources/", {"200", "400", "404"}),
        ("/api/v1/subjects/", {"200", "400", "404"}),
        ("/api/v1/providers/", {"200", "400", "404"}),
        ("/api/v1/topics/{slug}/", {"200", "404"}),
        ("/api/v1/providers/{slug}/", {"200", "404"}),
    ],
)
def test_catalog_reads_declare_their_errors(path, codes):
    responses = _operation(path)["responses"]
    assert codes <= set(responses)
    for code in codes - {"200"}:
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Error"


@pytest.mark.django_db
def test_catalog_writes_declare_their_errors_and_reads_need_no_lock():
    create = _operation("/api/v1/resources/", "post")
    assert {"201", "400", "401", "403"} <= set(create["responses"])
    assert (
        "ResourceInput"
        in create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    )
    delete = _operation("/api/v1/subjects/{slug}/", "delete")
    assert {"204", "403", "404", "409"} <= set(delete["responses"])
    assert {} in _operation("/api/v1/resources/")["security"]
    assert {} not in create["security"]


@pytest.mark.django_db
def test_page_size_is_documented_as_it_is_enforced():
    (page_size,) = [
        p
        for p in _operation("/api/v1/topics/")["parameters"]
        if p["name"] == "page_size"
    ]
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}


@pytest.mark.parametrize("size", ["null", "", "0", "101", "-1", "2.5", "١"])
def test_a_page_size_the_schema_forbids_is_a_400(api, size):
    for path in ("/api/v1/resources/", "/api/v1/topics/"):
        response = api.get(path, {"page_size": size})
        assert response.status_code == 400
        assert "page_size" in response.json()["error"]["fields"]
    searched = api.get("/api/v1/resources/", {"q": "python", "page_size": size})
    assert searched.status_code == 400


def test_page_size_up_to_the_cap_is_honoured(api):
    response = api.get("/api/v1/resources/", {"page_size": "100"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 7


@pytest.mark.parametrize("q", ["", "python"])
def test_a_blank_provider_filters_nothing(api, q):
    everything = api.get("/api/v1/resources/", {"q": q}).json()["count"]
    response = api.get("/api/v1/resources/", {"q": q, "provider": ""})
    assert response.status_code == 200
    assert response.json()["count"] == everything
    only_mdn = api.get("/api/v1/resources/", {"q": q, "provider": ["", "mdn"]})
    assert {r["provider"]["slug"] for r in only_mdn.json()["results"]} <= {"mdn"}
    unknown = api.get("/api/v1/resources/", {"q": q, "provider": "nope"})
    assert unknown.status_code == 400
    assert "provider" in unknown.json()["error"]["fields"]


def test_redoc_is_served_offline(api):
    response = api.get("/api/redoc/")
    assert response.status_code == 200
    assert b"redoc" in response.content.lower()
    assert b"cdn." not in response.content
