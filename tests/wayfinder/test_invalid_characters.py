"""NUL bytes and lone surrogates in a request answer 400, never a 500.

PostgreSQL refuses both in text, so one value reaching a query used to
surface as a ``DataError``. Every route of the URLconf is walked with a NUL
in place of each of its parameters, anonymously and as a superuser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

import pytest

from tests.factories import TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

NUL = "%00"
# A group, possibly named, with no nested group inside: what URLconfs use.
_REGEX_GROUP = re.compile(r"\((?:\?P<\w+>)?[^()]*\)[?*+]?")
_ROUTE_CONVERTER = re.compile(r"<[^>]+>")


def _sample(pattern: RoutePattern | RegexPattern) -> str:
    """The pattern as a path with a NUL in place of every parameter."""
    if isinstance(pattern, RoutePattern):
        return _ROUTE_CONVERTER.sub(NUL, str(pattern))
    text = _REGEX_GROUP.sub(NUL, pattern._regex).lstrip("^").rstrip("$")
    text = re.sub(r"(.)\?", r"\1", text)  # "/?" -> "/"
    return re.sub(r"\\(.)", r"\1", text)


def _routes(patterns: list, prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        here = prefix + _sample(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, here)
        elif isinstance(entry, URLPattern):
            yield here


def _nul_paths() -> list[str]:
    paths = set()
    for route in _routes(get_resolver().url_patterns):
        path = "/" + route
        paths.add(path if NUL in path else path + NUL)
        paths.add(path.replace(NUL, "a") + "?q=a%00b")
    return sorted(paths)


def _walk(client) -> dict[str, int]:
    client.raise_request_exception = False  # count the 500s, do not stop at one
    server_errors = {}
    for path in _nul_paths():
        response = client.get(path)
        if response.status_code >= 500:
            server_errors[path] = response.status_code
    return server_errors


def test_route_walk_covers_the_api_the_site_and_the_wagtail_admin():
    paths = _nul_paths()
    assert "/api/v1/topics/%00/" in paths
    assert "/api/v1/resources/?q=a%00b" in paths
    assert any(p.startswith("/admin/pages/%00/edit/") for p in paths)
    assert len(paths) > 200


def test_no_route_answers_a_server_error_to_nul_bytes_for_anonymous_callers(client):
    assert _walk(client) == {}


def test_no_route_answers_a_server_error_to_nul_bytes_for_a_superuser(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert _walk(client) == {}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/topics/%00/",
        "/api/v1/topics/a%00b/",
        "/api/v1/subjects/%00/",
        "/api/v1/tracks/%00/",
        "/api/v1/resources/%00/",
        "/api/v1/resources/?q=abc%00def",
        "/api/v1/resources/?q%00=abc",
    ],
)
def test_api_answers_400_with_the_error_shape_for_a_nul_byte(client, path):
    response = client.get(path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_characters"
    assert error["message"]
    assert error["fields"]


def test_api_names_the_query_parameter_holding_a_nul_byte(client):
    response = client.get("/api/v1/resources/?q=abc%00def&format=video")
    assert list(response.json()["error"]["fields"]) == ["q"]


def test_site_answers_a_plain_400_for_a_nul_byte(client):
    response = client.get("/search/?q=python%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_a_lone_surrogate_in_a_json_body_answers_400(client):
    body = '{"goal": "learn \\ud800 python", "answers": [{"text": "ok"}]}'
    response = client.post(
        "/api/v1/topics/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "goal": ["Contains a NUL byte or a lone surrogate."]
    }


def test_a_nul_byte_deep_in_a_json_body_is_named_by_its_path(client):
    body = json.dumps({"goal": "python", "answers": [{"text": "a\x00b"}]})
    response = client.post(
        "/api/v1/topics/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["answers.0.text"]


def test_a_nul_byte_in_a_form_field_answers_400(client):
    response = client.post("/admin/login/", {"username": "a\x00", "password": "x"})
    assert response.status_code == 400


def test_a_nul_byte_in_a_multipart_field_answers_400_without_reading_files(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("notes.txt", b"binary \x00 content is fine")
    response = client.post("/admin/login/", {"username": "a\x00b", "file": upload})
    assert response.status_code == 400


def test_a_nul_byte_in_a_cookie_answers_400(client):
    # An octal escape in a quoted cookie value decodes to a NUL byte, which
    # the session lookup would send to the database.
    response = client.get("/api/v1/topics/", HTTP_COOKIE='sessionid="abcdefgh\\000ijk"')
    assert response.status_code == 400


def test_clean_requests_still_reach_the_views(client):
    topic = TopicFactory(slug="loops")
    assert client.get(f"/api/v1/topics/{topic.slug}/").status_code == 200
    assert client.get("/api/v1/resources/?q=python%20\u00e9").status_code == 200
    body = json.dumps({"goal": "python \u00e9\U0001f600", "n": [1, None, True]})
    response = client.post(
        "/api/v1/topics/", data=body, content_type="application/json"
    )
    assert response.status_code == 401  # the view answered: anonymous cannot write
    response = client.post(
        "/api/v1/topics/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 401  # a body we cannot parse is the view's to judge
