"""Readiness of the search backend, reported by ``/readyz``."""

from __future__ import annotations

from django.conf import settings


def search_health() -> str:
    """``"ok"``, or raises when the configured backend cannot answer.

    The database backend lives in the main database, so a working database
    means working search; the Meilisearch backend arrives with its own check.
    """
    if settings.SEARCH_BACKEND != "database":
        raise RuntimeError(f"unknown SEARCH_BACKEND {settings.SEARCH_BACKEND!r}")
    from taxonomy.models import Topic

    Topic.objects.only("pk").first()
    return "ok"
