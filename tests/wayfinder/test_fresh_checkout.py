"""A fresh clone has no var/: the settings create it when they use it.

``DJANGO_VAR_DIR`` points at a folder that does not exist yet, as ``var/``
does not in a fresh clone; the subprocesses start with no ``.env`` and no
service variables, so the embedded defaults apply.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k3y-" + "x9Q2!vB7#pL4$wT8^mR1&zN6*cY5(hJ0)fD3" * 2


def _manage(*args: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SENTRY"))
        and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_ENV_FILE": str(var_dir.parent / "no.env"),
            "DJANGO_VAR_DIR": str(var_dir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_production_without_redis_starts_with_its_queue_in_a_new_var_folder(
    tmp_path,
):
    var_dir = tmp_path / "clone" / "var"
    result = _manage(
        "check",
        var_dir=var_dir,
        DJANGO_SETTINGS_MODULE="wayfinder.settings.production",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="wayfinder.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert (var_dir / "huey.sqlite3").is_file()


@pytest.mark.slow
def test_migrate_on_a_fresh_clone_creates_var_and_its_database(tmp_path):
    var_dir = tmp_path / "clone" / "var"
    result = _manage(
        "migrate",
        "--noinput",
        var_dir=var_dir,
        DJANGO_SETTINGS_MODULE="wayfinder.settings.dev",
    )
    assert result.returncode == 0, result.stderr
    assert (var_dir / "db.sqlite3").is_file()


def test_var_is_left_alone_when_every_service_is_configured(tmp_path):
    var_dir = tmp_path / "clone" / "var"
    result = _manage(
        "check",
        var_dir=var_dir,
        DJANGO_SETTINGS_MODULE="wayfinder.settings.dev",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/none",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode == 0, result.stderr
    assert not var_dir.exists()
