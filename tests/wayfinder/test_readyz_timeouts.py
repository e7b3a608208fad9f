"""/readyz stays fast whatever hangs: checks run at once, each with a timeout.

A service that hangs is played by a loopback socket that listens and never
answers: connections are accepted by the kernel, requests are never read.
The clients' own timeouts are set to 10 s, so an answer within a few seconds
can only come from the readiness timeout (0.5 s), even on a busy machine.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.django_db


CLIENT_TIMEOUT = 10


@pytest.fixture(autouse=True)
def _readiness_timeout(settings):
    settings.READYZ_CHECK_TIMEOUT = 0.5


@pytest.fixture
def hanging_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def _timed_readyz(client) -> tuple[float, int, dict]:
    started = time.perf_counter()
    response = client.get("/readyz")
    return time.perf_counter() - started, response.status_code, response.json()


def test_readyz_answers_fast_and_names_search_when_meilisearch_hangs(
    client, settings, hanging_port
):
    settings.SEARCH_BACKEND = "meilisearch"
    settings.MEILISEARCH_URL = f"http://127.0.0.1:{hanging_port}"
    settings.MEILISEARCH_TIMEOUT = CLIENT_TIMEOUT
    elapsed, status, body = _timed_readyz(client)
    assert status == 503
    assert body["down"] == ["search"]
    assert body["checks"]["search"]["error"] == "timeout"
    assert body["checks"]["database"]["status"] == "ok"
    assert elapsed < 3


def test_readyz_answers_fast_and_names_the_cache_when_redis_hangs(
    client, settings, hanging_port
):
    settings.CACHES = {
        "default": {
            "BACKEND": "wayfinder.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{hanging_port}/0",
            "OPTIONS": {
                "socket_connect_timeout": CLIENT_TIMEOUT,
                "socket_timeout": CLIENT_TIMEOUT,
            },
        }
    }
    elapsed, status, body = _timed_readyz(client)
    assert status == 503
    assert body["down"] == ["cache"]
    assert body["checks"]["cache"]["error"] == "timeout"
    assert elapsed < 3


def test_readyz_reports_how_long_each_check_took(client):
    _, status, body = _timed_readyz(client)
    assert status == 200, body
    for name in ("database", "cache", "huey", "search"):
        assert body["checks"][name]["status"] == "ok"
        assert body["checks"][name]["ms"] >= 0
