"""The link checker against a real HTTP server on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import urlsplit

from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from catalog import services
from catalog.models import Resource, ResourceLink
from catalog.services import link_failure_backoff, links_check
from catalog.tasks import links_check_periodic
from taxonomy.enums import LinkHealth, LinkKind
from taxonomy.selectors import catalog_version_current
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 3, 17, tzinfo=UTC)
# Long enough that a loaded CI machine never times out a loopback answer (one
# redirect loop is six requests); the timeout test sets its own short one.
TIMEOUT = 5.0
SHORT_TIMEOUT = 0.5


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        path = urlsplit(self.path).path
        self.server.request_started(self.command, path)
        self._counted = True
        try:
            self._route(path)
        finally:
            self._uncount()

    def _uncount(self) -> None:
        # Before the response leaves: once the client has it, it may start its
        # next request, which must not find this one still counted in flight.
        if self._counted:
            self._counted = False
            self.server.request_finished()

    def _route(self, path: str) -> None:
        if path == "/ok":
            self._send(200)
        elif path == "/moved":
            self._send(301, location="/ok")
        elif path == "/loop":
            self._send(302, location="/loop")
        elif path == "/missing":
            self._send(404)
        elif path == "/error":
            self._send(500)
        elif path == "/busy":
            self._send(503)
        elif path == "/head-refused":
            self._send(405 if self.command == "HEAD" else 200)
        elif path == "/slow":
            time.sleep(0.15)
            self._send(200)
        elif path == "/never":
            # Answer nothing until the test is over: the client must time out.
            self.server.stopping.wait(timeout=30)
        else:
            self._send(404)

    def _send(self, status: int, *, location: str = "") -> None:
        self._uncount()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class LoopbackServer(ThreadingHTTPServer):
    """Records every request and the most requests it had in flight at once."""

    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stopping = threading.Event()
        self.requests: list[tuple[str, str]] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}"

    def request_started(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def request_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    httpd = LoopbackServer()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def dead_host_url() -> str:
    """A loopback port nothing listens on: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def linkcheck_settings(settings):
    settings.LINKCHECK = {
        **settings.LINKCHECK,
        "CONCURRENCY": 8,
        "PER_HOST_CONCURRENCY": 8,
        "TIMEOUT": TIMEOUT,
        "MAX_REDIRECTS": 5,
        "RECHECK_AFTER_HOURS": 24,
        # The test servers listen on loopback, which is refused by default
        # (tests/catalog/test_linkcheck_ssrf.py).
        "ALLOWED_NETWORKS": ["127.0.0.1/32"],
    }
    return settings.LINKCHECK


def _catalog_version() -> int:
    return catalog_version_current()


def _primary(resource: Resource) -> ResourceLink:
    return resource.links.get(kind=LinkKind.PRIMARY)


def _check_one(url: str) -> ResourceLink:
    resource = ResourceFactory(primary_url=url)
    links_check(now=NOW)
    return _primary(resource)


# What gets written on each link


def test_healthy_link_records_status_and_is_rechecked_after_a_day(server):
    link = _check_one(server.url("/ok"))

    assert link.healthy is True
    assert link.last_status == 200
    assert link.final_url == server.url("/ok")
    assert link.redirects == []
    assert link.last_error == ""
    assert link.consecutive_failures == 0
    assert link.last_checked_at == NOW
    assert link.next_check_at == NOW + timedelta(hours=24)


def test_redirect_is_followed_and_its_chain_recorded(server):
    link = _check_one(server.url("/moved"))

    assert link.healthy is True
    assert link.last_status == 200
    assert link.final_url == server.url("/ok")
    assert link.redirects == [{"url": server.url("/moved"), "status": 301}]


def test_redirect_loop_is_broken_after_the_redirect_limit(server):
    link = _check_one(server.url("/loop"))

    assert link.healthy is False
    assert link.last_status == 302
    assert link.last_error == "too many redirects (more than 5)"
    assert len(link.redirects) == 6
    assert {hop["url"] for hop in link.redirects} == {server.url("/loop")}


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/missing", 404, "HTTP 404 Not Found"),
        ("/error", 500, "HTTP 500 Internal Server Error"),
    ],
)
def test_error_status_marks_link_broken_and_backs_off_an_hour(
    server, path, status, error
):
    link = _check_one(server.url(path))

    assert link.healthy is False
    assert link.last_status == status
    assert link.last_error == error
    assert link.final_url == server.url(path)
    assert link.consecutive_failures == 1
    assert link.next_check_at == NOW + timedelta(hours=1)


