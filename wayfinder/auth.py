"""How API callers prove who they are, and what a locked-out login answers.

- :class:`JWTAuthentication`: simplejwt's, except that a bad token on a
  request an anonymous caller may make counts as no token (docs/api.md).
- :class:`TokenObtainPairSerializer`: the token endpoint's login, seen by
  django-axes like any other login.
- :func:`lockout_response`: ``AXES_LOCKOUT_CALLABLE``: 429 in the API's error
  shape under ``/api/``, elsewhere a page in the site's layout
  (``templates/learners/lockout.html``): when to retry, how to reset the
  password.

Settings name everything here, and DRF imports its authentication classes
while ``rest_framework.views`` is being imported: this module must not import
DRF's views (the endpoints live in ``wayfinder/auth_api.py``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate, get_user_model, user_logged_in
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from axes.helpers import get_cool_off
from drf_spectacular.contrib import rest_framework_simplejwt as jwt_schema
from rest_framework import exceptions, fields
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework_simplejwt import authentication, serializers
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from .errors import ApplicationError

LOCKED_OUT_CODE = "locked_out"


class JWTAuthentication(authentication.JWTAuthentication):
    """``Authorization: Bearer <access token>``.

    A missing, junk, expired or revoked token on a read that an anonymous
    caller may make (the public catalog, the API root, the schema) is treated
    as no token: the caller is anonymous. Anywhere else it is a 401, so a
    client with a stale token learns it on the first private call.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if _anonymous_may_read(request):
                return None
            raise


class JWTScheme(jwt_schema.SimpleJWTScheme):
    """The OpenAPI security scheme of :class:`JWTAuthentication` (a bearer JWT)."""

    target_class = "wayfinder.auth.JWTAuthentication"


class _AsAnonymous:
    """``request`` as an anonymous caller would send it, for asking the view's
    permissions without authenticating (which is what is running)."""

    user = AnonymousUser()
    auth = None

    def __init__(self, request: Request) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _anonymous_may_read(request: Request) -> bool:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None or request.method not in SAFE_METHODS:
        return False
    anonymous = _AsAnonymous(request)
    return all(p.has_permission(anonymous, view) for p in view.get_permissions())


class TokenObtainPairSerializer(serializers.TokenObtainPairSerializer):
    """simplejwt's login, handing ``authenticate()`` Django's HttpRequest.

    django-axes marks a locked-out request on the request object it is given;
    given DRF's Request the mark never reaches AxesMiddleware, and a locked
    account would answer 401 like a wrong password instead of 429. A token
    issue signals ``user_logged_in`` like any sign-in.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No account has a longer name, and axes would fail (a 500) storing
        # a failure for one longer than its own column.
        model_field = get_user_model()._meta.get_field(self.username_field)
        self.fields[self.username_field] = fields.CharField(
            write_only=True, max_length=model_field.max_length
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        request = self.context.get("request")
        request = getattr(request, "_request", request)
        self.user = authenticate(
            request=request,
            **{
                self.username_field: attrs[self.username_field],
                "password": attrs["password"],
            },
        )
        if not jwt_settings.USER_AUTHENTICATION_RULE(self.user):
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        # A token issue is a sign-in: axes forgets the failures before it
        # (AXES_RESET_ON_SUCCESS) and last_login moves, as for the site's.
        user_logged_in.send(sender=type(self.user), request=request, user=self.user)
        refresh = self.get_token(self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class TokenObtainPairSchema(jwt_schema.TokenObtainPairSerializerExtension):
    """Documents :class:`TokenObtainPairSerializer` as simplejwt's own."""

    target_class = "wayfinder.auth.TokenObtainPairSerializer"


def lockout_message(cool_off: timedelta | None) -> str:
    if cool_off is None:
        wait = "until an administrator unlocks it"
    else:
        minutes = max(1, round(cool_off.total_seconds() / 60))
        wait = f"for {minutes} minute{'s' if minutes != 1 else ''}"
    return (
        "Too many failed sign-in attempts for this account from your address: "
        f"signing in is locked {wait}. Ask an administrator if you need it "
        "sooner."
    )


LOCKOUT_TEMPLATE = "learners/lockout.html"


def _lockout_context(
    request: HttpRequest, cool_off: timedelta | None, message: str
) -> dict[str, Any]:
    """The lockout page's facts: when to retry, where to reset the password
    (the admin's own reset for its sign-in) and to go back to."""
    admin = request.path.startswith(reverse("wagtailadmin_home"))
    return {
        "message": message,
        "retry_at": timezone.localtime() + cool_off if cool_off else None,
        "minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
        "reset_url": reverse(
            "wagtailadmin_password_reset" if admin else "account_reset_password"
        ),
        "lifts_on_reset": not admin,
        "sign_in_url": request.path,
    }


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The answer to a login refused because of the lockout: 429 with
    ``Retry-After``; JSON in the error shape under ``/api/``, the site's
    lockout page elsewhere (the site's and the admin's sign-in)."""
    cool_off = get_cool_off(request)
    message = lockout_message(cool_off)
    if request.path.startswith("/api/"):
        error = ApplicationError(message, code=LOCKED_OUT_CODE)
        response: HttpResponse = JsonResponse({"error": error.as_dict()}, status=429)
    else:
        response = render(
            request,
            LOCKOUT_TEMPLATE,
            _lockout_context(request, cool_off, message),
            status=429,
        )
    if cool_off is not None:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    response["Cache-Control"] = "no-store"
    return response
