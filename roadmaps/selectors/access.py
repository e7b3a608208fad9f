"""Who may read which roadmap: the owner's, and those shared with a partner."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from guardian.shortcuts import get_objects_for_user

from learners.roles import user_role
from wayfinder.errors import NotFound

from ..models import Roadmap, RoadmapUserObjectPermission

#: What a share grants a partner on one roadmap: reading it and exporting it.
SHARE_PERMISSIONS = ("view_roadmap", "export_roadmap")


def roadmap_list_for_owner(*, actor: AbstractBaseUser) -> QuerySet[Roadmap]:
    """The actor's roadmaps, newest first, with their current version."""
    return Roadmap.objects.filter(owner_id=actor.pk).select_related("current")


def roadmap_get_for_owner(*, roadmap_id: int, actor: AbstractBaseUser) -> Roadmap:
    """The actor's roadmap with its current version; NotFound for anyone
    else's (never a hint that it exists)."""
    roadmap = roadmap_list_for_owner(actor=actor).filter(pk=roadmap_id).first()
    if roadmap is None:
        raise NotFound("No such roadmap.")
    return roadmap


def roadmap_ids_shared_with(
    *, actor: AbstractBaseUser, permissions: tuple[str, ...] = ("view_roadmap",)
) -> QuerySet[Roadmap]:
    """The ids of the roadmaps shared with ``actor`` holding every one of
    ``permissions``, as a subquery (lazy: no query until it is used).

    Only a partner holds grants, and only grants count: curators hold
    ``view_roadmap`` globally for the admin, so global permissions and the
    superuser flag are ignored on purpose (never ``user.has_perm(perm, obj)``).
    Anyone who is not a partner (now) is shared nothing.
    """
    if user_role(actor) != "partner":
        return Roadmap.objects.none().values("pk")
    return get_objects_for_user(
        actor,
        [f"roadmaps.{codename}" for codename in permissions],
        klass=Roadmap,
        use_groups=False,
        with_superuser=False,
        accept_global_perms=False,
    ).values("pk")


def roadmap_list_for_reader(*, actor: AbstractBaseUser) -> QuerySet[Roadmap]:
    """The roadmaps ``actor`` may read: its own and those shared with it (a
    partner), newest first, with their current version. One query whatever
    the number of grants (plus one for the actor's groups)."""
    if not actor.is_authenticated:
        return Roadmap.objects.none()
    return Roadmap.objects.filter(
        Q(owner_id=actor.pk) | Q(pk__in=roadmap_ids_shared_with(actor=actor))
    ).select_related("current")


def roadmap_shares_list(*, roadmap: Roadmap) -> list[RoadmapUserObjectPermission]:
    """The grants on ``roadmap``, one row per partner and permission, by
    partner username (one query)."""
    return list(
        RoadmapUserObjectPermission.objects.filter(
            content_object=roadmap, permission__codename__in=SHARE_PERMISSIONS
        )
        .select_related("user", "permission")
        .order_by("user__username", "user_id", "permission__codename")
    )