def test_head_refused_falls_back_to_get(server):
    link = _check_one(server.url("/head-refused"))

    assert link.healthy is True
    assert link.last_status == 200
    assert server.requests == [("HEAD", "/head-refused"), ("GET", "/head-refused")]


def test_healthy_head_needs_no_get(server):
    _check_one(server.url("/ok"))

    assert server.requests == [("HEAD", "/ok")]


def test_unanswered_request_times_out(server, settings):
    settings.LINKCHECK = {**settings.LINKCHECK, "TIMEOUT": SHORT_TIMEOUT}
    started = time.monotonic()
    link = _check_one(server.url("/never"))
    elapsed = time.monotonic() - started

    assert link.healthy is False
    assert link.last_status is None
    assert link.last_error == "timeout"
    assert link.final_url == server.url("/never")
    assert elapsed < SHORT_TIMEOUT * 2 + 2


def test_refused_connection_is_recorded(dead_host_url):
    link = _check_one(f"{dead_host_url}/anything")

    assert link.healthy is False
    assert link.last_status is None
    assert link.last_error == "connection refused"


def test_unsupported_scheme_is_broken_without_a_request(server):
    link = _check_one("ftp://127.0.0.1/file.txt")

    assert link.healthy is False
    assert link.last_error == "unsupported URL scheme"
    assert server.requests == []


def test_backoff_doubles_with_each_consecutive_failure(server):
    resource = ResourceFactory(primary_url=server.url("/missing"))
    waits = []
    now = NOW
    for _ in range(4):
        links_check(now=now)
        link = _primary(resource)
        waits.append(link.next_check_at - now)
        now = link.next_check_at

    assert waits == [timedelta(hours=hours) for hours in (1, 2, 4, 8)]
    assert link.consecutive_failures == 4


def test_failure_backoff_is_capped_at_seven_days():
    assert link_failure_backoff(failures=1) == timedelta(hours=1)
    assert link_failure_backoff(failures=8) == timedelta(hours=128)
    assert link_failure_backoff(failures=9) == timedelta(days=7)
    assert link_failure_backoff(failures=1000) == timedelta(days=7)


def test_recovered_link_is_healthy_again_and_forgets_its_failures(server):
    resource = ResourceFactory(primary_url=server.url("/missing"))
    links_check(now=NOW)
    ResourceLink.objects.filter(resource=resource).update(url=server.url("/ok"))

    links_check(now=NOW + timedelta(hours=1))

    link = _primary(resource)
    assert link.healthy is True
    assert link.consecutive_failures == 0
    assert link.last_error == ""


def test_first_503_keeps_a_healthy_link_healthy_but_a_second_breaks_it(server):
    resource = ResourceFactory(primary_url=server.url("/ok"))
    links_check(now=NOW)
    ResourceLink.objects.filter(resource=resource).update(url=server.url("/busy"))

    first = links_check(now=NOW, force=True)
    link = _primary(resource)
    assert (first.transient, first.broken) == (1, 0)
    assert link.healthy is True
    assert link.last_status == 503
    assert link.consecutive_failures == 1
    assert link.next_check_at == NOW + timedelta(hours=1)

    second = links_check(now=NOW + timedelta(hours=1))
    link = _primary(resource)
    assert (second.transient, second.broken) == (0, 1)
    assert link.healthy is False
    resource.refresh_from_db()
    assert resource.link_health == LinkHealth.BROKEN


def test_only_due_links_are_checked_unless_forced(server):
    due = ResourceFactory(primary_url=server.url("/ok"))
    later = ResourceFactory(primary_url=server.url("/moved"))
    ResourceLink.objects.filter(resource=later).update(
        next_check_at=NOW + timedelta(minutes=1)
    )

    summary = links_check(now=NOW)
    assert summary.checked == 1
    assert _primary(due).last_checked_at == NOW
    assert _primary(later).last_checked_at is None

    summary = links_check(now=NOW, force=True)
    assert summary.checked == 2
    assert _primary(later).last_checked_at == NOW


def test_a_url_shared_by_two_resources_is_requested_once(server):
    first = ResourceFactory(primary_url=server.url("/ok"))
    second = ResourceFactory(primary_url=server.url("/ok"))

    summary = links_check(now=NOW)

    assert summary.checked == 2
    assert server.requests == [("HEAD", "/ok")]
    assert _primary(first).healthy is _primary(second).healthy is True


