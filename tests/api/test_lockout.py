"""Login protection (django-axes): the token endpoint and the admin login.

The N-th failure from one address locks that account from that address; the
right password then still fails until the cool-off ends or an administrator
unlocks it. The API answers 429 in the error shape, the admin a page.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management import call_command
from django.test import Client

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "correct-horse-battery-staple"  # tests/factories.py's  # noqa: S105
LIMIT = 5
HERE = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


@pytest.fixture
def account(db):
    return UserFactory(username="acme", is_staff=True, is_superuser=True)


def _token(client: Client, password: str, *, username="acme", ip=HERE):
    return client.post(
        TOKEN, {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _fail(client: Client, times: int, **kwargs) -> list[int]:
    return [_token(client, "wrong", **kwargs).status_code for _ in range(times)]


def test_the_nth_failure_locks_and_the_right_password_then_fails(client, account):
    assert _fail(client, LIMIT - 1) == [401] * (LIMIT - 1)
    locked = _token(client, "wrong")
    assert locked.status_code == 429
    right = _token(client, PASSWORD)
    assert right.status_code == 429
    assert "access" not in right.json()


def test_the_api_lockout_is_in_the_error_shape_with_retry_after(client, account):
    _fail(client, LIMIT)
    response = _token(client, PASSWORD)
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(15 * 60)
    error = response.json()["error"]
    assert error["code"] == "locked_out"
    assert "15 minutes" in error["message"]
    assert error["fields"] == {}


def test_the_lock_holds_one_account_from_one_address(client, account):
    UserFactory(username="other")
    _fail(client, LIMIT)
    assert _token(client, PASSWORD, ip=ELSEWHERE).status_code == 200
    assert _token(client, PASSWORD, username="other").status_code == 200


def test_a_success_before_the_limit_forgets_the_failures(client, account):
    _fail(client, LIMIT - 1)
    assert _token(client, PASSWORD).status_code == 200
    assert _fail(client, LIMIT - 1) == [401] * (LIMIT - 1)
    assert _token(client, PASSWORD).status_code == 200


def test_the_lock_ends_after_the_cool_off(client, account, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    _fail(client, LIMIT)
    assert _token(client, PASSWORD).status_code == 429
    time.sleep(1.1)
    assert _token(client, PASSWORD).status_code == 200


def test_an_administrator_unlocks_with_axes_reset_username(client, account):
    _fail(client, LIMIT)
    call_command("axes_reset_username", "acme", verbosity=0)
    assert _token(client, PASSWORD).status_code == 200


def test_the_failure_limit_comes_from_the_settings(client, account, settings):
    settings.AXES_FAILURE_LIMIT = 2
    assert _fail(client, 2) == [401, 429]


def test_the_admin_login_locks_with_a_readable_page(client, account):
    def login(password: str):
        return client.post(
            ADMIN_LOGIN, {"username": "acme", "password": password}, REMOTE_ADDR=HERE
        )

    assert [login("wrong").status_code for _ in range(LIMIT - 1)] == [200] * (LIMIT - 1)
    locked = login("wrong")
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    page = locked.content.decode()
    assert "<h1>Signing in is locked</h1>" in page
    assert "15 minutes" in page
    assert login(PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert login(PASSWORD).status_code == 302
