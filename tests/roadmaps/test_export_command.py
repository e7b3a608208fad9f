"""``manage.py export_roadmap ID --out FILE``: the bytes the service stores."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connections

import pytest

from roadmaps.services.export import roadmap_export

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path) -> Path:
    location = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def stored_bytes(exports_dir: Path, roadmap, learner) -> bytes:
    ticket = roadmap_export(roadmap_id=roadmap.pk, actor=learner)
    return (exports_dir / ticket.export.file.name).read_bytes()


def test_the_command_writes_the_bytes_the_service_stores(
    roadmap, learner, exports_dir, tmp_path
):
    out = tmp_path / "roadmap.json"
    call_command("export_roadmap", str(roadmap.pk), "--out", str(out))
    assert out.read_bytes() == stored_bytes(exports_dir, roadmap, learner)
    # Written whole: no temporary file left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "roadmap.json"]


def test_the_command_writes_the_same_bytes_to_standard_output(
    roadmap, learner, exports_dir
):
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    call_command("export_roadmap", str(roadmap.pk), "--out", "-", stdout=stdout)
    stdout.flush()
    assert raw.getvalue() == stored_bytes(exports_dir, roadmap, learner)


def test_a_missing_roadmap_exits_1_naming_it(roadmap, capsys, monkeypatch, tmp_path):
    missing = str(roadmap.pk + 1000)
    with pytest.raises(CommandError, match=f"No roadmap with id {missing}"):
        call_command("export_roadmap", missing, "--out", str(tmp_path / "x.json"))

    # run_from_argv closes every connection afterwards, which would end the
    # test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(
            ["manage.py", "export_roadmap", missing, "--out", "-"]
        ).execute()
    assert exited.value.code == 1
    assert f"No roadmap with id {missing}." in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
