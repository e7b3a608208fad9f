"""The network half of the sources: run many searches under one set of rules.

:func:`sources_search` takes ``(source, query)`` pairs and returns one
:class:`SearchResult` per pair, in order, never raising for what a source
answers. The rules, the same for every adapter:

- **cache**: each answer is kept in the Django cache per source and query for
  ``cache_seconds``; a cached answer costs no request;
- **circuit breaker** per source, its state in the cache (so every worker
  shares it): after ``breaker_failures`` failures in a row the source is left
  alone for ``breaker_cooldown`` seconds (or as long as a 429's
  ``Retry-After`` asks); then one search is let through, and a failure opens
  the breaker again. Within a run a source that trips the breaker gets no
  more requests either;
- **limits**: at most ``concurrency`` requests at once and
  ``per_host_concurrency`` per host; each request has ``timeout`` seconds
  (the whole request, body included) and the run ``budget`` seconds in all:
  whatever is still waiting then ends as a timeout;
- **egress**: every connection goes through the link checker's vetting
  transport (``catalog.egress``): public addresses only, plus
  ``LINKCHECK["ALLOWED_NETWORKS"]``; found URLs that visibly point inside
  (``url_targets_private_address``) are dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from django.core.cache import cache

import httpx
import structlog

from catalog.egress import (
    IPNetwork,
    PrivateAddressRefused,
    networks_parse,
    run_blocking,
    url_targets_private_address,
    vetting_transport,
)

from .adapters import GitHubSource, github_reset_seconds
from .base import Failure, Found, Query, Request, Source, SourceError

logger = structlog.get_logger(__name__)

CACHE_SCHEMA = 1
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_ERROR_BODY_BYTES = 64 * 1024
MAX_RETRY_AFTER = 24 * 3600.0


@dataclass(frozen=True)
class FetchConfig:
    """Limits of one run; :meth:`from_settings` reads ``settings.SOURCES``."""

    timeout: float = 8.0
    budget: float = 60.0
    concurrency: int = 8
    per_host_concurrency: int = 2
    cache_seconds: int = 24 * 3600
    breaker_failures: int = 3
    breaker_cooldown: float = 600.0
    user_agent: str = "WayfinderSources/1.0"
    cache_prefix: str = "sources"
    allowed_networks: tuple[IPNetwork, ...] = ()

    def __post_init__(self) -> None:
        if min(self.concurrency, self.per_host_concurrency, self.breaker_failures) < 1:
            raise ValueError("FetchConfig limits must be at least 1")
        if self.timeout <= 0 or self.budget <= 0:
            raise ValueError("FetchConfig needs timeout > 0 and budget > 0")

    @classmethod
    def from_settings(
        cls, values: Mapping[str, Any], *, allowed_networks: Sequence[str] = ()
    ) -> FetchConfig:
        names = {
            "TIMEOUT": "timeout",
            "BUDGET": "budget",
            "CONCURRENCY": "concurrency",
            "PER_HOST_CONCURRENCY": "per_host_concurrency",
            "CACHE_SECONDS": "cache_seconds",
            "BREAKER_FAILURES": "breaker_failures",
            "BREAKER_COOLDOWN": "breaker_cooldown",
            "USER_AGENT": "user_agent",
            "CACHE_PREFIX": "cache_prefix",
        }
        return cls(
            **{attr: values[key] for key, attr in names.items() if key in values},
            allowed_networks=networks_parse(allowed_networks),
        )


@dataclass(frozen=True)
class SearchResult:
    """What one search gave: items, or the error; ``cached`` if no request."""

    source: str
    query: Query
    found: tuple[Found, ...] = ()
    error: SourceError | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Breaker:
    """One source's breaker during a run (loaded from and saved to the cache)."""

    failures: int = 0
    open_until: float = 0.0
    changed: bool = False

    def is_open(self, now: float) -> bool:
        return self.open_until > now

    def success(self) -> None:
        self.failures, self.open_until, self.changed = 0, 0.0, True

    def failure(self, error: SourceError, *, config: FetchConfig, now: float) -> None:
        self.failures += 1
        self.changed = True
        wait = 0.0
        if error.kind is Failure.RATE_LIMITED:
            wait = min(error.retry_after or config.breaker_cooldown, MAX_RETRY_AFTER)
        elif self.failures >= config.breaker_failures:
            wait = config.breaker_cooldown
        if wait:
            self.open_until = max(self.open_until, now + wait)


