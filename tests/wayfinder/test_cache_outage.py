"""A cache that is down is a cache miss: pages answer from the database.

The cache is pointed at a port nothing listens on, the way a Redis outage
looks from the web tier; every page a learner, a partner or a curator opens
must still answer, and only ``/readyz`` says the cache is down.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache

import pytest

from taxonomy.models import Topic
from tests.admin import curator_user, snippet_url
from tests.factories import ResourceFactory, SubjectFactory, TopicFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _dead_port() -> int:
    """A loopback port that nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "wayfinder.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_dead_port()}/0",
            "KEY_PREFIX": "wayfinder",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def catalog():
    subject = SubjectFactory(slug="python", name="Python")
    topic = TopicFactory(subject=subject, slug="loops", name="Loops")
    ResourceFactory(title="Python loops explained", topics=[topic])
    return topic


def test_every_cache_operation_is_a_miss_or_a_no_op_while_redis_is_down(cache_down):
    cache.set("k", "v")
    cache.set_many({"a": 1, "b": 2})
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", "v") is True  # dropped as if made, like set()
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    cache.delete_many(["a", "b"])
    assert cache.touch("k") is False
    assert cache.get_or_set("k", lambda: "computed") == "computed"
    with pytest.raises(ValueError):
        cache.incr("k")
    cache.clear()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search/",
        "/search/?q=python",
        "/search/?q=loops&format=video",
        "/api/v1/resources/?q=python",
        "/api/v1/topics/",
        "/api/v1/topics/loops/",
    ],
)
def test_public_pages_answer_from_the_database_while_the_cache_is_down(
    client, catalog, cache_down, path
):
    response = client.get(path)
    assert response.status_code == 200


def test_curator_admin_pages_answer_while_the_cache_is_down(
    client, catalog, cache_down
):
    client.force_login(curator_user())
    for path in (
        "/admin/",
        snippet_url(Topic, "list"),
        snippet_url(Topic, "list") + "?q=loops",
        snippet_url(Topic, "edit", catalog.pk),
    ):
        response = client.get(path)
        assert response.status_code == 200, path


def test_a_learner_signs_in_while_the_cache_is_down(client, cache_down, settings):
    # allauth's rate limits as production has them (the test settings turn
    # them off): they take a lock in the cache around every sign-in.
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": None}
    get_user_model().objects.create_user(
        username="ada", email="ada@example.org", password="correct-horse-battery"
    )
    response = client.post(
        "/accounts/login/",
        {"login": "ada@example.org", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert client.get("/roadmaps/").status_code == 200


def test_readyz_still_names_the_cache_when_it_is_down(client, cache_down):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert "cache" in body["down"]
    assert "ConnectionError" in body["checks"]["cache"]["error"]


def test_settings_use_the_tolerant_cache_with_short_timeouts_when_redis_is_set():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "c = settings.CACHES['default']; "
        "print(c['BACKEND'], c['OPTIONS']['socket_connect_timeout'], "
        "c['OPTIONS']['socket_timeout'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wayfinder.settings.test",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    backend, connect_timeout, timeout = result.stdout.split()
    assert backend == "wayfinder.cache.TolerantRedisCache"
    assert float(connect_timeout) <= 1.0
    assert float(timeout) <= 1.0


def test_a_hanging_redis_costs_one_timeout_per_outage_not_one_per_call(
    client, catalog, settings
):
    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(64)  # accepts, never answers
        settings.CACHES = {
            "default": {
                "BACKEND": "wayfinder.cache.TolerantRedisCache",
                "LOCATION": f"redis://127.0.0.1:{hanging.getsockname()[1]}/0",
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            }
        }
        started = time.perf_counter()
        for path in ("/search/", "/search/?q=python", "/", "/api/v1/topics/"):
            assert client.get(path).status_code == 200
        # The four pages make about eight cache calls: 16 s if each waited
        # for its timeout, one 2 s wait when only the first does.
        assert time.perf_counter() - started < 6
