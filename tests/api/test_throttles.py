"""Throttles: anonymous and user rates, and the stricter scopes, answering
429 in the error shape with ``Retry-After``.

The suite's settings allow 1000 requests a second (wayfinder/settings/test.py);
each test here sets real rates and a fresh key prefix, so the history other
tests left in Redis cannot count against it.
"""

from __future__ import annotations

import uuid

from django.conf import settings as django_settings

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCOPES = ("anon", "user", "token", "planning", "regenerate", "export")


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test: ``rates(anon="2/minute")``."""
    settings.API_THROTTLE_KEY_PREFIX = f"throttle-test-{uuid.uuid4().hex}"

    def set_rates(**overrides: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **dict.fromkeys(SCOPES, "1000/second"),
                **overrides,
            },
        }

    return set_rates


def _throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["fields"] == {}


def test_anonymous_callers_are_throttled_per_address(rates):
    rates(anon="3/minute")
    api = APIClient()
    assert [api.get("/api/v1/subjects/").status_code for _ in range(3)] == [200] * 3
    _throttled(api.get("/api/v1/subjects/"))
    elsewhere = api.get("/api/v1/subjects/", REMOTE_ADDR="203.0.113.9")
    assert elsewhere.status_code == 200


def test_signed_in_callers_are_throttled_per_user(rates):
    rates(user="2/minute")
    api, other = APIClient(), APIClient()
    api.force_authenticate(UserFactory())
    other.force_authenticate(UserFactory())
    assert [api.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]
    _throttled(api.get("/api/v1/me/"))
    assert other.get("/api/v1/me/").status_code == 200


def test_signed_in_callers_are_not_held_to_the_anonymous_rate(rates):
    rates(anon="1/minute")
    api = APIClient()
    api.force_authenticate(UserFactory())
    assert {api.get("/api/v1/subjects/").status_code for _ in range(3)} == {200}


def test_the_token_endpoint_has_its_own_stricter_scope(rates):
    rates(token="2/minute")
    api = APIClient()
    credentials = {"username": "nobody", "password": "wrong"}
    answers = [api.post("/api/v1/auth/token/", credentials) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [401, 401]
    _throttled(api.post("/api/v1/auth/token/", credentials))
    # The scope holds only where a view names it.
    assert api.get("/api/v1/subjects/").status_code == 200


def test_refreshing_counts_against_the_token_scope(rates):
    rates(token="1/minute")
    api = APIClient()
    assert api.post("/api/v1/auth/token/refresh/", {"refresh": "x"}).status_code == 401
    _throttled(api.post("/api/v1/auth/token/refresh/", {"refresh": "x"}))


def test_every_scope_has_a_rate_that_parses():
    configured = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(configured) == set(SCOPES)
    for rate in configured.values():
        number, seconds = ScopedRateThrottle().parse_rate(rate)
        assert number > 0 and seconds > 0


def test_production_rates_are_stricter_for_the_sensitive_scopes():
    from wayfinder.settings import base

    rates = {
        scope: ScopedRateThrottle().parse_rate(rate)
        for scope, rate in base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items()
    }

    def per_hour(scope: str) -> float:
        number, seconds = rates[scope]
        return number * 3600 / seconds

    for scope in ("token", "planning", "regenerate", "export"):
        assert per_hour(scope) < per_hour("anon") < per_hour("user"), scope
