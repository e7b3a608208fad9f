"""Settings read a local .env file, and the real environment wins over it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.LOG_LEVEL, settings.SEARCH_BACKEND)"
)


def settings_seen(env_file: Path, **environ: str) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"LOG_LEVEL", "SEARCH_BACKEND"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="wayfinder.settings.test",
        DJANGO_ENV_FILE=str(env_file),
        **environ,
    )
    done = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_dot_env_file_fills_in_unset_variables(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=WARNING\nSEARCH_BACKEND=meilisearch\n")
    assert settings_seen(env_file) == "WARNING meilisearch"


def test_the_environment_wins_over_the_dot_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=WARNING\n")
    assert settings_seen(env_file, LOG_LEVEL="ERROR") == "ERROR database"


def test_without_a_dot_env_file_the_defaults_stand(tmp_path):
    assert settings_seen(tmp_path / "missing.env") == "INFO database"


def test_every_variable_in_the_example_is_read_somewhere():
    example = (ROOT / ".env.example").read_text()
    names = re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE)
    sources = "\n".join(
        path.read_text()
        for folder in ("wayfinder", "taxonomy", "catalog", "planner", "search")
        for path in (ROOT / folder).rglob("*.py")
    )
    unread = [name for name in names if f'"{name}"' not in sources]
    assert names and not unread, unread
