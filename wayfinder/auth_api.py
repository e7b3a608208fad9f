"""The API's auth endpoints: JWTs under ``/api/v1/auth/`` and ``/api/v1/me/``.

docs/api.md ("Authentication") walks through them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views

from catalog.groups import ADMIN_ACCESS
from learners.roles import ROLES, user_is_partner, user_role

# Changing any of the catalog's records: the Curators group holds these.
CATALOG_EDIT_PERMISSIONS = ("catalog.change_resource", "taxonomy.change_topic")


TOKEN_PAIR = inline_serializer(
    "TokenPair",
    {"access": serializers.CharField(), "refresh": serializers.CharField()},
)
TOKEN_ERRORS = {
    400: OpenApiResponse(description="Missing or malformed fields."),
    401: OpenApiResponse(description="Wrong credentials, or a token not valid."),
    429: OpenApiResponse(description="Locked out or throttled: see Retry-After."),
}


@extend_schema_view(post=extend_schema(responses={200: TOKEN_PAIR, **TOKEN_ERRORS}))
class TokenObtainView(jwt_views.TokenObtainPairView):
    """A username and password for an access token (minutes) and a refresh
    token (days). Repeated failures lock the account from the caller's
    address (429 with ``Retry-After``)."""

    throttle_scope = "token"


@extend_schema_view(post=extend_schema(responses={200: TOKEN_PAIR, **TOKEN_ERRORS}))
class TokenRefreshView(jwt_views.TokenRefreshView):
    """A refresh token for a new access token and a new refresh token; the
    refresh token sent is retired: sending it again answers 401."""

    throttle_scope = "token"


@extend_schema_view(
    post=extend_schema(
        responses={
            200: OpenApiResponse(description="The token is valid."),
            **TOKEN_ERRORS,
        }
    )
)
class TokenVerifyView(jwt_views.TokenVerifyView):
    """200 when the token is valid and unexpired, 401 otherwise."""


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    role = serializers.ChoiceField(choices=ROLES)
    is_staff = serializers.BooleanField()
    is_superuser = serializers.BooleanField()
    can_edit_catalog = serializers.BooleanField(
        help_text="May create and change subjects, topics, tracks, providers "
        "and resources."
    )
    can_read_shared_roadmaps = serializers.BooleanField(
        help_text="A partner: reads and exports the roadmaps shared with it."
    )
    can_use_admin = serializers.BooleanField(
        help_text="May sign in to the Wagtail admin."
    )


def _me(user: AbstractBaseUser) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": getattr(user, "email", ""),
        "role": user_role(user),
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "can_edit_catalog": user.has_perms(CATALOG_EDIT_PERMISSIONS),
        "can_read_shared_roadmaps": user_is_partner(user),
        "can_use_admin": user.has_perm(ADMIN_ACCESS),
    }


class _OneObjectSchema(AutoSchema):
    """``me/`` answers one object, though the router routes it as a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class MeViewSet(viewsets.ViewSet):
    """The caller: who they are, their role and what they may do."""

    schema = _OneObjectSchema()

    @extend_schema(responses=MeSerializer)
    def list(self, request: Request) -> Response:
        return Response(MeSerializer(_me(request.user)).data)
