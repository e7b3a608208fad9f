"""/healthz and /readyz, with every service up and with one really down."""

from __future__ import annotations

from django.db import connection

import pytest
from huey import RedisHuey

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_answers_without_touching_the_database(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_service_when_all_are_up(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["down"] == []
    assert {"database", "cache", "huey", "search"} <= set(body["checks"])
    assert all(body["checks"][name]["status"] == "ok" for name in ("database", "cache"))
    assert body["backends"]["database"] == connection.vendor


def test_readyz_names_the_cache_when_redis_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
        }
    }
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "down"
    assert "cache" in body["down"]
    assert "ConnectionError" in body["checks"]["cache"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


def test_readyz_names_the_huey_broker_when_it_is_unreachable(client, monkeypatch):
    import huey.contrib.djhuey as djhuey

    monkeypatch.setattr(djhuey, "HUEY", RedisHuey("readyz-test", url=CLOSED_PORT_REDIS))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["huey"]


def test_readyz_names_the_database_when_it_is_unreachable(client):
    if connection.vendor == "sqlite":
        pytest.skip("closing SQLite's in-memory test database would destroy it")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    body = response.json()
    assert response.status_code == 503
    assert "database" in body["down"]
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["cache"]["status"] == "ok"
