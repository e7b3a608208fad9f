"""Production settings pass Django's deployment checks with production-like variables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "wayfinder.settings.production",
    "DJANGO_SECRET_KEY": "k3y-" + "x9Q2!vB7#pL4$wT8^mR1&zN6*cY5(hJ0)fD3" * 2,
    "DJANGO_ALLOWED_HOSTS": "wayfinder.example.org",
    "DATABASE_URL": "sqlite:////tmp/wayfinder-deploy-check.sqlite3",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_embedded_worker_polls_its_sqlite_queue_at_least_every_half_second(
    tmp_path,
):
    # Huey's consumer backs off while the queue is idle (up to 10 s by
    # default): the first plan after a quiet spell waited seconds in the queue.
    # Redis-backed queues block on the list instead and need no bound.
    script = (
        "from django.conf import settings;"
        "from huey.consumer_options import ConsumerConfig;"
        "config = ConsumerConfig(**settings.HUEY['consumer']);"
        "print(settings.HUEY['huey_class'], config.max_delay)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "wayfinder.settings.dev",
        "DJANGO_VAR_DIR": str(tmp_path),
        "DJANGO_ENV_FILE": str(tmp_path / "none.env"),
        "REDIS_URL": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = _manage("shell", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    huey_class, max_delay = result.stdout.splitlines()[-1].split()
    assert huey_class == "huey.SqliteHuey"
    assert float(max_delay) <= 0.5
