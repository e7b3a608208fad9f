"""JWTs for API clients and ``/api/v1/me/``.

The lifecycle (obtain, use, refresh with rotation, a rotated refresh token
refused, expiry), a bad token on public reads treated as no token and on
private routes answered 401 in the error shape, and who the caller is.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group, Permission

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token
from rest_framework_simplejwt.utils import aware_utcnow

from catalog.groups import CURATORS_GROUP, curators_group_ensure
from learners.roles import PARTNERS_GROUP
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
VERIFY = "/api/v1/auth/token/verify/"
ME = "/api/v1/me/"
PASSWORD = "correct-horse-battery-staple"  # tests/factories.py's  # noqa: S105
JUNK = "Bearer not.a.jwt"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def partner(db):
    user = UserFactory(username="acme", email="api@acme.test")
    user.groups.add(Group.objects.get_or_create(name=PARTNERS_GROUP)[0])
    return user


def _tokens(api: APIClient, username: str) -> dict[str, str]:
    response = api.post(TOKEN, {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def test_a_token_pair_signs_api_calls_in(api, partner):
    tokens = _tokens(api, "acme")
    assert set(tokens) == {"access", "refresh"}
    me = api.get(ME, **_bearer(tokens["access"]))
    assert me.status_code == 200
    assert me.json()["username"] == "acme"
    assert api.post(VERIFY, {"token": tokens["access"]}).status_code == 200


def test_a_wrong_password_gets_no_token(api, partner):
    response = api.post(TOKEN, {"username": "acme", "password": "wrong"})
    assert response.status_code == 401
    assert _error(response)["code"] == "no_active_account"


def test_an_inactive_account_gets_no_token(api, partner):
    partner.is_active = False
    partner.save()
    assert (
        api.post(TOKEN, {"username": "acme", "password": PASSWORD}).status_code == 401
    )


def test_missing_credentials_are_field_errors(api):
    response = api.post(TOKEN, {}, format="json")
    assert response.status_code == 400
    assert set(_error(response)["fields"]) == {"username", "password"}


def test_refresh_rotates_and_a_rotated_refresh_token_is_refused(api, partner):
    first = _tokens(api, "acme")
    rotated = api.post(REFRESH, {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert set(second) == {"access", "refresh"}
    assert second["refresh"] != first["refresh"]
    assert api.get(ME, **_bearer(second["access"])).status_code == 200

    replayed = api.post(REFRESH, {"refresh": first["refresh"]})
    assert replayed.status_code == 401
    assert _error(replayed)["code"] == "token_not_valid"
    # The new one still works, once.
    assert api.post(REFRESH, {"refresh": second["refresh"]}).status_code == 200


def test_an_access_token_is_not_a_refresh_token(api, partner):
    access = _tokens(api, "acme")["access"]
    assert api.post(REFRESH, {"refresh": access}).status_code == 401


def test_tokens_live_their_configured_lifetimes(api, partner):
    tokens = _tokens(api, "acme")
    access = AccessToken(tokens["access"])
    refresh = RefreshToken(tokens["refresh"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def _expired(token: Token) -> str:
    token.set_exp(from_time=aware_utcnow() - timedelta(days=30))
    return str(token)


def test_an_expired_access_token_is_refused(api, partner):
    expired = _expired(AccessToken.for_user(partner))
    response = api.get(ME, **_bearer(expired))
    assert response.status_code == 401
    assert _error(response)["code"] == "token_not_valid"
    assert api.post(VERIFY, {"token": expired}).status_code == 401


def test_an_expired_refresh_token_is_refused(api, partner):
    expired = _expired(RefreshToken.for_user(partner))
    assert api.post(REFRESH, {"refresh": expired}).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/subjects/",
        "/api/v1/topics/",
        "/api/v1/tracks/",
        "/api/v1/resources/",
        "/api/schema/",
        "/api/v1/schemas/roadmap-export/1/",
    ],
)
@pytest.mark.parametrize("header", [JUNK, "Bearer", "Token abc", "Bearer a b"])
def test_a_bad_token_on_a_public_read_is_treated_as_anonymous(api, path, header):
    response = api.get(path, HTTP_AUTHORIZATION=header)
    assert response.status_code == 200


def test_an_expired_token_on_a_public_read_is_treated_as_anonymous(api, partner):
    expired = _expired(AccessToken.for_user(partner))
    assert api.get("/api/v1/subjects/", **_bearer(expired)).status_code == 200


@pytest.mark.parametrize("path", [ME, "/api/v1/roadmaps/", "/api/v1/jobs/1/"])
def test_a_bad_token_on_a_private_route_is_a_401_in_the_error_shape(api, path):
    response = api.get(path, HTTP_AUTHORIZATION=JUNK)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _error(response)["code"] == "token_not_valid"


def test_a_bad_token_on_a_public_route_still_cannot_write(api):
    response = api.post("/api/v1/subjects/", {}, HTTP_AUTHORIZATION=JUNK)
    assert response.status_code == 401
    assert _error(response)["code"] == "token_not_valid"


def test_no_credentials_on_a_private_route_is_a_401(api):
    response = api.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _error(response)["code"] == "not_authenticated"


def test_me_describes_a_learner(api):
    learner = UserFactory(username="ada", email="ada@example.test")
    api.force_authenticate(learner)
    assert api.get(ME).json() == {
        "id": learner.pk,
        "username": "ada",
        "email": "ada@example.test",
        "role": "learner",
        "is_staff": False,
        "is_superuser": False,
        "can_edit_catalog": False,
        "can_read_shared_roadmaps": False,
        "can_use_admin": False,
    }


def test_me_describes_a_partner(api, partner):
    api.force_authenticate(partner)
    body = api.get(ME).json()
    assert body["role"] == "partner"
    assert body["can_read_shared_roadmaps"] is True
    assert body["can_edit_catalog"] is False


def test_me_describes_a_curator(api):
    curators_group_ensure()
    curator = UserFactory(username="cleo")
    curator.groups.add(Group.objects.get(name=CURATORS_GROUP))
    api.force_authenticate(curator)
    body = api.get(ME).json()
    assert body["role"] == "curator"
    assert body["can_edit_catalog"] is True
    assert body["can_use_admin"] is True
    assert body["can_read_shared_roadmaps"] is False


def test_me_follows_djangos_flags_for_staff_and_superusers(api):
    staff = UserFactory(username="sam", is_staff=True)
    api.force_authenticate(staff)
    body = api.get(ME).json()
    assert (body["role"], body["is_staff"], body["can_edit_catalog"]) == (
        "staff",
        True,
        False,
    )
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["change_resource", "change_topic"],
            content_type__app_label__in=["catalog", "taxonomy"],
        )
    )
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached per object
    api.force_authenticate(staff)
    assert api.get(ME).json()["can_edit_catalog"] is True
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    api.force_authenticate(root)
    body = api.get(ME).json()
    assert body["role"] == "superuser"
    assert body["can_edit_catalog"] is True
    assert body["can_use_admin"] is True


def test_me_over_a_session_works_too(client):
    learner = UserFactory(username="ada")
    client.force_login(learner)
    assert client.get(ME).json()["username"] == "ada"


def test_me_refuses_writes(api):
    api.force_authenticate(UserFactory())
    assert api.post(ME, {}).status_code == 405
