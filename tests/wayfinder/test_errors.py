"""One error shape for the API, and the helpers for HTML views and commands.

Every API error is ``{"error": {"code", "message", "fields"}}`` with its
status, whether DRF, Django or a service raised it (docs/api.md).
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import BaseCommand, call_command
from django.db import IntegrityError, connection
from django.http import Http404
from django.test import RequestFactory

import pytest
import yaml
from rest_framework import exceptions
from rest_framework.test import APIClient

from catalog.models import Resource
from tests.factories import ResourceFactory, UserFactory
from wayfinder.api_errors import api_exception_handler
from wayfinder.errors import (
    ApplicationError,
    Conflict,
    InvalidInput,
    ServiceUnavailable,
    command_errors,
    error_response,
)

RESOURCES = "/api/v1/resources/"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def database_search(settings):
    settings.SEARCH_BACKEND = "database"
    settings.MEILISEARCH_URL = ""


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# -- the API, end to end ------------------------------------------------------------
@pytest.mark.django_db
def test_an_unknown_resource_is_a_404_in_the_error_shape(api):
    response = api.get(f"{RESOURCES}no-such-thing/")
    assert response.status_code == 404
    error = _error(response)
    assert error["code"] == "not_found"
    assert error["message"] and error["fields"] == {}


@pytest.mark.django_db
def test_bad_filter_values_are_a_400_naming_each_field(api):
    response = api.get(RESOURCES, {"format": "bogus", "duration_max": "abc"})
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid"
    assert sorted(error["fields"]) == ["duration_max", "format"]
    assert "bogus" in error["fields"]["format"][0]
    assert error["fields"]["duration_max"] == ["Enter a whole number."]


@pytest.mark.django_db
def test_a_method_the_catalog_does_not_have_is_a_405(api):
    # Curators write with POST, PATCH and DELETE; PUT is no catalog verb.
    api.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    response = api.put(f"{RESOURCES}anything/", {"title": "x"})
    assert response.status_code == 405
    error = _error(response)
    assert error["code"] == "method_not_allowed"
    assert "PUT" in error["message"]
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_search_with_the_engine_down_is_a_503_that_names_no_internals(
    api, database_search
):
    ResourceFactory(title="Python functions")
    assert api.get(RESOURCES, {"q": "python"}).status_code == 200
    # The search tables go away inside the test's transaction, which the
    # test's end rolls back.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE search_searchterm")
    response = api.get(RESOURCES, {"q": "python"})
    assert response.status_code == 503
    error = _error(response)
    assert error["code"] == "search_unavailable"
    assert error["message"] == "Search is not available right now. Try again shortly."
    assert "searchterm" not in response.content.decode()


def test_the_schema_documents_the_error_shape_on_every_operation(tmp_path: Path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert "Error" in schema["components"]["schemas"]
    error = "#/components/schemas/Error"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) or status == "default":
                    refs = [
                        body.get("schema", {}).get("$ref")
                        for body in response.get("content", {}).values()
                    ]
                    assert refs and set(refs) == {error}, (method, path, status)


# -- the API's handler, for what the catalog endpoints cannot raise ----------------
@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.PermissionDenied(), 403, "permission_denied"),
        (PermissionDenied(), 403, "permission_denied"),
        (Http404("No such roadmap."), 404, "not_found"),
        (exceptions.ParseError(), 400, "parse_error"),
        (exceptions.Throttled(wait=7), 429, "throttled"),
        (Conflict("Already running.", code="job_running"), 409, "job_running"),
        (IntegrityError("duplicate key value"), 409, "concurrent_change"),
    ],
)
def test_every_api_exception_gets_the_error_shape(exc, status, code):
    response = api_exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["error"]["code"] == code
    assert response.data["error"]["message"]
    assert response.data["error"]["fields"] == {}


def test_throttled_keeps_its_retry_after_header():
    response = api_exception_handler(exceptions.Throttled(wait=7), {})
    assert response["Retry-After"] == "7"
    assert "7 seconds" in response.data["error"]["message"]


def test_validation_errors_map_fields_and_general_messages():
    drf = exceptions.ValidationError(
        {
            "non_field_errors": ["Pick a subject or a track."],
            "weekly_hours": ["Too many."],
            "links": [{}, {"url": ["Enter a valid URL."]}],
        }
    )
    error = api_exception_handler(drf, {}).data["error"]
    assert error == {
        "code": "invalid",
        "message": "Pick a subject or a track.",
        "fields": {
            "weekly_hours": ["Too many."],
            "links.1.url": ["Enter a valid URL."],
        },
    }
    django = ValidationError({"deadline": ["In the past."], "__all__": ["No."]})
    response = api_exception_handler(django, {})
    assert response.status_code == 400
    assert response.data["error"] == {
        "code": "invalid",
        "message": "No.",
        "fields": {"deadline": ["In the past."]},
    }


def test_a_server_side_error_shows_its_fixed_message_only():
    response = api_exception_handler(
        ServiceUnavailable("redis at 10.0.0.3:6379 refused"), {}
    )
    assert response.status_code == 503
    assert "10.0.0.3" not in response.data["error"]["message"]


def test_anything_else_is_left_to_django_as_a_500():
    assert api_exception_handler(KeyError("x"), {}) is None


# -- HTML views and commands ----------------------------------------------------------
class GoalForm(forms.Form):
    weekly_hours = forms.IntegerField()


def test_the_html_helper_puts_field_messages_on_the_form_with_the_status():
    form = GoalForm({"weekly_hours": "200"})
    assert form.is_valid()
    error = InvalidInput(fields={"weekly_hours": ["At most 80."], "goal": ["Empty."]})
    response = error_response(
        RequestFactory().post("/"), error, template="unused.html", form=form
    )
    assert response.status_code == 400
    assert form.errors == {"weekly_hours": ["At most 80."], "__all__": ["Empty."]}
    assert response.context_data["error"]["fields"]["goal"] == ["Empty."]


class FailingCommand(BaseCommand):
    @command_errors()
    def handle(self, *args, **options):
        raise InvalidInput("Invalid input.", fields={"weekly_hours": ["At most 80."]})


def test_a_command_prints_the_error_and_its_fields_and_exits_1(capsys):
    with pytest.raises(SystemExit) as exited:
        FailingCommand().run_from_argv(["manage.py", "failing"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "Invalid input." in err and "  weekly_hours: At most 80." in err


def test_application_errors_carry_their_status_and_code():
    assert (InvalidInput().status, InvalidInput().code) == (400, "invalid")
    assert ServiceUnavailable().status == 503
    error = ApplicationError.from_validation_error(ValidationError("Bad file."))
    assert (error.message, error.fields) == ("Bad file.", {})
