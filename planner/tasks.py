"""Huey tasks of the planner: thin, they take ids and call a service."""

from __future__ import annotations

import os
import socket

from django.conf import settings

import structlog
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

#: Huey retries a task that raised (a transient database error: deterministic
#: failures are recorded on the job instead), waiting ``retry_delay`` seconds,
#: then that times ``retry_backoff`` each time (5 s, 10 s, 20 s by default).
RETRIES = getattr(settings, "PLANNER_TASK_RETRIES", 3)
RETRY_DELAY = getattr(settings, "PLANNER_TASK_RETRY_DELAY", 5)
RETRY_BACKOFF = 2


def worker_id() -> str:
    """Names this process in logs: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
def plan_execute_task(job_id: int) -> str | None:
    """Run a planning job (idempotent: a duplicate or a retry does no harm)."""
    from .services import job_execute

    with structlog.contextvars.bound_contextvars(job_id=job_id):
        job = job_execute(job_id=job_id, worker_id=worker_id())
    return job.state if job is not None else None


@db_periodic_task(crontab(minute="*"))
def jobs_reap_periodic() -> dict[str, int]:
    """Every minute: re-enqueue or fail jobs whose worker was lost."""
    from .services import jobs_reap

    return jobs_reap()
