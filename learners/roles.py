"""Who a user is to Wayfinder: one role each, from Django's flags and groups.

Roles, strongest first: ``superuser``, ``staff``, ``curator`` (the Curators
group: edits the catalog, sees no learner data over the API), ``partner``
(the Partners group: reads and exports only roadmaps shared with it) and
``learner`` (everyone else signed in); ``anonymous`` otherwise.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from catalog.groups import CURATORS_GROUP

PARTNERS_GROUP = "Partners"
ROLES = ("anonymous", "learner", "partner", "curator", "staff", "superuser")


def _in_group(user: AbstractBaseUser, name: str) -> bool:
    cached = getattr(user, "_wayfinder_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._wayfinder_groups = cached
    return name in cached


def user_role(user: AbstractBaseUser | AnonymousUser) -> str:
    """The user's one role (see the module docstring)."""
    if not user.is_authenticated:
        return "anonymous"
    if user.is_superuser:
        return "superuser"
    if user.is_staff:
        return "staff"
    if _in_group(user, CURATORS_GROUP):
        return "curator"
    if _in_group(user, PARTNERS_GROUP):
        return "partner"
    return "learner"


def user_is_partner(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and _in_group(user, PARTNERS_GROUP)
