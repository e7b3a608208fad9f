"""Where the link checker may connect: public addresses only.

Curators' URLs are requested from the worker's network, which can reach what
the internet cannot: Redis on loopback, the cloud metadata service on
169.254.169.254, the private network. Requesting those and storing the status
would be a blind server-side request forgery, so the checker connects only to
public unicast addresses, plus the networks a deployment explicitly allows
(``LINKCHECK["ALLOWED_NETWORKS"]``).

Two halves:

- :class:`VettingNetworkBackend`, the checker's connection layer: it resolves
  each host itself, refuses the connection if any address is not allowed, and
  connects to the vetted address literal. The address checked is the address
  connected to, so a DNS server that answers differently the second time
  (rebinding) gains nothing, and every redirect hop goes through it too.
- :func:`url_targets_private_address`, a pure look at a URL (no DNS) for the
  catalog import to warn about.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import anyio
import httpcore
import httpx

T = TypeVar("T")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REFUSED_ERROR = "refused: private address"

# Names that resolve to this host or the local network by convention
# (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal) rather than through DNS.
_LOCAL_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa")
# The C library reads 127.1, 0x7f.0.0.1 and 2130706433 as IPv4 addresses.
_LEGACY_IPV4 = re.compile(r"[0-9a-fx.]+")


class PrivateAddressRefused(Exception):
    """A connection was refused because the host resolves to a private address.

    Deliberately not an ``httpcore``/``httpx`` error: it passes through both
    untouched, so the checker can tell it from a network failure.
    """

    def __init__(self, *, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}")
        self.host = host
        self.address = address


def networks_parse(values: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    """``"10.0.0.0/8"``-style strings as networks; host bits are ignored.

    Blank strings are skipped (``"a, b"`` splits with spaces). Raises
    ``ValueError`` for a value that is not a network.
    """
    return tuple(
        ipaddress.ip_network(
            value.strip() if isinstance(value, str) else value, strict=False
        )
        for value in values
        if not isinstance(value, str) or value.strip()
    )


def address_is_allowed(
    address: IPAddress, *, allowed_networks: Iterable[IPNetwork] = ()
) -> bool:
    """True for a public unicast address or one inside ``allowed_networks``.

    Refused: loopback, private, link-local, multicast, reserved, unspecified
    and shared (100.64.0.0/10) addresses, for IPv4 and IPv6, including IPv4
    addresses carried in IPv4-mapped (``::ffff:127.0.0.1``) and 6to4 IPv6
    addresses.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in allowed_networks):
        return True
    carried = address.sixtofour if isinstance(address, ipaddress.IPv6Address) else None
    return _is_public(address) and (carried is None or _is_public(carried))


def url_targets_private_address(
    url: str, *, allowed_networks: Iterable[str | IPNetwork] = ()
) -> bool:
    """True if ``url`` visibly points inside: a private IP or a local name.

    Looks at the URL only, without DNS: a host given as an address (also the
    legacy forms ``127.1`` or ``2130706433``) that :func:`address_is_allowed`
    refuses, ``localhost`` and names under ``.localhost``, ``.local``,
    ``.localdomain``, ``.internal`` and ``.home.arpa``, and single-label names
    (``http://redis:6379/``), which only a local resolver answers. A public
    name may still resolve to a private address; the checker refuses that
    when it connects. An unparsable URL is not flagged.
    """
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return False
    if not host:
        return False
    host = unquote(host).rstrip(".")
    address = _address_literal(host)
    if address is not None:
        networks = networks_parse(allowed_networks)
        return not address_is_allowed(address, allowed_networks=networks)
    return host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES) or "." not in host


class VettingNetworkBackend(httpcore.AsyncNetworkBackend):
    """An ``httpcore`` network backend that connects only to allowed addresses.

    ``connect_tcp`` resolves the host, raises :class:`PrivateAddressRefused`
    if any of its addresses is not allowed (a name with one public and one
    private address is refused: which one a connection gets is not ours to
    choose), then connects to the vetted addresses in turn, by literal, so no
    second lookup happens. TLS still names the host: ``httpcore`` passes the
    URL's host as SNI and for the certificate check.
    """

    def __init__(self, *, allowed_networks: Iterable[IPNetwork] = ()) -> None:
        self._allowed_networks = tuple(allowed_networks)
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _resolve(host, port, timeout=timeout)
        for address in addresses:
            if not address_is_allowed(address, allowed_networks=self._allowed_networks):
                raise PrivateAddressRefused(host=host, address=str(address))
        options = {
            "timeout": timeout,
            "local_address": local_address,
            "socket_options": socket_options,
        }
        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError):
                return await self._backend.connect_tcp(str(address), port, **options)
        return await self._backend.connect_tcp(str(addresses[-1]), port, **options)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def vetting_transport(
    *, allowed_networks: Iterable[IPNetwork], limits: httpx.Limits
) -> httpx.AsyncHTTPTransport:
    """An ``httpx`` transport whose connections go through the vetting backend.

    It ignores ``HTTP_PROXY``/``HTTPS_PROXY``: through a proxy, the address
    connected to would be the proxy's, and the proxy would reach inside.
    """
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    # httpx 0.28 takes no network backend, but its connection pool is
    # httpcore's, which does; the pool is all the transport holds.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=VettingNetworkBackend(allowed_networks=allowed_networks),
    )
    return transport


async def _resolve(host: str, port: int, *, timeout: float | None) -> list[IPAddress]:
    """The host's addresses, in the resolver's order, without duplicates."""
    try:
        with anyio.fail_after(timeout):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
    except OSError as exc:
        # Keeps the socket.gaierror as the cause: the checker reports it as a
        # failed lookup, as it did when httpcore resolved.
        raise httpcore.ConnectError(str(exc)) from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def _is_public(address: IPAddress) -> bool:
    # is_global alone lets multicast through, so each class is named.
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def _address_literal(host: str) -> IPAddress | None:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if _LEGACY_IPV4.fullmatch(host):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(host))
    return None


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end from synchronous code and return its result.

    The outbound fetches (link checks, external sources) are async inside and
    called from Huey tasks, commands and views. ``asyncio.run`` refuses to run
    where an event loop already runs in this thread (a caller inside async
    code, or a synchronous library that keeps a loop, as Playwright's sync API
    does in the browser tests): there the coroutine gets a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="egress") as pool:
        return pool.submit(asyncio.run, coroutine).result()
