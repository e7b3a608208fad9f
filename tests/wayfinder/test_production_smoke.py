"""The production image serves what it links, under gunicorn, on PostgreSQL.

As a release does it: a new PostgreSQL database is migrated and static files
are collected into a temporary STATIC_ROOT with the production settings; then
gunicorn starts on a free port, and every page a visitor or a curator opens
first, and every static file those pages link, must answer 200; the hashed
files are cached for a long time. The database is this module's own (created
and dropped here), so pytest-django's test database is never flushed.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from django.db import connection

import httpx
import psycopg
import pytest

from conftest import IN_CI

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/", "/search/", "/admin/login/")
# ManifestStaticFilesStorage inserts 12 hex digits before the extension.
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")
ONE_YEAR = 365 * 24 * 3600
# Behind the TLS-terminating proxy, as production runs; plain HTTP redirects.
HTTPS = {"X-Forwarded-Proto": "https"}


class _StaticLinks(HTMLParser):
    """``<link href>`` and ``<script src>`` under /static/, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"link": "href", "script": "src"}.get(tag)
        value = dict(attrs).get(wanted or "")
        if value and value.startswith("/static/"):
            self.urls.append(value)


def _static_links(html: str) -> list[str]:
    parser = _StaticLinks()
    parser.feed(html)
    return parser.urls


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_url(name: str) -> str:
    """A URL for database ``name`` on the server the tests use."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{credentials}@{host}/{name}"


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def smoke_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    if connection.vendor != "postgresql":
        if IN_CI:
            pytest.fail("the production smoke test needs PostgreSQL in CI")
        pytest.skip("gunicorn needs a database it can share: PostgreSQL")
    name = f"wayfinder_smoke_{os.getpid()}"
    with psycopg.connect(_postgres_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _postgres_url(name)
    finally:
        with psycopg.connect(_postgres_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def production_env(smoke_database, tmp_path_factory) -> dict[str, str]:
    """Production settings on a migrated database, with static files collected.

    Without ``REDIS_URL``: the cache must not be shared with the test process,
    whose cached Wagtail site paths belong to another database.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SENTRY")) and k != "REDIS_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="wayfinder.settings.production",
        DJANGO_SECRET_KEY="smoke-" + "p7Kq!x2Lm#v9Rt$w4Zn^b8Hc&" * 3,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(tmp_path_factory.mktemp("static")),
        DJANGO_VAR_DIR=str(tmp_path_factory.mktemp("smoke") / "var"),
        DATABASE_URL=smoke_database,
        LOG_LEVEL="WARNING",
    )
    _run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    _run(["manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    return env


@contextlib.contextmanager
def _gunicorn_serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """gunicorn serving ``wayfinder.wsgi`` with ``env`` on a free port: its base URL."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "wayfinder.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                # Plain HTTP, as a container health check or a load balancer
                # probes: the health endpoints are exempt from the redirect.
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def gunicorn(production_env, tmp_path_factory) -> Iterator[str]:
    """The base URL of gunicorn serving ``wayfinder.wsgi`` with production settings."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with _gunicorn_serving(production_env, log) as base:
        yield base


def test_production_serves_its_pages_and_every_static_file_they_link(gunicorn):
    checked: dict[str, str] = {}
    with httpx.Client(base_url=gunicorn, headers=HTTPS, timeout=10) as http:
        for page in PAGES:
            response = http.get(page)
            assert response.status_code == 200, (page, response.text[:500])
            links = _static_links(response.text)
            assert links, f"{page} links no static file"
            for url in links:
                checked[urljoin(page, url)] = page
        assert any("htmx" in url for url in checked), "htmx is not linked"
        failures = {}
        for url, page in checked.items():
            response = http.get(url)
            if response.status_code != 200:
                failures[url] = (page, response.status_code)
                continue
            if HASHED.search(url.split("?", 1)[0]):
                cache_control = response.headers.get("Cache-Control", "")
                max_age = re.search(r"max-age=(\d+)", cache_control)
                assert max_age and int(max_age[1]) >= ONE_YEAR, (url, cache_control)
                assert "immutable" in cache_control, (url, cache_control)
        assert failures == {}


def test_production_serves_compressed_static_files(gunicorn):
    with httpx.Client(base_url=gunicorn, headers=HTTPS, timeout=10) as http:
        links = _static_links(http.get("/").text)
        css = next(url for url in links if url.split("?")[0].endswith(".css"))
        response = http.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == "gzip"


def test_plain_http_is_redirected_to_https_except_the_health_endpoints(gunicorn):
    with httpx.Client(base_url=gunicorn, timeout=10) as http:
        assert http.get("/").status_code == 301
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code in (200, 503)


def test_a_database_that_cannot_be_reached_answers_503_not_500(
    production_env, tmp_path_factory
):
    """PostgreSQL stopped, as an outage leaves it: nothing listens on its port."""
    env = {
        **production_env,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_free_port()}/gone",
    }
    log = tmp_path_factory.mktemp("gunicorn-no-db") / "gunicorn.log"
    with (
        _gunicorn_serving(env, log) as base,
        httpx.Client(base_url=base, headers=HTTPS, timeout=10) as http,
    ):
        page = http.get("/")
        api = http.get("/api/v1/subjects/")
        ready = http.get("/readyz")

    assert page.status_code == 503, page.text[:300]
    assert page.headers["Retry-After"] == "30"
    assert "can’t reach our database" in page.text
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert api.json()["error"]["code"] == "service_unavailable"
    assert ready.status_code == 503
