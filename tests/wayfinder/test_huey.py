"""A real task goes through Redis to a real ``run_huey`` consumer and back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from huey import RedisHuey

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def consumer(redis_url):
    """A ``manage.py run_huey`` process on its own queue name."""
    from huey.contrib.djhuey import HUEY

    if not isinstance(HUEY, RedisHuey):
        pytest.fail("with REDIS_URL set the tests must run on RedisHuey")
    name = HUEY.name
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "HUEY_NAME": name,
        "DJANGO_SETTINGS_MODULE": "wayfinder.settings.test",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "1", "--no-periodic"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield name
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.django_db
def test_a_task_enqueued_through_redis_runs_in_a_real_consumer(consumer, client):
    from huey.contrib.djhuey import HUEY

    from wayfinder.tasks import (
        WORKER_HEARTBEAT_KEY,
        worker_heartbeat_last,
        worker_heartbeat_task,
    )

    HUEY.delete(WORKER_HEARTBEAT_KEY)
    result = worker_heartbeat_task()

    beat = result.get(blocking=True, timeout=30)

    assert beat["pid"] != os.getpid(), "the task ran in this process, not the consumer"
    assert worker_heartbeat_last() == beat
    worker = client.get("/readyz").json()["checks"]["worker"]
    assert worker == {"status": "ok", "last_seen": beat["at"], "host": beat["host"]}
