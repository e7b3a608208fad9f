"""Project-wide background tasks."""

from __future__ import annotations

import os
import socket

from django.core.cache import cache
from django.utils import timezone

from huey import crontab
from huey.contrib.djhuey import periodic_task, task

WORKER_HEARTBEAT_KEY = "huey:worker-heartbeat"


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
    cache.set(WORKER_HEARTBEAT_KEY, beat, timeout=None)
    return beat


@periodic_task(crontab(minute="*"))
def worker_heartbeat_periodic() -> None:
    worker_heartbeat_task.call_local()