def test_link_edited_during_the_check_keeps_its_new_url(server, monkeypatch):
    resource = ResourceFactory(primary_url=server.url("/missing"))
    check_urls = services.check_urls

    def check_while_a_curator_edits(urls, *, config):
        results = check_urls(urls, config=config)
        ResourceLink.objects.filter(resource=resource).update(url=server.url("/ok"))
        return results

    monkeypatch.setattr(services, "check_urls", check_while_a_curator_edits)
    links_check(now=NOW)

    link = _primary(resource)
    assert link.url == server.url("/ok")
    assert link.healthy is None
    assert link.last_checked_at is None


# What it means for resources and learners


def test_resource_whose_primary_404s_is_broken_and_no_longer_offered(server):
    fine = ResourceFactory(primary_url=server.url("/ok"))
    gone = ResourceFactory(primary_url=server.url("/missing"))

    summary = links_check(now=NOW)

    gone.refresh_from_db()
    fine.refresh_from_db()
    assert gone.link_health == LinkHealth.BROKEN
    assert fine.link_health == LinkHealth.HEALTHY
    assert summary.resources_now_broken == (gone.slug,)
    offerable = set(Resource.objects.offerable().values_list("slug", flat=True))
    assert fine.slug in offerable
    assert gone.slug not in offerable


def test_broken_mirror_only_degrades_the_resource(server):
    resource = ResourceFactory(primary_url=server.url("/ok"))
    ResourceLink.objects.create(
        resource=resource, url=server.url("/error"), kind=LinkKind.MIRROR
    )

    summary = links_check(now=NOW)

    resource.refresh_from_db()
    assert resource.link_health == LinkHealth.DEGRADED
    assert summary.resources_now_broken == ()
    assert Resource.objects.offerable().filter(pk=resource.pk).exists()


def test_resource_becomes_offerable_again_when_its_primary_recovers(server):
    resource = ResourceFactory(primary_url=server.url("/missing"))
    links_check(now=NOW)
    ResourceLink.objects.filter(resource=resource).update(url=server.url("/moved"))

    links_check(now=NOW, force=True)

    resource.refresh_from_db()
    assert resource.link_health == LinkHealth.HEALTHY
    assert Resource.objects.offerable().filter(pk=resource.pk).exists()


def test_resource_stays_unchecked_while_its_primary_is_unchecked(server):
    resource = ResourceFactory(primary_url=server.url("/ok"))
    ResourceLink.objects.filter(resource=resource).update(
        next_check_at=NOW + timedelta(days=1)
    )
    ResourceLink.objects.create(
        resource=resource, url=server.url("/missing"), kind=LinkKind.MIRROR
    )

    links_check(now=NOW)

    resource.refresh_from_db()
    assert resource.link_health == LinkHealth.UNCHECKED


def test_catalog_version_moves_once_when_health_changes_and_not_otherwise(server):
    ResourceFactory(primary_url=server.url("/ok"))
    ResourceFactory(primary_url=server.url("/missing"))
    before = _catalog_version()

    links_check(now=NOW)
    assert _catalog_version() == before + 1

    summary = links_check(now=NOW, force=True)
    assert summary.checked == 2
    assert summary.health_changes == ()
    assert _catalog_version() == before + 1


# Limits: concurrency, host backoff, queries


def test_concurrency_never_exceeds_the_run_limit(server, settings):
    settings.LINKCHECK = {**settings.LINKCHECK, "CONCURRENCY": 3}
    for number in range(12):
        ResourceFactory(primary_url=server.url(f"/slow?n={number}"))

    links_check(now=NOW)

    assert 1 < server.max_in_flight <= 3


def test_concurrency_never_exceeds_the_per_host_limit(server, settings):
    settings.LINKCHECK = {**settings.LINKCHECK, "PER_HOST_CONCURRENCY": 2}
    for number in range(8):
        ResourceFactory(primary_url=server.url(f"/slow?n={number}"))

    links_check(now=NOW)

    assert server.max_in_flight == 2


