"""Liveness and readiness endpoints.

``/healthz`` answers as long as the process serves requests and touches
nothing. ``/readyz`` checks every service a request may need and names the
ones that are down, with 503, so a load balancer stops sending traffic. The
checks run at the same time, each within ``READYZ_CHECK_TIMEOUT`` seconds, so
one service that hangs cannot make the probe itself time out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import structlog

from .cache import cache_probe

logger = structlog.get_logger(__name__)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    # A probe, not cache.get: the cache reads an outage as a miss on purpose.
    cache_probe(caches["default"])
    return "ok"


def check_huey() -> str:
    from huey.contrib.djhuey import HUEY

    # Reading the queue length makes a round trip to the broker (Redis or the
    # SQLite file) without changing anything.
    HUEY.pending_count()
    return "ok"


def check_search() -> str:
    from search.health import search_health

    return search_health()


def check_exports() -> str:
    from roadmaps.services.export import export_storage_check

    return export_storage_check()


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "huey": check_huey,
    "search": check_search,
    "exports": check_exports,
}


def _worker_heartbeat() -> dict[str, object]:
    """When a Huey worker last ran its heartbeat: informative, never "down".

    A web node can serve while workers restart, so an old heartbeat is a
    warning for operators, not a reason to leave the load balancer.
    """
    from .tasks import worker_heartbeat_last

    try:
        beat = worker_heartbeat_last()
    except Exception as exc:  # noqa: BLE001 - the huey check reports the outage
        return {"status": "unknown", "error": type(exc).__name__}
    if not beat:
        return {"status": "unknown", "last_seen": None}
    return {"status": "ok", "last_seen": beat["at"], "host": beat["host"]}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _run_check(check: Callable[[], str]) -> tuple[str, str, float]:
    """``(status, error, ms)`` of one check, in a pool thread."""
    started = time.perf_counter()
    try:
        status, error = check(), ""
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        status, error = "down", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        # Django opens a connection per thread; this thread's dies with it.
        connections.close_all()
    return status, error, round((time.perf_counter() - started) * 1000, 1)


def _run_checks() -> dict[str, dict[str, object]]:
    """Every check at once; one still running after the timeout is "down"."""
    timeout = settings.READYZ_CHECK_TIMEOUT
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    futures: dict[str, Future[tuple[str, str, float]]] = {
        name: pool.submit(_run_check, check) for name, check in CHECKS.items()
    }
    wait(futures.values(), timeout=timeout)
    # A hung check keeps its thread until its own client gives up; the
    # answer does not wait for it.
    pool.shutdown(wait=False, cancel_futures=True)
    results: dict[str, dict[str, object]] = {}
    for name, future in futures.items():
        if future.done():
            status, error, ms = future.result()
        else:
            status, error, ms = "down", "timeout", round(timeout * 1000, 1)
        entry: dict[str, object] = {"status": status, "ms": ms}
        if error:
            entry["error"] = error
            logger.warning("readiness_check_failed", check=name, error=error)
        results[name] = entry
    return results


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = _run_checks()
    results["worker"] = _worker_heartbeat()
    down = sorted(name for name, entry in results.items() if entry["status"] == "down")
    degraded = sorted(
        name for name, entry in results.items() if entry["status"] == "degraded"
    )
    body = {
        "status": "down" if down else ("degraded" if degraded else "ok"),
        "down": down,
        "degraded": degraded,
        "checks": results,
        "backends": {
            "database": connection.vendor,
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "huey": settings.HUEY["huey_class"].rsplit(".", 1)[-1],
            "search": settings.SEARCH_BACKEND,
            "exports": settings.STORAGES["exports"]["BACKEND"].rsplit(".", 1)[-1],
        },
    }
    return JsonResponse(body, status=503 if down else 200)
