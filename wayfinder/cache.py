"""A Redis cache that treats an outage as a miss.

The cache only ever holds copies of what the database can rebuild, so Redis
being down must cost speed, never a 500: every read answers a miss, every
write is dropped, and a warning is logged. ``/readyz`` still reports the
outage through ``cache_probe``, which bypasses the tolerance.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache

import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = structlog.get_logger(__name__)

T = TypeVar("T")

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError)
PROBE_KEY = "readyz:probe"

# Per Redis location, when to try it again after a failure. Shared by every
# thread of the process: caches are per thread, outages are not.
_retry_at: dict[str, float] = {}
_retry_lock = threading.Lock()


class TolerantRedisCache(RedisCache):
    """Django's ``RedisCache``, with a Redis outage read as a miss.

    After a failure Redis is left alone for ``retry_after`` seconds: a Redis
    that hangs would otherwise cost a socket timeout on every cache call of
    every request. One warning is logged per outage window, not per call.
    """

    retry_after = 5.0

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = ",".join(self._servers)

    def _tolerant(self, fallback: T, call: Callable[..., T], *args: Any) -> T:
        if time.monotonic() < _retry_at.get(self._location, 0.0):
            return fallback
        try:
            return call(*args)
        except OUTAGE_ERRORS as exc:
            with _retry_lock:
                first = time.monotonic() >= _retry_at.get(self._location, 0.0)
                _retry_at[self._location] = time.monotonic() + self.retry_after
            if first:
                logger.warning(
                    "cache_unavailable",
                    error=f"{type(exc).__name__}: {exc}"[:300],
                    retry_after=self.retry_after,
                )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # A write during an outage is dropped as if made, like set(): add()
        # answering "already there" would hold whoever uses it as a lock
        # (allauth's rate limits, around every sign-in) until its wait ends,
        # then refuse them: nobody could sign in while Redis is down.
        return self._tolerant(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._tolerant(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._tolerant(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._tolerant(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._tolerant({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._tolerant(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._tolerant(missing, super().incr, key, delta, version)
        if value is missing:
            # What a miss means for incr(): callers already handle it.
            raise ValueError(f"Key '{key}' not found.")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._tolerant(None, super().delete_many, keys, version)

    def clear(self):
        return self._tolerant(False, super().clear)


def cache_probe(backend: BaseCache) -> None:
    """Write a key and read it back; raise when the cache cannot.

    For readiness: on a ``TolerantRedisCache`` it uses the plain Redis
    methods, so an outage raises instead of reading as a miss.
    """
    strict = (
        super(TolerantRedisCache, backend)
        if isinstance(backend, TolerantRedisCache)
        else backend
    )
    strict.set(PROBE_KEY, "1", timeout=5)
    if strict.get(PROBE_KEY) != "1":
        raise RuntimeError("cache did not return the value just written")
