"""The link checker never reaches inside: private addresses are refused.

Curators' URLs are fetched from the worker's network, so a link to
``http://127.0.0.1:6379/`` or the cloud metadata address would otherwise be a
blind server-side request forgery. Each trap below is a real server on
loopback that must never see a request.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog.egress import REFUSED_ERROR, url_targets_private_address
from catalog.linkcheck import LinkCheckConfig
from catalog.models import Resource, ResourceLink
from catalog.services import links_check
from taxonomy.enums import LinkHealth, LinkKind
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 3, 17, tzinfo=UTC)


class _Handler(BaseHTTPRequestHandler):
    server: TrapServer

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        self.server.record(self.command, parts.path)
        target = parse_qs(parts.query).get("to")
        self.send_response(302 if target else 200)
        if target:
            self.send_header("Location", target[0])
        self.send_header("Content-Length", "0")
        self.end_headers()


class TrapServer(ThreadingHTTPServer):
    """Answers 200, or 302 to ``?to=``; records every request it sees."""

    def __init__(self, host: str) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), _Handler)
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        host = host or self.server_address[0]
        netloc = f"[{host}]" if ":" in host else host
        return f"http://{netloc}:{self.port}{path}"

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))


@pytest.fixture
def start_server() -> Iterator[Callable[[str], TrapServer]]:
    started: list[tuple[TrapServer, threading.Thread]] = []

    def start(host: str) -> TrapServer:
        httpd = TrapServer(host)
        thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        started.append((httpd, thread))
        return httpd

    yield start
    for httpd, thread in started:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def linkcheck_settings(settings):
    # No allow-list: the default a deployment runs with. The timeout is long
    # enough that a loaded CI machine never times out a loopback answer.
    settings.LINKCHECK = {
        **settings.LINKCHECK,
        "TIMEOUT": 5.0,
        "ALLOWED_NETWORKS": [],
    }


def _check(url: str) -> ResourceLink:
    resource = ResourceFactory(primary_url=url)
    links_check(now=NOW)
    return resource.links.get(kind=LinkKind.PRIMARY)


def _assert_refused(link: ResourceLink) -> None:
    assert link.healthy is False
    assert link.last_error == REFUSED_ERROR == "refused: private address"
    assert link.last_status is None


@pytest.mark.parametrize(
    ("server_host", "url_host"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("127.0.0.1", "localhost"),
        # Linux connects 0.0.0.0 and IPv4-mapped IPv6 addresses to this host.
        ("127.0.0.1", "0.0.0.0"),  # noqa: S104
        ("127.0.0.1", "::ffff:127.0.0.1"),
    ],
)
def test_link_to_this_host_is_refused_without_a_request(
    start_server, server_host, url_host
):
    trap = start_server(server_host)

    link = _check(trap.url("/", host=url_host))

    _assert_refused(link)
    assert trap.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/admin",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_link_to_a_private_or_reserved_address_is_refused(url):
    link = _check(url)

    _assert_refused(link)
    assert link.final_url == url


@pytest.mark.parametrize("trap_host", ["127.0.0.2", "::1"])
def test_redirect_to_a_private_address_is_refused_at_that_hop(
    start_server, settings, trap_host
):
    allowed = start_server("127.0.0.3")
    trap = start_server(trap_host)
    settings.LINKCHECK = {**settings.LINKCHECK, "ALLOWED_NETWORKS": ["127.0.0.3/32"]}
    start = allowed.url(f"/go?to={trap.url('/secret')}")

    link = _check(start)

    _assert_refused(link)
    assert allowed.requests == [("HEAD", "/go")]
    assert trap.requests == []
    assert link.redirects == [{"url": start, "status": 302}]
    assert link.final_url == trap.url("/secret")


def test_allowed_network_is_checked_like_any_other_host(start_server, settings):
    allowed = start_server("127.0.0.3")
    trap = start_server("127.0.0.2")
    settings.LINKCHECK = {**settings.LINKCHECK, "ALLOWED_NETWORKS": ["127.0.0.3/32"]}

    fine = _check(allowed.url("/ok"))
    refused = _check(trap.url("/ok"))

    assert fine.healthy is True
    assert fine.last_status == 200
    _assert_refused(refused)
    assert trap.requests == []


def test_refused_primary_link_makes_the_resource_broken_and_unoffered(start_server):
    trap = start_server("127.0.0.1")
    resource = ResourceFactory(primary_url=trap.url("/"))

    summary = links_check(now=NOW)

    resource.refresh_from_db()
    assert resource.link_health == LinkHealth.BROKEN
    assert not Resource.objects.offerable().filter(pk=resource.pk).exists()
    assert [(link.url, link.error) for link in summary.broken_links] == [
        (trap.url("/"), REFUSED_ERROR)
    ]
    assert trap.requests == []


def test_refused_links_do_not_make_their_host_back_off(start_server, settings):
    settings.LINKCHECK = {
        **settings.LINKCHECK,
        "PER_HOST_CONCURRENCY": 1,
        "HOST_FAILURE_LIMIT": 1,
    }
    trap = start_server("127.0.0.1")
    for number in range(3):
        ResourceFactory(primary_url=trap.url(f"/{number}"))

    summary = links_check(now=NOW)

    assert (summary.checked, summary.broken, summary.skipped) == (3, 3, 0)
    errors = set(ResourceLink.objects.values_list("last_error", flat=True))
    assert errors == {REFUSED_ERROR}
    assert trap.requests == []


def test_unknown_host_is_still_a_dns_failure():
    link = _check("http://nothing-here.invalid/")

    assert link.healthy is False
    assert link.last_error == "DNS lookup failed"


# The import's warning: a pure look at the URL, no DNS


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "https://172.16.0.1/",
        "http://192.168.0.10:8080/x",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1%25eth0]/",
        "http://[fec0::1]/",
        "http://[ff02::1]/",
        "http://224.0.0.251/",
        "http://[2002:7f00:1::]/",
        "http://100.64.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://localhost:8000/",
        "http://LOCALHOST./",
        "http://admin.localhost/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://printer.local/",
        "http://router.home.arpa/",
        "http://redis:6379/",
    ],
)
def test_url_targeting_a_private_address_is_flagged(url):
    assert url_targets_private_address(url) is True


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.python.org/3/tutorial/",
        "http://93.184.216.34/",
        "https://[2606:4700:4700::1111]/",
        "http://[::ffff:93.184.216.34]/",
        "https://localhost.example.com/",
        "https://cafe.de/",
        "not a url",
        "",
    ],
)
def test_url_on_the_public_internet_is_not_flagged(url):
    assert url_targets_private_address(url) is False


def test_allowed_network_is_not_flagged():
    url = "http://127.0.0.1:8000/"

    assert url_targets_private_address(url, allowed_networks=["127.0.0.0/8"]) is False
    assert url_targets_private_address(url, allowed_networks=["10.0.0.0/8"]) is True


def test_allowed_networks_setting_is_parsed_and_checked():
    config = LinkCheckConfig.from_settings(
        {"ALLOWED_NETWORKS": [" 10.20.0.1/16", "fd12::/48", ""]}
    )

    assert config.allowed_networks == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("fd12::/48"),
    )
    with pytest.raises(ValueError, match="intranet"):
        LinkCheckConfig.from_settings({"ALLOWED_NETWORKS": ["intranet"]})


def test_run_blocking_works_where_an_event_loop_already_runs():
    """As in the browser tests, where Playwright's sync API keeps a loop."""
    import asyncio

    from catalog.egress import run_blocking

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def caller() -> int:
        return run_blocking(answer())

    assert run_blocking(answer()) == 42
    assert asyncio.run(caller()) == 42
