"""Writes of learner accounts: deleting an account with everything it owns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import Storage
from django.db import router, transaction
from django.db.models import FileField, Model
from django.db.models.deletion import Collector

import structlog

from wayfinder.errors import Conflict

logger = structlog.get_logger(__name__)

#: Work a higher layer must do before an account's rows go, inside the same
#: transaction (roadmaps: take the learner's votes out of the catalog's tallies).
AccountEraser = Callable[[AbstractBaseUser], None]


@dataclass(frozen=True, slots=True)
class AccountDeletion:
    """What :func:`account_delete` removed: rows per model label, and how
    many stored files were handed to the after-commit cleanup."""

    rows: dict[str, int]
    files: int


def account_delete(
    *, user: AbstractBaseUser, erasers: Iterable[AccountEraser] = ()
) -> AccountDeletion:
    """Delete ``user`` and everything that is theirs, in one transaction.

    The database's cascades decide what goes with the user row: profiles,
    questions and answers, planning jobs, roadmaps with their versions, steps
    and exports, votes, shares, email addresses. ``erasers`` run first, inside
    the transaction, for what a cascade cannot do (a counter kept elsewhere).
    Files that deleted rows point at (the roadmaps' JSON exports in their
    storage) are deleted once the transaction commits, never before: a
    rollback keeps rows and files together.

    Raises Conflict for staff and superusers: their accounts hold curation
    and administration, and are removed by another administrator.
    """
    if user.is_staff or user.is_superuser:
        raise Conflict(
            "Staff and administrator accounts cannot be deleted here: ask "
            "another administrator to remove this account in the admin.",
            code="account_protected",
        )
    model = get_user_model()
    with transaction.atomic():
        # One deletion at a time per account: a second request waits, then
        # finds nothing left to delete.
        locked = model.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            return AccountDeletion(rows={}, files=0)
        for erase in erasers:
            erase(locked)
        collector = Collector(using=router.db_for_write(model), origin=locked)
        collector.collect([locked])
        files = _stored_files(collector)
        _, rows = collector.delete()
        transaction.on_commit(lambda: _files_delete(files))
    logger.info("account deleted", user_id=user.pk, files=len(files))
    return AccountDeletion(rows={k: v for k, v in rows.items() if v}, files=len(files))


def _file_fields(model: type[Model]) -> list[FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, FileField)]


def _storage(field: FileField) -> Storage:
    # A storage given as a callable (the exports' storage) is asked again, as
    # the code that wrote the files does: the field keeps the storage it got
    # at import time, before any later change of STORAGES.
    callable_storage = getattr(field, "_storage_callable", None)
    return callable_storage() if callable_storage else field.storage


def _stored_files(collector: Collector) -> list[tuple[Storage, str]]:
    """Every (storage, name) that a row about to be deleted points at, once
    (a row reached by two cascades, such as an export under both its roadmap
    and its version, is collected twice)."""
    files: dict[tuple[int, str], tuple[Storage, str]] = {}

    def add(field: FileField, names: Iterable[str]) -> None:
        storage = _storage(field)
        for name in names:
            if name:
                files[(id(storage), name)] = (storage, name)

    for model, instances in collector.data.items():
        for field in _file_fields(model):
            add(field, (getattr(instance, field.attname) for instance in instances))
    for queryset in collector.fast_deletes:
        for field in _file_fields(queryset.model):
            add(field, queryset.values_list(field.attname, flat=True))
    return list(files.values())


def _files_delete(files: list[tuple[Storage, str]]) -> None:
    """Delete stored files, each on its own: one that is already gone or a
    storage that fails for one file does not keep the others."""
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - the rows are gone: log, go on
            logger.exception("account file not deleted", file=name)
