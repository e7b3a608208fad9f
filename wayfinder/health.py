"""Liveness and readiness endpoints.

``/healthz`` answers as long as the process serves requests and touches
nothing. ``/readyz`` checks every service a request may need and names the
ones that are down, with 503, so a load balancer stops sending traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import structlog

logger = structlog.get_logger(__name__)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = "readyz:probe"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
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


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "huey": check_huey,
    "search": check_search,
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


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            status, error = check(), ""
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            status, error = "down", f"{type(exc).__name__}: {exc}"[:300]
            logger.warning("readiness_check_failed", check=name, error=error)
        entry: dict[str, object] = {
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if error:
            entry["error"] = error
        results[name] = entry
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
        },
    }
    return JsonResponse(body, status=503 if down else 200)