@dataclass
class _Run:
    config: FetchConfig
    breakers: dict[str, _Breaker]
    hosts: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    slots: asyncio.Semaphore | None = None


def sources_search(
    searches: Sequence[tuple[Source, Query]], *, config: FetchConfig
) -> list[SearchResult]:
    """Run the searches under the rules above; one result per search, in order.

    Synchronous: runs its own event loop (call it from a worker, a command or
    a test). Reads and writes the Django cache before and after the network
    part, never during it.
    """
    now = time.time()
    prefix = config.cache_prefix
    breakers = {
        source.name: _breaker_load(prefix, source.name) for source, _ in searches
    }
    results: list[SearchResult | None] = []
    pending: list[tuple[int, Source, Query]] = []
    for index, (source, query) in enumerate(searches):
        cached = _answer_cached(prefix, source, query)
        if cached is not None:
            results.append(cached)
        elif breakers[source.name].is_open(now):
            results.append(_circuit_open(source, query))
        else:
            results.append(None)
            pending.append((index, source, query))
    if pending:
        run = _Run(config=config, breakers=breakers)
        for index, result in run_blocking(_fetch_all(pending, run)):
            results[index] = result
    for name, breaker in breakers.items():
        if breaker.changed:
            _breaker_save(prefix, name, breaker)
    done = [r for r in results if r is not None]
    for (source, query), result in zip(searches, done, strict=True):
        if result.ok and not result.cached:
            cache.set(
                _answer_key(prefix, source, query),
                [item.as_dict() for item in result.found],
                config.cache_seconds,
            )
    return done


def breaker_state(name: str, *, config: FetchConfig) -> dict[str, float]:
    """A source's breaker as the cache holds it: ``failures`` and ``open_until``."""
    breaker = _breaker_load(config.cache_prefix, name)
    return {"failures": breaker.failures, "open_until": breaker.open_until}


async def _fetch_all(
    pending: list[tuple[int, Source, Query]], run: _Run
) -> list[tuple[int, SearchResult]]:
    run.slots = asyncio.Semaphore(run.config.concurrency)
    limits = httpx.Limits(
        max_connections=run.config.concurrency,
        max_keepalive_connections=run.config.concurrency,
    )
    async with httpx.AsyncClient(
        headers={"User-Agent": run.config.user_agent},
        timeout=httpx.Timeout(run.config.timeout),
        transport=vetting_transport(
            allowed_networks=run.config.allowed_networks, limits=limits
        ),
        follow_redirects=False,
    ) as client:
        tasks = {
            asyncio.create_task(_fetch_one(client, source, query, run)): (
                index,
                source,
                query,
            )
            for index, source, query in pending
        }
        done, waiting = await asyncio.wait(tasks, timeout=run.config.budget)
        for task in waiting:
            task.cancel()
        if waiting:
            await asyncio.wait(waiting)
    results = []
    for task, (index, source, query) in tasks.items():
        if task in done and not task.cancelled():
            results.append((index, task.result()))
        else:
            error = SourceError(Failure.TIMEOUT, "run budget spent")
            run.breakers[source.name].failure(error, config=run.config, now=time.time())
            results.append((index, SearchResult(source.name, query, error=error)))
    return results


async def _fetch_one(
    client: httpx.AsyncClient, source: Source, query: Query, run: _Run
) -> SearchResult:
    request = source.request(query)
    host = httpx.URL(request.url).netloc.decode("ascii", "replace").lower()
    slots = run.hosts.setdefault(
        host, asyncio.Semaphore(run.config.per_host_concurrency)
    )
    breaker = run.breakers[source.name]
    assert run.slots is not None  # noqa: S101
    async with slots, run.slots:
        # Checked once a slot is ours: an earlier search of the same source
        # may have tripped the breaker while this one waited.
        if breaker.is_open(time.time()):
            return _circuit_open(source, query)
        try:
            found = await _get(client, source, query, request, run.config)
        except SourceError as error:
            breaker.failure(error, config=run.config, now=time.time())
            logger.warning(
                "source_search_failed",
                source=source.name,
                query=query.text,
                kind=error.kind.value,
                detail=error.detail,
            )
            return SearchResult(source.name, query, error=error)
        except Exception as exc:  # noqa: BLE001
            # One adapter tripping over an unforeseen answer must not lose the
            # other searches of the run.
            logger.exception("source_search_crashed", source=source.name)
            error = SourceError(
                Failure.MALFORMED, f"adapter error {type(exc).__name__}"
            )
            breaker.failure(error, config=run.config, now=time.time())
            return SearchResult(source.name, query, error=error)
        breaker.success()
        kept = tuple(
            item
            for item in found
            if item.url.startswith(("http://", "https://"))
            and not url_targets_private_address(
                item.url, allowed_networks=run.config.allowed_networks
            )
        )
        return SearchResult(source.name, query, found=kept)


