"""Limits: request bodies past API_MAX_BODY_BYTES answer 413, page sizes
outside 1..100 answer 400, both in the error shape."""

from __future__ import annotations

import json

from django.conf import settings as django_settings
from django.core.management import call_command

import pytest
from rest_framework.test import APIClient

from tests.factories import SubjectFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
SUBJECTS = "/api/v1/subjects/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:200]
    return response.json()["error"]


def test_the_documented_body_limit_is_one_mebibyte():
    assert django_settings.API_MAX_BODY_BYTES == 1024 * 1024


def test_a_json_body_past_the_limit_is_a_413(api):
    body = json.dumps({"username": "x" * (1024 * 1024), "password": "y"})
    error = _error(api.post(TOKEN, body, content_type="application/json"), 413)
    assert error["code"] == "request_too_large"
    assert str(1024 * 1024) in error["message"]


@pytest.mark.parametrize("fmt", ["multipart", "form"])
def test_form_bodies_past_the_limit_are_413s_too(api, settings, fmt):
    settings.API_MAX_BODY_BYTES = 1000
    data = {"username": "x" * 2000, "password": "y"}
    if fmt == "form":
        response = api.post(
            TOKEN,
            "username=" + "x" * 2000 + "&password=y",
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = api.post(TOKEN, data, format="multipart")
    assert _error(response, 413)["code"] == "request_too_large"


def test_a_body_under_the_limit_is_read(api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    UserFactory(username="acme")
    body = {"username": "acme", "password": "correct-horse-battery-staple"}
    assert api.post(TOKEN, body, format="json").status_code == 200


def test_a_signed_in_callers_big_body_is_a_413(api, settings):
    settings.API_MAX_BODY_BYTES = 100
    api.force_authenticate(UserFactory())
    response = api.post("/api/v1/profiles/", {"goal": "x" * 500}, format="json")
    assert _error(response, 413)["code"] == "request_too_large"


def test_a_body_past_djangos_own_limit_is_a_413_in_the_error_shape(api):
    # Past DATA_UPLOAD_MAX_MEMORY_SIZE Django itself would answer a plain 400.
    size = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    body = json.dumps({"username": "x" * size, "password": "y"})
    response = api.post(TOKEN, body, content_type="application/json")
    assert _error(response, 413)["code"] == "request_too_large"


def test_the_limit_is_the_apis_only(client, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = client.post("/search/", {"q": "x" * 500})
    assert response.status_code != 413


@pytest.mark.parametrize("path", [SUBJECTS, "/api/v1/roadmaps/"])
@pytest.mark.parametrize(
    "page_size", ["null", "abc", "", "0", "-1", "101", "1.5", "1e2", " 5", "9" * 5000]
)
def test_a_page_size_outside_1_to_100_is_a_400(api, path, page_size):
    api.force_authenticate(UserFactory())
    error = _error(api.get(path, {"page_size": page_size}), 400)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["page_size"]


@pytest.mark.parametrize("page_size", ["1", "100"])
def test_page_sizes_from_1_to_100_are_honoured(api, page_size):
    SubjectFactory.create_batch(2)
    body = api.get(SUBJECTS, {"page_size": page_size}).json()
    assert len(body["results"]) == min(int(page_size), body["count"])


def test_the_schema_declares_the_page_size_bounds(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    parameters = schema["paths"]["/api/v1/subjects/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
