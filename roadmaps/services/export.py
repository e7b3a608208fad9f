"""Exporting a roadmap: the canonical JSON stored once per content, and a
short-lived link to download it.

The file is named by the sha256 of its bytes (``roadmaps/<id>/<sha256>.json``
in ``STORAGES["exports"]``), so exporting unchanged content again reuses the
stored file. Files are never public: a download goes through a link signed
after the permission check, a signed Django view on the filesystem or a
presigned URL on S3, living at most ``EXPORT_URL_MAX_SECONDS``. Links are
never logged. docs/export-contract.md describes the whole contract.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from wayfinder.errors import ApplicationError, Conflict, NotFound, ServiceUnavailable

from ..export import (
    SCHEMA_VERSION,
    export_bytes,
    export_document,
    export_validate,
)
from ..models import Roadmap, RoadmapExport, RoadmapVersion, export_storage
from ..selectors import SHARE_PERMISSIONS, roadmap_ids_shared_with

#: The longest a download link lives, whatever ``EXPORT_URL_MAX_AGE`` says.
EXPORT_URL_MAX_SECONDS = 900
#: Keeps export links from being valid signatures anywhere else.
DOWNLOAD_SALT = "roadmaps.export-download"
#: The name the view's URL is routed under (wayfinder/urls.py).
DOWNLOAD_URL_NAME = "roadmap-export-download"


class ExportLinkRefused(ApplicationError):
    """A download link that was tampered with or has expired."""

    status = 403
    code = "export_link_refused"
    default_message = "This download link is not valid."


@dataclass(frozen=True)
class ExportTicket:
    """A stored export and a link to download it: what the API answers."""

    export: RoadmapExport
    download_url: str
    expires_at: datetime
    id: int
    sha256: str
    size: int
    schema_version: str
    generated_at: datetime
    model_versions: dict[str, Any]
    input_profile_hash: str


# -- who may export -------------------------------------------------------------------
def roadmap_get_for_export(*, roadmap_id: int, actor: AbstractBaseUser) -> Roadmap:
    """The roadmap ``actor`` may export; NotFound for any other.

    The one permission check of exports: the owner, or a partner the roadmap
    is shared with (``view_roadmap`` and ``export_roadmap`` granted on it,
    roadmaps/services/sharing.py). The partner gets the same bytes as the
    owner, notes included (docs/roadmaps.md, "Sharing").
    """
    exportable = Q(owner_id=actor.pk) | Q(
        pk__in=roadmap_ids_shared_with(actor=actor, permissions=SHARE_PERMISSIONS)
    )
    roadmap = Roadmap.objects.filter(exportable, pk=roadmap_id).first()
    if roadmap is None:
        raise NotFound("No such roadmap.")
    return roadmap


# -- exporting -------------------------------------------------------------------------
def roadmap_export(*, roadmap_id: int, actor: AbstractBaseUser) -> ExportTicket:
    """Store the current version's export (once per content) and sign a link.

    Checks that ``actor`` may export the roadmap (NotFound otherwise), builds
    the canonical bytes, validates them against the schema before anything
    is stored, and reuses the stored file when the same content was exported
    before (no second upload). Raises Conflict when the roadmap has no
    version, ServiceUnavailable when the storage does not answer.
    """
    roadmap = roadmap_get_for_export(roadmap_id=roadmap_id, actor=actor)
    version, data = _current_bytes(roadmap_id=roadmap.pk)
    export = _export_store(version=version, data=data)
    url, expires_at = _download_link(export)
    return ExportTicket(
        export=export,
        download_url=url,
        expires_at=expires_at,
        id=export.pk,
        sha256=export.sha256,
        size=export.size,
        schema_version=export.schema_version,
        generated_at=export.generated_at,
        model_versions=dict(version.model_versions or {}),
        input_profile_hash=version.input_profile_hash,
    )


def export_bytes_for(*, roadmap_id: int) -> bytes:
    """The bytes ``roadmap_export`` would store for the roadmap now, validated;
    no permission check (for operators). NotFound for no such roadmap."""
    if not Roadmap.objects.filter(pk=roadmap_id).exists():
        raise NotFound(f"No roadmap with id {roadmap_id}.")
    return _current_bytes(roadmap_id=roadmap_id)[1]


def _current_bytes(*, roadmap_id: int) -> tuple[RoadmapVersion, bytes]:
    # The roadmap's row lock is the one every progress change and
    # regeneration takes: the document is read from one state, never half
    # of a change.
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().get(pk=roadmap_id)
        if roadmap.current_id is None:
            raise Conflict("The roadmap has no version to export yet.")
        version = RoadmapVersion.objects.select_related("roadmap__track").get(
            pk=roadmap.current_id
        )
        document = export_document(version)
    export_validate(document)
    return version, export_bytes(document)


def _export_store(*, version: RoadmapVersion, data: bytes) -> RoadmapExport:
    sha256 = hashlib.sha256(data).hexdigest()
    name = f"roadmaps/{version.roadmap_id}/{sha256}.json"
    storage = export_storage()
    existing = RoadmapExport.objects.filter(
        roadmap_id=version.roadmap_id, sha256=sha256
    ).first()
    with _storage_answers():
        if existing is not None and _stored_whole(storage, existing.file.name, data):
            return existing
        _file_write(storage, name, data)
    export, created = RoadmapExport.objects.get_or_create(
        roadmap_id=version.roadmap_id,
        sha256=sha256,
        defaults={
            "version": version,
            "size": len(data),
            "schema_version": SCHEMA_VERSION,
            "generated_at": version.changed_at.replace(microsecond=0),
            "file": name,
        },
    )
    if not created and export.file.name != name:
        export.file.name = name
        export.save(update_fields=["file"])
    return export


def _stored_size(storage: Storage, name: str) -> int | None:
    """The size of a stored file, None when there is none (one round trip)."""
    try:
        return storage.size(name)
    except FileNotFoundError:
        return None


def _stored_whole(storage: Storage, name: str, data: bytes) -> bool:
    return _stored_size(storage, name) == len(data)


def _file_write(storage: Storage, name: str, data: bytes) -> None:
    """Store ``data`` under ``name`` unless it is there already."""
    stored = _stored_size(storage, name)
    if stored == len(data):
        return
    if stored is not None:
        # Cut short by a crash mid-write (a filesystem write is not atomic):
        # the name promises these bytes, so write them again.
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        # Another export of the same content won the race: its file has
        # these very bytes.
        storage.delete(saved)


# -- download links --------------------------------------------------------------------
def export_url_max_age() -> int:
    """Seconds a download link lives: ``EXPORT_URL_MAX_AGE``, at most 900."""
    return max(0, min(settings.EXPORT_URL_MAX_AGE, EXPORT_URL_MAX_SECONDS))


def export_download_signer() -> signing.TimestampSigner:
    """The signer of the filesystem download links."""
    return signing.TimestampSigner(salt=DOWNLOAD_SALT)


def export_filename(export: RoadmapExport) -> str:
    """The name a downloaded file is saved under."""
    return (
        f"roadmap-{export.roadmap_id}-v{export.version.number}-"
        f"{export.sha256[:12]}.json"
    )


def _download_link(export: RoadmapExport) -> tuple[str, datetime]:
    seconds = export_url_max_age()
    # Whole seconds, taken before signing: both signers count from a whole
    # second at or after it, so the link never outlives ``expires_at``.
    issued = timezone.now().replace(microsecond=0)
    storage = export_storage()
    if _is_s3(storage):
        disposition = f'attachment; filename="{export_filename(export)}"'
        with _storage_answers():
            url = storage.url(
                export.file.name,
                parameters={
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": "application/json",
                    "ResponseCacheControl": "private, no-store",
                },
                expire=seconds,
            )
    else:
        token = export_download_signer().sign(str(export.pk))
        url = reverse(DOWNLOAD_URL_NAME, kwargs={"token": token})
    return url, issued + timedelta(seconds=seconds)


def export_for_download(*, token: str) -> RoadmapExport:
    """The export a filesystem download link names.

    Raises ExportLinkRefused (403) when the signature is wrong or older than
    ``export_url_max_age()``, NotFound when the export no longer exists.
    """
    try:
        value = export_download_signer().unsign(token, max_age=export_url_max_age())
    except signing.SignatureExpired:
        raise ExportLinkRefused(
            "This download link has expired. Export the roadmap again for a new link.",
            code="export_link_expired",
        ) from None
    except signing.BadSignature:
        raise ExportLinkRefused(
            "This download link is not valid. Export the roadmap again for a new link."
        ) from None
    export = RoadmapExport.objects.select_related("version").filter(pk=value).first()
    if export is None:
        raise NotFound("This export no longer exists. Export the roadmap again.")
    return export


def export_file_open(*, export: RoadmapExport) -> File:
    """The stored file of ``export``, open for reading in binary.

    NotFound when the file has gone from the storage; ServiceUnavailable
    when the storage does not answer.
    """
    storage = export_storage()
    with _storage_answers():
        if not storage.exists(export.file.name):
            raise NotFound("This export's file is gone. Export the roadmap again.")
        return storage.open(export.file.name, "rb")


# -- the storage -----------------------------------------------------------------------
def export_storage_check() -> str:
    """``"ok"`` when the export storage can take files; raises otherwise.

    The filesystem: the directory exists or can be created, and is writable.
    S3: the bucket answers. For ``/readyz``.
    """
    storage = export_storage()
    if _is_s3(storage):
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    elif isinstance(storage, FileSystemStorage):
        location = Path(storage.location)
        location.mkdir(parents=True, exist_ok=True)
        if not os.access(location, os.W_OK | os.X_OK):
            raise PermissionError(f"{location} is not writable")
    return "ok"


def _is_s3(storage: Storage) -> bool:
    # An S3 storage has loaded its module already; a filesystem one never
    # needs boto3 loaded just to be told apart.
    module = sys.modules.get("storages.backends.s3")
    return module is not None and isinstance(storage, module.S3Storage)


@functools.cache
def _storage_failures() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError)


@contextlib.contextmanager
def _storage_answers() -> Iterator[None]:
    """Turn the storage's own failures into ServiceUnavailable (503), so an
    outage never surfaces as a 500; our own errors pass through."""
    try:
        yield
    except _storage_failures() as error:
        raise ServiceUnavailable(
            f"The export storage did not answer: {type(error).__name__}: {error}",
            code="export_storage_unavailable",
        ) from error
