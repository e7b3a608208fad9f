"""The network half of the link checker: fetch URLs, say what answered.

No ORM here: :func:`check_urls` takes URLs and returns one frozen
:class:`LinkResult` per URL; ``catalog.services.links_check`` decides what the
results mean for the catalog and writes them.

How a URL is checked:

- ``HEAD`` first, then ``GET`` (headers only, the body is never read) when
  ``HEAD`` answers with an error: many servers refuse ``HEAD`` (405, 501) or
  answer it wrongly (403, 404), and a false "broken" hides a resource from
  learners. 429 and 503 are not retried with ``GET``: the server asked us to
  slow down.
- Redirects are followed by hand, up to ``max_redirects``, and every hop is
  recorded (``Redirect(url, status)``) along with the final URL.
- Bounded concurrency: one semaphore for the whole run, one per host, and a
  timeout on every request.
- Host backoff: once a host has failed ``host_failure_limit`` times in a row
  with a timeout or a connection error, its remaining URLs are skipped for this
  run instead of waiting out one timeout each.
- Public addresses only: every connection, redirect hops included, goes
  through :mod:`catalog.egress`, which refuses hosts resolving to loopback,
  private, link-local, multicast or reserved addresses (unless in
  ``allowed_networks``); such a URL is broken with ``refused: private
  address``, and nothing is sent to it.
"""

from __future__ import annotations

import asyncio
import enum
import socket
import ssl
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
import structlog

from .egress import (
    REFUSED_ERROR,
    IPNetwork,
    PrivateAddressRefused,
    networks_parse,
    run_blocking,
    vetting_transport,
)

logger = structlog.get_logger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TRANSIENT_STATUSES = frozenset({429, 503})
SKIPPED_ERROR = "skipped: host backing off"
_SETTING_NAMES = (
    ("CONCURRENCY", "concurrency"),
    ("PER_HOST_CONCURRENCY", "per_host_concurrency"),
    ("TIMEOUT", "timeout"),
    ("MAX_REDIRECTS", "max_redirects"),
    ("USER_AGENT", "user_agent"),
    ("HOST_FAILURE_LIMIT", "host_failure_limit"),
)


class Outcome(enum.StrEnum):
    HEALTHY = "healthy"
    BROKEN = "broken"
    TRANSIENT = "transient"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class LinkCheckConfig:
    """Limits of one run; :meth:`from_settings` reads ``settings.LINKCHECK``."""

    concurrency: int = 8
    per_host_concurrency: int = 2
    timeout: float = 10.0
    max_redirects: int = 5
    user_agent: str = "WayfinderLinkChecker/1.0"
    host_failure_limit: int = 3
    allowed_networks: tuple[IPNetwork, ...] = ()

    def __post_init__(self) -> None:
        for name in ("concurrency", "per_host_concurrency", "host_failure_limit"):
            if getattr(self, name) < 1:
                raise ValueError(f"LinkCheckConfig.{name} must be at least 1")
        if self.timeout <= 0 or self.max_redirects < 0:
            raise ValueError("LinkCheckConfig needs timeout > 0, max_redirects >= 0")

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> LinkCheckConfig:
        """Build from a ``LINKCHECK``-style mapping; missing keys keep defaults.

        ``ALLOWED_NETWORKS`` holds strings such as ``"10.0.0.0/8"``; raises
        ``ValueError`` for one that is not a network.
        """
        return cls(
            **{
                attribute: values[key]
                for key, attribute in _SETTING_NAMES
                if key in values
            },
            allowed_networks=networks_parse(values.get("ALLOWED_NETWORKS", ())),
        )


@dataclass(frozen=True)
class Redirect:
    """One redirect answer on the way to the final URL."""

    url: str
    status: int

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status}


@dataclass(frozen=True)
class LinkResult:
    """What one URL answered.

    ``status`` is the last HTTP status seen (``None`` when nothing answered),
    ``final_url`` the URL that gave it, ``redirects`` the hops before it.
    ``host_failure`` is true for timeouts and connection errors on the URL's
    own host: those count towards the host's backoff.
    """

    url: str
    outcome: Outcome
    status: int | None = None
    final_url: str = ""
    redirects: tuple[Redirect, ...] = ()
    error: str = ""
    host_failure: bool = False

    @property
    def healthy(self) -> bool | None:
        """True for 2xx, None when skipped, False otherwise."""
        if self.outcome is Outcome.SKIPPED:
            return None
        return self.outcome is Outcome.HEALTHY


class _Host:
    """Per-host state shared by the tasks of one run."""

    def __init__(self, *, limit: int) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.failures_in_a_row = 0


def check_urls(
    urls: Iterable[str], *, config: LinkCheckConfig
) -> dict[str, LinkResult]:
    """Check every distinct URL once and return ``{url: LinkResult}``.

    Synchronous: runs its own event loop (in a thread of its own when the
    caller's thread already runs one, ``egress.run_blocking``). Never raises for what a URL
    answers; every failure is described in its result.
    """
    distinct = list(dict.fromkeys(urls))
    if not distinct:
        return {}
    return run_blocking(check_urls_async(distinct, config=config))


async def check_urls_async(
    urls: Iterable[str], *, config: LinkCheckConfig
) -> dict[str, LinkResult]:
    """The asynchronous core of :func:`check_urls`."""
    distinct = list(dict.fromkeys(urls))
    run_slots = asyncio.Semaphore(config.concurrency)
    hosts: defaultdict[str, _Host] = defaultdict(
        lambda: _Host(limit=config.per_host_concurrency)
    )
    limits = httpx.Limits(
        max_connections=config.concurrency,
        max_keepalive_connections=config.concurrency,
    )
    async with httpx.AsyncClient(
        headers={"User-Agent": config.user_agent, "Accept": "*/*"},
        timeout=httpx.Timeout(config.timeout),
        transport=vetting_transport(
            allowed_networks=config.allowed_networks, limits=limits
        ),
        follow_redirects=False,
    ) as client:
        results = await asyncio.gather(
            *(
                _check_one(
                    client,
                    url,
                    run_slots=run_slots,
                    host=hosts[_host_key(url)],
                    config=config,
                )
                for url in distinct
            )
        )
    return dict(zip(distinct, results, strict=True))


