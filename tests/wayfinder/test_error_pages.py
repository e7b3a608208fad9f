"""404 and 500 answer the API's JSON error under /api/ and the site's pages elsewhere."""

from __future__ import annotations

import json

from django.test import RequestFactory

import pytest

from wayfinder.error_pages import page_not_found, server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/roadmaps/x/", "/api/v1/no-such-route/", "/api/nothing/"]
)
def test_an_unrouted_api_url_answers_the_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_a_site_url_still_answers_the_site_404_page(client):
    response = client.get("/roadmaps-nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "We can’t find that page" in response.content.decode()


def test_a_server_error_under_the_api_answers_json_without_internals():
    response = server_error(RequestFactory().get("/api/v1/roadmaps/1/"))

    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["error"]["code"] == "server_error"
    assert "Traceback" not in response.content.decode()


def test_a_server_error_on_the_site_answers_the_500_page():
    response = server_error(RequestFactory().get("/roadmaps/1/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_the_404_handler_keeps_the_site_page_for_other_paths():
    response = page_not_found(RequestFactory().get("/x/"), Exception("nope"))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
