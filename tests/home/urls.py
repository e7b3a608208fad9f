"""The site's URLs plus a view that fails, for the 500 page."""

from __future__ import annotations

from django.urls import include, path


def _boom(request):
    raise RuntimeError("a test failure")


urlpatterns = [
    path("boom/", _boom),
    path("", include("wayfinder.urls")),
]
