"""The roadmap export: its document and schema, determinism, storage on the
filesystem, and downloads through the signed view."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core import signing
from django.utils import timezone

import pytest
from jsonschema import Draft202012Validator

from catalog.models import Resource
from roadmaps.export import (
    ExportInvalid,
    export_bytes,
    export_document,
    export_schema,
    export_validate,
)
from roadmaps.models import RoadmapExport, RoadmapStep, StepResource, StepState
from roadmaps.services.export import (
    DOWNLOAD_SALT,
    roadmap_export,
)
from taxonomy.enums import Cost, Format, Language, Level, MasteryKind
from wayfinder.errors import NotFound, ServiceUnavailable

pytestmark = pytest.mark.django_db

LLM_MARKER = "LLM-PHRASED-7f3a: a summary only a model would write"


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path) -> Path:
    """Each test its own export directory on the filesystem storage."""
    location = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def stored_files(location: Path) -> list[Path]:
    return sorted(p for p in location.rglob("*") if p.is_file())


def current_document(roadmap) -> dict[str, Any]:
    roadmap.refresh_from_db()
    return export_document(roadmap.current)


def steps_of(roadmap) -> list[RoadmapStep]:
    return list(RoadmapStep.objects.filter(version_id=roadmap.current_id))


def change(step: RoadmapStep, **fields: Any) -> None:
    """Write a step's fields and move its version's ``changed_at``, as the
    progress services do (rows written directly: no service under test)."""
    RoadmapStep.objects.filter(pk=step.pk).update(**fields)
    type(step.version).objects.filter(pk=step.version_id).update(
        changed_at=timezone.now() + timedelta(seconds=5)
    )


def progressed(roadmap) -> None:
    """The first step completed with its mastery check passed, the second
    skipped, the third active with notes and a pin."""
    first, second, third, *_ = steps_of(roadmap)
    at = datetime(2026, 1, 7, 18, 30, 12, 345678, tzinfo=UTC)
    change(
        first,
        state=StepState.COMPLETED,
        started_at=at - timedelta(days=1),
        completed_at=at,
        mastery_passed_at=at,
        mastery_note="Got 5/5.",
    )
    change(second, state=StepState.SKIPPED, skipped_at=at)
    change(third, state=StepState.ACTIVE, pinned=True, notes="Ask Sam — ünïcode ok")


# -- the document -----------------------------------------------------------------------
def test_the_schema_is_valid_json_schema_2020_12():
    schema = export_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("roadmap-export.v1.schema.json")


def test_the_schema_enumerations_follow_the_models():
    defs = export_schema()["$defs"]
    resource = defs["resource"]["properties"]
    assert resource["inLanguage"]["enum"] == [*Language.values, None]
    assert resource["learningResourceType"]["enum"] == [*Format.values, None]
    assert resource["educationalLevel"]["enum"] == [*Level.values, None]
    assert resource["cost"]["enum"] == [*Cost.values, None]
    assert defs["step"]["properties"]["mastery"]["properties"]["kind"]["enum"] == (
        MasteryKind.values
    )
    assert defs["step_progress"]["properties"]["state"]["enum"] == StepState.values


def test_a_fresh_roadmap_exports_a_valid_document(roadmap):
    document = current_document(roadmap)
    export_validate(document)
    assert document["schema_version"] == "1.3"
    assert document["roadmap"] == {
        "id": roadmap.pk,
        "version": 1,
        "title": roadmap.title,
        "subject": {"slug": "python", "name": "Python programming"},
        "track": {"slug": "python-basics", "name": "Python basics"},
    }
    assert [s["id"] for s in document["steps"]] == [
        "step-py-setup",
        "step-py-style",
        "step-py-variables",
        "step-py-loops",
        "step-py-functions",
    ]
    assert document["prerequisites"] == [
        {"from": "step-py-setup", "to": "step-py-variables", "kind": "required"},
        {"from": "step-py-variables", "to": "step-py-loops", "kind": "required"},
        {"from": "step-py-style", "to": "step-py-functions", "kind": "recommended"},
        {"from": "step-py-loops", "to": "step-py-functions", "kind": "required"},
    ]
    assert document["progress"]["next_step"] == "step-py-setup"
    assert document["progress"]["steps_locked"] == 4


def test_generated_at_is_the_versions_last_change_in_utc_whole_seconds(roadmap):
    changed = datetime(2026, 1, 9, 8, 7, 6, 543210, tzinfo=UTC)
    type(roadmap.current).objects.filter(pk=roadmap.current_id).update(
        changed_at=changed
    )
    assert current_document(roadmap)["generated_at"] == "2026-01-09T08:07:06Z"


def test_hours_and_durations_are_written_canonically(roadmap):
    step = steps_of(roadmap)[0]
    change(step, hours="2.25")
    document = current_document(roadmap)
    first = document["steps"][0]
    assert (first["hours"], first["timeRequired"]) == ("2.25", "PT2H15M")
    schedule = document["schedule"]
    assert schedule["weekly_hours"] == "5.00"
    assert schedule["timeRequired"] == "PT12H30M"  # total_hours as stored
    resource = first["resources"][0]
    minutes = Resource.objects.get(slug=resource["identifier"]).duration_minutes
    hours, rest = divmod(minutes, 60)
    assert resource["timeRequired"] == "PT" + "".join(
        f"{n}{unit}" for n, unit in ((hours, "H"), (rest, "M")) if n
    )
    assert not _floats_in(document)


def _floats_in(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats_in(v)]
    return []


def test_progress_with_a_completed_and_a_skipped_step_validates(roadmap):
    progressed(roadmap)
    document = current_document(roadmap)
    export_validate(document)
    first, second, third = document["steps"][:3]
    assert first["progress"] == {
        "state": "completed",
        "pinned": False,
        "notes": "",
        "started_at": "2026-01-06T18:30:12Z",
        "completed_at": "2026-01-07T18:30:12Z",
        "skipped_at": None,
        "mastery_passed_at": "2026-01-07T18:30:12Z",
        "mastery_note": "Got 5/5.",
    }
    assert second["progress"]["state"] == "skipped"
    assert third["progress"]["pinned"] is True
    assert third["progress"]["notes"] == "Ask Sam — ünïcode ok"
    totals = document["progress"]
    assert (totals["steps_completed"], totals["steps_skipped"]) == (1, 1)
    assert totals["mastery_passed"] == 1
    assert totals["hours_completed"] == first["hours"]
    assert totals["hours_skipped"] == second["hours"]
    assert totals["next_step"] == third["id"]


def test_a_resource_deleted_from_the_catalog_keeps_its_record_with_null_metadata(
    roadmap,
):
    row = StepResource.objects.filter(step__version_id=roadmap.current_id).first()
    Resource.objects.filter(pk=row.resource_id).delete()
    document = current_document(roadmap)
    export_validate(document)
    exported = next(
        r
        for s in document["steps"]
        for r in s["resources"]
        if r["identifier"] == row.resource_slug
    )
    assert exported["in_catalog"] is False
    assert exported["name"] == row.title and exported["url"] == row.url
    for name in (
        "provider",
        "inLanguage",
        "learningResourceType",
        "educationalLevel",
        "cost",
        "isAccessibleForFree",
        "timeRequired",
    ):
        assert exported[name] is None, name


def test_a_resource_in_the_catalog_carries_its_catalog_metadata(roadmap):
    exported = current_document(roadmap)["steps"][0]["resources"][0]
    resource = Resource.objects.select_related("provider").get(
        slug=exported["identifier"]
    )
    assert exported["in_catalog"] is True
    assert exported["provider"] == {
        "slug": resource.provider.slug,
        "name": resource.provider.name,
        "url": resource.provider.url,
    }
    assert exported["inLanguage"] == resource.language
    assert exported["learningResourceType"] == resource.format
    assert exported["educationalLevel"] == resource.difficulty
    assert exported["isAccessibleForFree"] is (resource.cost == Cost.FREE)


def test_model_phrased_text_appears_only_under_display(roadmap):
    step = steps_of(roadmap)[1]
    change(step, summary=LLM_MARKER)
    document = current_document(roadmap)
    export_validate(document)
    places = list(_paths_holding(document, LLM_MARKER))
    assert places == [("steps", 1, "display", "summary")]
    assert export_bytes(document).count(LLM_MARKER.encode()) == 1


def _paths_holding(value: Any, text: str, path: tuple = ()):
    if isinstance(value, str) and text in value:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_holding(item, text, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_holding(item, text, (*path, index))


def test_the_export_names_no_owner(roadmap, learner):
    data = export_bytes(current_document(roadmap))
    assert learner.username.encode() not in data
    if learner.email:
        assert learner.email.encode() not in data
    assert b"owner" not in data


def test_a_document_breaking_the_schema_is_refused_with_its_place(roadmap):
    document = current_document(roadmap)
    document["steps"][0]["hours"] = 2.5
    with pytest.raises(ExportInvalid, match=r"\$\.steps\[0\]\.hours"):
        export_validate(document)


def test_an_edge_to_a_step_the_export_lacks_is_refused(roadmap):
    document = current_document(roadmap)
    document["prerequisites"].append(
        {"from": "step-nowhere", "to": "step-py-setup", "kind": "required"}
    )
    with pytest.raises(ExportInvalid, match="step-nowhere"):
        export_validate(document)


# -- determinism and storage --------------------------------------------------------------
def test_the_same_state_gives_byte_identical_exports(roadmap, learner):
    progressed(roadmap)
    first = export_bytes(current_document(roadmap))
    second = export_bytes(current_document(roadmap))
    assert first == second
    assert json.loads(first) == current_document(roadmap)
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert ticket.sha256 == hashlib.sha256(first).hexdigest()
    assert ticket.size == len(first)


def test_the_bytes_are_canonical_json(roadmap):
    progressed(roadmap)
    data = export_bytes(current_document(roadmap))
    document = json.loads(data)
    assert data == json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert "ünïcode".encode() in data  # characters as they are, not \u escapes


def test_a_note_change_changes_the_sha256(roadmap, learner, exports_dir):
    before = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    change(steps_of(roadmap)[0], notes="Revisit the installer on Windows.")
    after = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert after.sha256 != before.sha256
    assert after.generated_at > before.generated_at
    assert RoadmapExport.objects.filter(roadmap=roadmap).count() == 2
    assert len(stored_files(exports_dir)) == 2


def test_exporting_unchanged_content_reuses_the_stored_file(
    roadmap, learner, exports_dir
):
    first = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    [path] = stored_files(exports_dir)
    written = path.stat().st_mtime_ns
    second = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert (second.id, second.sha256) == (first.id, first.sha256)
    assert RoadmapExport.objects.filter(roadmap=roadmap).count() == 1
    assert stored_files(exports_dir) == [path]
    assert path.stat().st_mtime_ns == written
    assert path.relative_to(exports_dir).as_posix() == (
        f"roadmaps/{roadmap.pk}/{first.sha256}.json"
    )


def test_a_stored_file_that_went_missing_is_written_again(
    roadmap, learner, exports_dir
):
    first = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    [path] = stored_files(exports_dir)
    path.unlink()
    second = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert second.id == first.id
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first.sha256


def test_a_stored_file_cut_short_is_written_again_whole(roadmap, learner, exports_dir):
    first = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    [path] = stored_files(exports_dir)
    path.write_bytes(path.read_bytes()[:100])
    roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert stored_files(exports_dir) == [path]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first.sha256


def test_a_storage_that_cannot_be_written_is_a_503(
    roadmap, learner, settings, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "exports")},
        },
    }
    with pytest.raises(ServiceUnavailable) as caught:
        roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert caught.value.status == 503
    assert caught.value.code == "export_storage_unavailable"
    assert not RoadmapExport.objects.exists()


def test_the_ticket_carries_what_the_api_answers(roadmap, learner, settings):
    settings.EXPORT_URL_MAX_AGE = 60
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    version = roadmap.current
    assert ticket.export.pk == ticket.id
    assert ticket.schema_version == "1.3"
    assert ticket.model_versions == version.model_versions
    assert ticket.input_profile_hash == version.input_profile_hash
    assert ticket.generated_at == version.changed_at.replace(microsecond=0)
    assert ticket.download_url.startswith("/exports/")
    left = (ticket.expires_at - timezone.now()).total_seconds()
    assert 55 <= left <= 60


def test_the_link_lives_at_most_fifteen_minutes_whatever_the_setting(
    roadmap, learner, settings
):
    settings.EXPORT_URL_MAX_AGE = 86400
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    assert (ticket.expires_at - timezone.now()).total_seconds() <= 900


def test_someone_elses_roadmap_cannot_be_exported(roadmap, stranger, exports_dir):
    with pytest.raises(NotFound):
        roadmap_export(roadmap_id=roadmap.pk, actor=stranger)
    assert not RoadmapExport.objects.exists()
    assert stored_files(exports_dir) == []


# -- the signed download view ---------------------------------------------------------------
def test_a_signed_link_downloads_the_file_as_an_attachment(
    client, roadmap, learner, exports_dir
):
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    response = client.get(ticket.download_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="roadmap-{roadmap.pk}-v1-{ticket.sha256[:12]}.json"'
    )
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body == stored_files(exports_dir)[0].read_bytes()
    assert hashlib.sha256(body).hexdigest() == ticket.sha256


def test_a_tampered_link_is_refused_with_403(client, roadmap, learner):
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    token = ticket.download_url.removeprefix("/exports/").rstrip("/")
    value, stamp, signature = token.split(":")
    other = str(ticket.id + 1)
    for forged in (
        f"{other}:{stamp}:{signature}",
        f"{value}:{stamp}:{signature[:-2]}xx",
        "not-a-token",
    ):
        response = client.get(f"/exports/{forged}/")
        assert response.status_code == 403, forged
        assert b"not valid" in response.content


class _SignedLongAgo(signing.TimestampSigner):
    """Signs as if the clock read 16 minutes ago."""

    def timestamp(self) -> str:
        past = int(timezone.now().timestamp()) - 16 * 60
        return signing.b62_encode(past)


def test_an_expired_link_is_refused_with_403(client, roadmap, learner):
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    token = _SignedLongAgo(salt=DOWNLOAD_SALT).sign(str(ticket.id))
    response = client.get(f"/exports/{token}/")
    assert response.status_code == 403
    assert b"expired" in response.content


def test_a_link_to_a_deleted_export_answers_404(client, roadmap, learner):
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    RoadmapExport.objects.filter(pk=ticket.id).delete()
    assert client.get(ticket.download_url).status_code == 404


def test_the_download_token_never_reaches_the_logs(client, roadmap, learner, caplog):
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    token = ticket.download_url.removeprefix("/exports/").rstrip("/")
    with caplog.at_level(logging.INFO):
        client.get(ticket.download_url)
        client.get(f"/exports/{token}x/")
    logged = " ".join(str(r.msg) + repr(r.__dict__) for r in caplog.records)
    assert "request_finished" in logged and "<redacted>" in logged
    assert token not in logged


# -- the schema endpoint ----------------------------------------------------------------
def test_the_schema_is_served_publicly(client):
    response = client.get("/api/v1/schemas/roadmap-export/1/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert json.loads(response.content) == export_schema()


def test_an_unknown_schema_version_answers_404(client):
    response = client.get("/api/v1/schemas/roadmap-export/2/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
