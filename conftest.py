"""Shared fixtures. Tests run against real services when they are configured.

In CI (``CI=true``) PostgreSQL and Redis must be configured and reachable: a
missing service fails the run at start-up instead of skipping tests.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    default_port = {"redis": 6379, "postgres": 5432, "postgresql": 5432}.get(
        parsed.scheme
    )
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    if not IN_CI:
        return
    problems = []
    for name, schemes in (("DATABASE_URL", ("postgres",)), ("REDIS_URL", ("redis",))):
        url = os.environ.get(name, "")
        if not url.startswith(schemes):
            problems.append(f"{name} must point at the CI service (got {url!r})")
        elif not _reachable(url):
            problems.append(f"{name}={url} is not reachable")
    if problems:
        raise pytest.UsageError("CI needs its services: " + "; ".join(problems))


@pytest.fixture
def redis_url() -> str:
    """The Redis URL for tests that need a real broker; skipped locally without one."""
    url = os.environ.get("REDIS_URL", "")
    if not url or not _reachable(url):
        if IN_CI:
            pytest.fail("REDIS_URL is required in CI")
        pytest.skip("REDIS_URL is not set or not reachable")
    return url


@pytest.fixture(autouse=True)
def _fresh_planner_snapshot() -> Iterator[None]:
    """Every test starts and ends without the planner's in-process snapshot.

    The snapshot is memoised by catalog version, and rolled-back test catalogs
    reuse version numbers: a test in the same process could otherwise plan on
    the previous test's catalog. (The settings keep it out of Redis too.)
    """
    from planner.selectors import catalog_graph_forget

    catalog_graph_forget()
    yield
    catalog_graph_forget()


@pytest.fixture(autouse=True)
def _cache_outage_forgotten() -> Iterator[None]:
    """No test inherits another's cache outage.

    ``TolerantRedisCache`` leaves a Redis alone for 5 seconds after a failure,
    in process-wide state: a test that broke the cache on purpose (or a
    timeout on a loaded machine) would turn the next tests' cache calls into
    misses and dropped writes.
    """
    from wayfinder import cache

    cache._retry_at.clear()
    yield
    cache._retry_at.clear()
