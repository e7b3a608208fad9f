"""The site's URLs plus stand-ins for routes other work adds: a wizard at
/onboarding/ (planned) and a view that fails, for the 500 page."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import include, path


def _wizard(request):
    return HttpResponse("wizard")


def _boom(request):
    raise RuntimeError("a test failure")


urlpatterns = [
    path("onboarding/", _wizard),
    path("boom/", _boom),
    path("", include("wayfinder.urls")),
]
