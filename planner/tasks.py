"""Huey tasks of the planner: thin, they take ids and call a service."""

from __future__ import annotations

import gc
import os
import socket
import threading

from django.conf import settings

import structlog
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

#: Huey retries a task that raised (a transient database error: deterministic
#: failures are recorded on the job instead), waiting ``retry_delay`` seconds,
#: then that times ``retry_backoff`` each time (5 s, 10 s, 20 s by default).
RETRIES = settings.PLANNER_TASK_RETRIES
RETRY_DELAY = settings.PLANNER_TASK_RETRY_DELAY
RETRY_BACKOFF = 2
#: Snapshots with at least this many topics and resources are frozen.
GC_FREEZE_MIN_NODES = 10_000

_frozen_lock = threading.Lock()
_frozen_version: int | None = None


def worker_id() -> str:
    """Names this process in logs: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
def plan_execute_task(job_id: int) -> str | None:
    """Run a planning job (idempotent: a duplicate or a retry does no harm)."""
    from .services import job_execute

    with structlog.contextvars.bound_contextvars(job_id=job_id):
        snapshot_freeze()
        job = job_execute(job_id=job_id, worker_id=worker_id())
    return job.state if job is not None else None


def snapshot_freeze() -> None:
    """Move a large catalog snapshot out of the cyclic collector's way, once.

    A worker keeps the snapshot (about a million small objects at 10k topics)
    for as long as the catalog version stands; each plan then allocates
    thousands more, and every full collection would walk the snapshot again.
    ``gc.freeze()`` after a new snapshot loads stops that; reference counting
    still frees it when the next version replaces it. Process-wide, so it
    lives here in the worker, never in the pure core or around a plan; small
    catalogs are not worth the full collection it costs.
    """
    global _frozen_version
    if not settings.PLANNER_GC_FREEZE:
        return
    from .domain import CatalogGraphError
    from .selectors import catalog_graph_get

    try:
        graph = catalog_graph_get()
    except CatalogGraphError:
        return  # the job records this error itself
    with _frozen_lock:
        if graph.version == _frozen_version:
            return
        _frozen_version = graph.version
        if len(graph.resources) + len(graph.topics) >= GC_FREEZE_MIN_NODES:
            gc.collect()
            gc.freeze()


@db_periodic_task(crontab(minute="*"))
def jobs_reap_periodic() -> dict[str, int]:
    """Every minute: re-enqueue or fail jobs whose worker was lost."""
    from .services import jobs_reap

    return jobs_reap()
