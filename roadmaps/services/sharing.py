"""Sharing a roadmap with partners: django-guardian object permissions.

A share grants one partner account (a user in the Partners group)
``view_roadmap`` and ``export_roadmap`` on one roadmap; revoking removes both.
Only the owner shares. Both writes are idempotent. docs/roadmaps.md, "Sharing".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from guardian.shortcuts import assign_perm, remove_perm

from learners.roles import PARTNERS_GROUP, user_role
from wayfinder.errors import InvalidInput

from ..models import Roadmap
from ..selectors import SHARE_PERMISSIONS, roadmap_get_for_owner, roadmap_shares_list


@dataclass(frozen=True)
class Share:
    """One partner's grant on a roadmap."""

    partner_id: int
    partner: str
    permissions: tuple[str, ...]


def _locked_own_roadmap(*, roadmap_id: int, actor: AbstractBaseUser) -> Roadmap:
    # NotFound for anyone's but the actor's; the row lock serialises
    # concurrent grants of one roadmap, so two cannot both insert a row.
    roadmap = roadmap_get_for_owner(roadmap_id=roadmap_id, actor=actor)
    return Roadmap.objects.select_for_update().get(pk=roadmap.pk)


def _partner_named(username: str) -> AbstractBaseUser:
    """The active partner account named ``username``.

    Whether the name is nobody's, a learner's or a curator's, the answer is
    the same message: a share never reveals which usernames exist.
    """
    user = (
        get_user_model()
        .objects.filter(username=username, is_active=True, groups__name=PARTNERS_GROUP)
        .first()
    )
    # A curator, staff member or superuser also in Partners is not a partner
    # to share with: their role reads more than shares.
    if user is None or user_role(user) != "partner":
        raise InvalidInput(
            f"No partner named {username!r}.",
            code="no_such_partner",
            fields={"partner": [f"No partner named {username!r}."]},
        )
    return user


def roadmap_shares_get(*, roadmap_id: int, actor: AbstractBaseUser) -> list[Share]:
    """The partners the actor's roadmap is shared with, by username.

    Raises NotFound when the roadmap is not the actor's.
    """
    roadmap = roadmap_get_for_owner(roadmap_id=roadmap_id, actor=actor)
    return _shares(roadmap)


def _shares(roadmap: Roadmap) -> list[Share]:
    held: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for row in roadmap_shares_list(roadmap=roadmap):
        held.setdefault(row.user_id, []).append(row.permission.codename)
        names[row.user_id] = row.user.get_username()
    return [
        Share(partner_id=pk, partner=names[pk], permissions=tuple(codenames))
        for pk, codenames in held.items()
    ]


@transaction.atomic
def roadmap_share_grant(
    *, roadmap_id: int, partner: str, actor: AbstractBaseUser
) -> tuple[Share, bool]:
    """Share the actor's roadmap with the partner named ``partner``.

    Returns the share and whether anything changed (False when it was
    shared already: granting again is harmless). Raises NotFound when the
    roadmap is not the actor's, InvalidInput (``no_such_partner``, on the
    ``partner`` field) when no active partner has that name.
    """
    roadmap = _locked_own_roadmap(roadmap_id=roadmap_id, actor=actor)
    user = _partner_named(partner)
    before = {s.partner_id: s for s in _shares(roadmap)}.get(user.pk)
    for codename in SHARE_PERMISSIONS:
        assign_perm(f"roadmaps.{codename}", user, roadmap)
    share = Share(
        partner_id=user.pk, partner=user.get_username(), permissions=SHARE_PERMISSIONS
    )
    changed = before is None or set(before.permissions) != set(SHARE_PERMISSIONS)
    return share, changed


@transaction.atomic
def roadmap_share_revoke(
    *, roadmap_id: int, partner_id: int, actor: AbstractBaseUser
) -> bool:
    """Stop sharing the actor's roadmap with the user ``partner_id``.

    Returns whether a grant was removed (False when there was none: revoking
    again is harmless, and an unknown id says nothing about who exists).
    Raises NotFound when the roadmap is not the actor's.
    """
    roadmap = _locked_own_roadmap(roadmap_id=roadmap_id, actor=actor)
    held = [s for s in _shares(roadmap) if s.partner_id == partner_id]
    if not held:
        return False
    user = get_user_model().objects.get(pk=partner_id)
    for codename in SHARE_PERMISSIONS:
        remove_perm(f"roadmaps.{codename}", user, roadmap)
    return True
