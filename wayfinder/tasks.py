"""Project-wide background tasks."""

from __future__ import annotations

import os
import socket

from django.utils import timezone

from huey import crontab
from huey.contrib.djhuey import HUEY, periodic_task, task

WORKER_HEARTBEAT_KEY = "worker-heartbeat"


def worker_heartbeat_last() -> dict[str, object] | None:
    """The last heartbeat a worker recorded, or None."""
    return HUEY.get(WORKER_HEARTBEAT_KEY, peek=True)


@task()
def worker_heartbeat_task() -> dict[str, object]:
    """Record which worker ran last and when, for ``/readyz`` to report.

    Runs every minute; enqueued by hand it also proves a round trip through
    the broker to a consumer and back.
    """
    beat = {
        "at": timezone.now().isoformat(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    # Huey's own key-value storage is shared by web and workers in every mode
    # (Redis, or the SqliteHuey file), unlike the local-memory cache.
    HUEY.put(WORKER_HEARTBEAT_KEY, beat)
    return beat


@periodic_task(crontab(minute="*"))
def worker_heartbeat_periodic() -> None:
    worker_heartbeat_task.call_local()