async def _get(
    client: httpx.AsyncClient,
    source: Source,
    query: Query,
    request: Request,
    config: FetchConfig,
) -> list[Found]:
    try:
        # httpx's timeout is per phase; this one bounds the whole request.
        async with (
            asyncio.timeout(config.timeout),
            client.stream(
                "GET",
                request.url,
                params=dict(request.params),
                headers=dict(request.headers),
            ) as response,
        ):
            headers = {k.lower(): v for k, v in response.headers.items()}
            if source.rate_limited(response.status_code, headers):
                raise SourceError(
                    Failure.RATE_LIMITED,
                    f"HTTP {response.status_code}",
                    retry_after=_retry_after(source, headers),
                )
            if response.status_code >= 500:
                raise SourceError(Failure.UNAVAILABLE, f"HTTP {response.status_code}")
            if not 200 <= response.status_code < 300:
                raise source.refusal(
                    response.status_code, await _error_body(response), headers
                )
            body = await _read_limited(response)
    except PrivateAddressRefused as exc:
        raise SourceError(Failure.REFUSED, str(exc)) from None
    except (TimeoutError, httpx.TimeoutException):
        raise SourceError(
            Failure.TIMEOUT, f"no answer in {config.timeout:g} s"
        ) from None
    except httpx.InvalidURL as exc:
        raise SourceError(Failure.REJECTED, f"invalid URL: {exc}") from None
    except (httpx.HTTPError, OSError) as exc:
        raise SourceError(
            Failure.UNAVAILABLE, f"connection error: {type(exc).__name__}"
        ) from None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise SourceError(Failure.MALFORMED, "body is not JSON") from None
    return source.parse(query, data, headers)


async def _read_limited(
    response: httpx.Response, *, limit: int = MAX_BODY_BYTES
) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise SourceError(Failure.MALFORMED, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _error_body(response: httpx.Response) -> Any:
    """A refusal's JSON, or None: it only explains the refusal, so a body
    that is too long or not JSON is no further failure."""
    try:
        body = await _read_limited(response, limit=MAX_ERROR_BODY_BYTES)
        return json.loads(body)
    except (SourceError, ValueError, RecursionError):
        return None


def _retry_after(source: Source, headers: Mapping[str, str]) -> float | None:
    """Seconds a "slow down" answer asks for: ``Retry-After`` (seconds or an
    HTTP date), or GitHub's ``x-ratelimit-reset``."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    if isinstance(source, GitHubSource):
        return github_reset_seconds(headers)
    return None


def _circuit_open(source: Source, query: Query) -> SearchResult:
    return SearchResult(
        source.name,
        query,
        error=SourceError(Failure.CIRCUIT_OPEN, "source is resting after failures"),
    )


def _answer_key(prefix: str, source: Source, query: Query) -> str:
    raw = json.dumps(
        [
            source.name,
            source.base_url,
            query.text,
            query.language,
            query.level,
            query.limit,
        ]
    )
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"{prefix}:answer:{CACHE_SCHEMA}:{source.name}:{digest}"


def _answer_cached(prefix: str, source: Source, query: Query) -> SearchResult | None:
    data = cache.get(_answer_key(prefix, source, query))
    if not isinstance(data, list):
        return None
    try:
        found = tuple(Found.from_dict(item) for item in data)
    except TypeError:
        return None
    return SearchResult(source.name, query, found=found, cached=True)


def _breaker_key(prefix: str, name: str) -> str:
    return f"{prefix}:breaker:{name}"


def _breaker_load(prefix: str, name: str) -> _Breaker:
    data = cache.get(_breaker_key(prefix, name))
    if not isinstance(data, dict):
        return _Breaker()
    return _Breaker(
        failures=int(data.get("failures", 0)),
        open_until=float(data.get("open_until", 0)),
    )


def _breaker_save(prefix: str, name: str, breaker: _Breaker) -> None:
    cache.set(
        _breaker_key(prefix, name),
        {"failures": breaker.failures, "open_until": breaker.open_until},
        7 * 24 * 3600,
    )
