"""Loopback servers speaking the sources' APIs, and settings pointing at them."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# Generous: a loaded CI machine (xdist, browser tests) is slow to answer.
TIMEOUT = 2.0


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


@dataclass
class Answer:
    """What the server answers on a path: a status, headers and a body, after
    ``delay`` seconds; ``hang`` answers nothing until the test ends."""

    status: int = 200
    body: str = "{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False

    @classmethod
    def fixture(cls, name: str, **kwargs: object) -> Answer:
        return cls(body=fixture_text(name), **kwargs)


@dataclass(frozen=True)
class Seen:
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: SourceServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        answer = self.server.seen_request(
            Seen(
                path=parts.path,
                params=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
            )
        )
        try:
            if answer.hang:
                self.server.stopping.wait(timeout=30)
                return
            if answer.delay:
                time.sleep(answer.delay)
            body = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        finally:
            self.server.request_done()

    def log_message(self, format: str, *args: object) -> None:
        pass


class SourceServer(ThreadingHTTPServer):
    """Answers each path as told (``answers[path]``; 404 otherwise), records
    every request and the most it had in flight at once."""

    request_queue_size = 64
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: dict[str, Answer] = {}
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def url(self, path: str = "") -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}"

    def seen_request(self, seen: Seen) -> Answer:
        with self._lock:
            self.requests.append(seen)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            return self.answers.get(seen.path, Answer(status=404, body='{"error":1}'))

    def request_done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path == path]


PATHS = {
    "openlibrary": "/openlibrary/search.json",
    "wikibooks": "/wikibooks/w/api.php",
    "wikipedia": "/wikipedia/w/api.php",
    "github": "/github/search/repositories",
    "youtube": "/youtube/youtube/v3/search",
}


@pytest.fixture
def server() -> Iterator[SourceServer]:
    httpd = SourceServer()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sources_settings(settings, server):
    """Every source on the loopback server; loopback allowed as the link
    checker's tests allow it."""
    settings.LINKCHECK = {**settings.LINKCHECK, "ALLOWED_NETWORKS": ["127.0.0.1/32"]}
    settings.SOURCES = {
        **settings.SOURCES,
        "ENABLED": ["openlibrary", "wikibooks", "github"],
        "URLS": {
            "openlibrary": server.url("/openlibrary"),
            "wikibooks": server.url("/wikibooks"),
            "wikipedia": server.url("/wikipedia"),
            "github": server.url("/github"),
            "youtube": server.url("/youtube"),
        },
        # YouTube stays off (no key) unless a test turns it on.
        "KEYS": {"github": "", "youtube": ""},
        "TIMEOUT": TIMEOUT,
        "BUDGET": 10.0,
        "CACHE_SECONDS": 600,
        "BREAKER_FAILURES": 3,
        "BREAKER_COOLDOWN": 600.0,
        "RESULTS_PER_SEARCH": 5,
        # Answers and breakers live in the shared cache (Redis): a prefix of
        # its own gives each test none, whatever ran before or runs beside it.
        "CACHE_PREFIX": f"sources-test-{uuid.uuid4().hex}",
    }
    return settings.SOURCES


@pytest.fixture
def happy_server(server):
    """Each API answers its recorded search."""
    server.answers[PATHS["openlibrary"]] = Answer.fixture("openlibrary_search.json")
    server.answers[PATHS["wikibooks"]] = Answer.fixture("wikibooks_search.json")
    server.answers[PATHS["wikipedia"]] = Answer.fixture("wikipedia_search.json")
    server.answers[PATHS["github"]] = Answer.fixture("github_search.json")
    server.answers[PATHS["youtube"]] = Answer.fixture("youtube_search.json")
    return server


def json_fixture(name: str) -> object:
    return json.loads(fixture_text(name))