async def _check_one(
    client: httpx.AsyncClient,
    url: str,
    *,
    run_slots: asyncio.Semaphore,
    host: _Host,
    config: LinkCheckConfig,
) -> LinkResult:
    # The host slot is taken before the run slot, so a task queued behind a
    # busy host does not hold one of the run's slots while it waits.
    async with host.slots:
        if host.failures_in_a_row >= config.host_failure_limit:
            return LinkResult(url=url, outcome=Outcome.SKIPPED, error=SKIPPED_ERROR)
        async with run_slots:
            try:
                result = await _follow(client, url, config=config)
            except Exception as exc:  # noqa: BLE001
                # One URL tripping an unforeseen error must not lose the
                # results of the whole run; it is reported as broken instead.
                logger.exception("linkcheck_unexpected_error", url=url)
                result = LinkResult(
                    url=url,
                    outcome=Outcome.BROKEN,
                    final_url=url,
                    error=f"checker error: {type(exc).__name__}",
                )
        host.failures_in_a_row = (
            host.failures_in_a_row + 1 if result.host_failure else 0
        )
        return result


async def _follow(
    client: httpx.AsyncClient, url: str, *, config: LinkCheckConfig
) -> LinkResult:
    redirects: list[Redirect] = []
    try:
        current = httpx.URL(url)
        origin = _host_key(url)
        if current.scheme not in {"http", "https"}:
            return _broken(url, current, redirects, "unsupported URL scheme")
        for _hop in range(config.max_redirects + 1):
            try:
                status, location = await _status_of(client, current, config=config)
            except PrivateAddressRefused as exc:
                # Not a host failure: nothing was sent, and the next URL on
                # the same host deserves the same answer, not a skip.
                logger.info("linkcheck_private_address_refused", url=url, to=str(exc))
                return _broken(url, current, redirects, REFUSED_ERROR)
            except (httpx.HTTPError, TimeoutError, OSError) as exc:
                return _broken(
                    url,
                    current,
                    redirects,
                    _describe(exc),
                    host_failure=_is_host_failure(exc) and _host_key(current) == origin,
                )
            if status not in REDIRECT_STATUSES or not location:
                return _classify(url, current, redirects, status)
            redirects.append(Redirect(url=str(current), status=status))
            current = current.join(location)
    except httpx.InvalidURL as exc:
        return _broken(url, url, redirects, f"invalid URL: {exc}")
    return _broken(
        url,
        current,
        redirects,
        f"too many redirects (more than {config.max_redirects})",
        status=redirects[-1].status,
    )


async def _status_of(
    client: httpx.AsyncClient, url: httpx.URL, *, config: LinkCheckConfig
) -> tuple[int, str | None]:
    """HEAD, then a headers-only GET if HEAD was answered with an error."""
    # httpx's timeout is per phase (connect, each read); the outer one bounds
    # the whole request, so a server dripping bytes cannot hold a slot.
    async with asyncio.timeout(config.timeout):
        response = await client.head(url)
    if response.status_code >= 400 and response.status_code not in TRANSIENT_STATUSES:
        async with asyncio.timeout(config.timeout), client.stream("GET", url) as get:
            response = get
    return response.status_code, response.headers.get("location")


def _classify(
    url: str, final: httpx.URL, redirects: list[Redirect], status: int
) -> LinkResult:
    if 200 <= status < 300:
        return LinkResult(
            url=url,
            outcome=Outcome.HEALTHY,
            status=status,
            final_url=str(final),
            redirects=tuple(redirects),
        )
    if status in TRANSIENT_STATUSES:
        return LinkResult(
            url=url,
            outcome=Outcome.TRANSIENT,
            status=status,
            final_url=str(final),
            redirects=tuple(redirects),
            error=f"{_status_text(status)} (transient)",
        )
    error = _status_text(status)
    if status in REDIRECT_STATUSES:
        error = f"{error} without a Location header"
    return _broken(url, final, redirects, error, status=status)


def _broken(
    url: str,
    final: httpx.URL | str,
    redirects: list[Redirect],
    error: str,
    *,
    status: int | None = None,
    host_failure: bool = False,
) -> LinkResult:
    return LinkResult(
        url=url,
        outcome=Outcome.BROKEN,
        status=status,
        final_url=str(final),
        redirects=tuple(redirects),
        error=error,
        host_failure=host_failure,
    )


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _is_host_failure(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError | httpx.TransportError | OSError) and not (
        isinstance(exc, httpx.UnsupportedProtocol)
    )


def _describe(exc: BaseException) -> str:
    """A short, stable text for ``ResourceLink.last_error``."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported URL scheme"
    # httpx wraps the socket error (through httpcore and anyio); the cause
    # tells a refused connection from a failed lookup or a bad certificate.
    causes = list(_exception_chain(exc))
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused"
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return "DNS lookup failed"
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return f"TLS error: {exc}"
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TransportError | OSError):
        return f"connection error: {text}"
    return f"request failed: {text}"


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _host_key(url: str | httpx.URL) -> str:
    """``host`` or ``host:port``: what a per-host limit and backoff apply to."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL:
        return ""
    host = parsed.host.lower()
    return f"{host}:{parsed.port}" if parsed.port else host
