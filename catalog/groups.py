"""The Curators group and the permission checks of the curator admin.

Curators may add, change, delete and view every catalog record, view
learners' roadmaps and planning jobs (read-only, no learner notes) and enter
the Wagtail admin; nothing else (no users, no groups, no profiles, no pages).
:func:`curators_group_ensure` runs after every ``migrate`` (see
``catalog.apps``), so the group exists in every fresh database.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, transaction

from .registry import CATALOG_MODELS

CURATORS_GROUP = "Curators"

ACTIONS = ("add", "change", "delete", "view")
ADMIN_ACCESS = "wagtailadmin.access_admin"

# The records an import writes: both may be created and changed.
_TRANSFER_MODELS = (
    "taxonomy.subject",
    "taxonomy.topic",
    "taxonomy.track",
    "taxonomy.choicegroup",
    "catalog.provider",
    "catalog.resource",
)
TRANSFER_PERMISSIONS = tuple(
    f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
    for label in _TRANSFER_MODELS
    for action in ("add", "change")
)
# Learner data curators look at, read-only, in the admin's "Learners" menu
# (roadmaps/planner wagtail_hooks). Named, never imported: those apps sit
# above the catalog.
LEARNER_VIEW_PERMISSIONS = ("roadmaps.view_roadmap", "planner.view_planningjob")
# The review queue of candidates found by external sources (sources app,
# named for the same reason): curators review them; only sources add them.
CANDIDATE_REVIEW_PERMISSIONS = (
    "sources.view_candidate",
    "sources.change_candidate",
    "sources.delete_candidate",
)
REPORT_PERMISSIONS = tuple(
    f"{app}.{action}_{model}"
    for app, model in (("taxonomy", "topic"), ("catalog", "resource"))
    for action in ("view", "change")
)


def curator_permission_names() -> list[str]:
    """``app_label.codename`` of every permission the Curators group holds."""
    # Every model a curator edits: parents and the rows edited inline with them.
    names = [
        f"{app_label}.{action}_{model.lower()}"
        for app_label, model in (label.split(".") for label in CATALOG_MODELS)
        for action in ACTIONS
    ]
    return [
        *names,
        *LEARNER_VIEW_PERMISSIONS,
        *CANDIDATE_REVIEW_PERMISSIONS,
        ADMIN_ACCESS,
    ]


@transaction.atomic
def curators_group_ensure(*, using: str = DEFAULT_DB_ALIAS) -> Group:
    """Create the Curators group if missing and grant it the catalog permissions.

    Idempotent: permissions an administrator added by hand are kept.
    Raises ``Permission.DoesNotExist`` if a permission is missing, which only
    happens before the apps' migrations have run.
    """
    group, _ = Group.objects.using(using).get_or_create(name=CURATORS_GROUP)
    wanted = curator_permission_names()
    permissions = list(
        Permission.objects.using(using)
        .select_related("content_type")
        .filter(
            content_type__app_label__in={name.split(".")[0] for name in wanted},
            codename__in={name.split(".")[1] for name in wanted},
        )
    )
    found = {f"{p.content_type.app_label}.{p.codename}": p for p in permissions}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise Permission.DoesNotExist(f"Missing permissions: {', '.join(missing)}")
    group.permissions.add(*(found[name] for name in wanted))
    return group


def curators_group_on_post_migrate(
    sender: Any, *, using: str = DEFAULT_DB_ALIAS, apps: Any = None, **kwargs: Any
) -> None:
    """``post_migrate`` receiver: make sure the permissions exist, then the group.

    The receiver may run before ``django.contrib.auth`` has created this run's
    permissions (receivers run in app order), so it creates the content types
    and permissions of the catalog apps itself first; both steps are idempotent.
    """
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_label in dict.fromkeys(
        name.split(".")[0]
        for name in (
            *CATALOG_MODELS,
            *LEARNER_VIEW_PERMISSIONS,
            *CANDIDATE_REVIEW_PERMISSIONS,
        )
    ):
        app_config = global_apps.get_app_config(app_label)
        create_contenttypes(app_config, verbosity=0, using=using)
        create_permissions(app_config, verbosity=0, using=using)
    app_label, codename = ADMIN_ACCESS.split(".")
    admin_access = Permission.objects.using(using).filter(
        content_type__app_label=app_label, codename=codename
    )
    if not admin_access.exists():
        return  # a partial migrate, wagtailadmin not migrated yet: the next one ends it
    curators_group_ensure(using=using)


def user_can_see_catalog_health(user: Any) -> bool:
    """Anyone who may view or change topics and resources sees the health report."""
    return user.is_active and any(user.has_perm(name) for name in REPORT_PERMISSIONS)


def user_can_transfer_catalog(user: Any) -> bool:
    """Import and export need the right to add and change every catalog record."""
    return user.is_active and user.has_perms(TRANSFER_PERMISSIONS)
