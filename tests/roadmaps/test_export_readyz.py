"""/readyz checks the exports storage and names it when it fails."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def use_directory(settings, location) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }


def test_readyz_creates_a_missing_export_directory_and_reports_ok(
    client, settings, tmp_path
):
    location = tmp_path / "not" / "yet" / "there"
    use_directory(settings, location)
    body = client.get("/readyz").json()
    assert body["checks"]["exports"]["status"] == "ok"
    assert body["backends"]["exports"] == "FileSystemStorage"
    assert location.is_dir()


def test_readyz_names_the_exports_storage_when_it_cannot_be_written(
    client, settings, tmp_path
):
    # Under a regular file no directory can be made, whoever runs the tests
    # (permission bits would not stop root).
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    use_directory(settings, blocker / "exports")
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["down"] == ["exports"]
    assert body["checks"]["exports"]["status"] == "down"
    assert "a-file" in body["checks"]["exports"]["error"]