def test_failing_host_is_skipped_for_the_rest_of_the_run(
    server, dead_host_url, settings
):
    settings.LINKCHECK = {
        **settings.LINKCHECK,
        "PER_HOST_CONCURRENCY": 1,
        "HOST_FAILURE_LIMIT": 3,
    }
    dead = [ResourceFactory(primary_url=f"{dead_host_url}/{n}") for n in range(6)]
    alive = ResourceFactory(primary_url=server.url("/ok"))

    summary = links_check(now=NOW)

    assert (summary.checked, summary.skipped) == (4, 3)
    links = [_primary(resource) for resource in dead]
    refused = [link for link in links if link.last_error == "connection refused"]
    skipped = [link for link in links if link.last_error == "skipped: host backing off"]
    assert len(refused) == 3
    assert len(skipped) == 3
    for link in skipped:
        assert link.healthy is None
        assert link.last_checked_at is None
        assert link.next_check_at is None
    assert _primary(alive).healthy is True


def test_links_check_query_count_does_not_grow_with_the_number_of_links(server):
    def queries_for(count: int, path: str) -> int:
        for number in range(count):
            ResourceFactory(primary_url=server.url(f"{path}?n={number}"))
        with CaptureQueriesContext(connection) as captured:
            links_check(now=NOW)
        return len(captured)

    few = queries_for(2, "/ok")
    many = queries_for(40, "/moved")

    assert few == many
    assert many <= 9


def test_links_check_stays_within_its_query_budget(
    server, django_assert_max_num_queries
):
    for number in range(25):
        ResourceFactory(primary_url=server.url(f"/ok?n={number}"))
        ResourceFactory(primary_url=server.url(f"/missing?n={number}"))

    with django_assert_max_num_queries(10):
        links_check(now=NOW)


# Interfaces: the command and the periodic task


def test_check_links_command_prints_summary_and_broken_links(server):
    ResourceFactory(slug="fine", primary_url=server.url("/ok"))
    ResourceFactory(slug="gone", primary_url=server.url("/missing"))
    out = StringIO()

    call_command("check_links", stdout=out, no_color=True)

    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Checked 2 links: 1 healthy, 1 broken, 0 transient; "
        "0 skipped (host backing off)."
    )
    assert lines[1] == "Resources now broken: gone"
    assert lines[2] == (
        f"BROKEN gone [primary] {server.url('/missing')} "
        "status=404 error=HTTP 404 Not Found"
    )


def test_check_links_command_has_nothing_to_do_when_no_link_is_due(server):
    ResourceFactory(primary_url=server.url("/ok"))
    call_command("check_links", stdout=StringIO())
    out = StringIO()

    call_command("check_links", stdout=out)

    assert out.getvalue().strip() == "No links to check (--all checks every link)."
    assert len(server.requests) == 1


def test_check_links_command_json_output(server):
    ResourceFactory(slug="gone", primary_url=server.url("/missing"))
    out = StringIO()

    call_command("check_links", "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert data["checked"] == 1
    assert data["broken"] == 1
    assert data["resources_now_broken"] == ["gone"]
    assert data["broken_links"] == [
        {
            "resource": "gone",
            "kind": "primary",
            "url": server.url("/missing"),
            "status": 404,
            "error": "HTTP 404 Not Found",
        }
    ]
    assert data["health_changes"] == [
        {"resource": "gone", "before": "unchecked", "after": "broken"}
    ]


def test_check_links_command_checks_only_the_named_resources_due_or_not(server):
    named = ResourceFactory(slug="named", primary_url=server.url("/ok"))
    other = ResourceFactory(slug="other", primary_url=server.url("/moved"))
    ResourceLink.objects.filter(resource=named).update(
        next_check_at=datetime(2999, 1, 1, tzinfo=UTC)
    )

    call_command("check_links", "--resource", "named", stdout=StringIO())

    assert _primary(named).healthy is True
    assert _primary(other).last_checked_at is None


def test_check_links_command_refuses_an_unknown_resource(server):
    ResourceFactory(slug="known", primary_url=server.url("/ok"))

    with pytest.raises(CommandError, match="Unknown resource slug\\(s\\): nope"):
        call_command("check_links", "--resource", "known", "nope", stdout=StringIO())

    assert server.requests == []


def test_periodic_task_runs_hourly_and_checks_due_links(server):
    resource = ResourceFactory(primary_url=server.url("/ok"))

    links_check_periodic.call_local()

    assert _primary(resource).healthy is True
    schedule = links_check_periodic.task_class()
    assert schedule.validate_datetime(datetime(2026, 11, 25, 4, 17))
    assert not schedule.validate_datetime(datetime(2026, 11, 25, 4, 18))
