"""Deny by default: every ``/api/`` route refuses an anonymous caller, except
an explicit allowlist of public ones (and those only for the methods listed).

The routes come from the URLconf itself (``get_resolver()``), so a route added
later is walked without editing this file: if it is meant to be public, it
goes into PUBLIC, with its methods; otherwise it must answer 401 or 403.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

METHODS = ("get", "head", "options", "post", "put", "patch", "delete")
READS = {"get", "head", "options"}

#: url_name -> the methods an anonymous caller may use. Everything else that
#: lives under /api/ must refuse anonymous callers.
PUBLIC: dict[str, set[str]] = {
    # The API root and the catalog: read by anyone, written by curators only.
    "api-root": READS,
    **{
        f"{basename}-{kind}": READS
        for basename in (
            "subject",
            "topic",
            "track",
            "choicegroup",
            "provider",
            "resource",
        )
        for kind in ("list", "detail")
    },
    # The OpenAPI schema and its viewers, and the roadmap export's JSON Schema.
    "api-schema": READS,
    "api-docs": READS,
    "api-redoc": READS,
    "roadmap-export-schema": READS,
    # Getting a token is how an anonymous caller stops being one.
    "auth-token": {"post", "options"},
    "auth-token-refresh": {"post", "options"},
    "auth-token-verify": {"post", "options"},
}

#: Values tried for each path parameter, in order, until the path resolves
#: back to the same view.
CANDIDATES = (
    "1",
    "python",
    "00000000-0000-4000-8000-000000000000",
    "x",
)


@dataclass(frozen=True)
class Route:
    template: str  # Django's reverse template: "api/v1/roadmaps/%(pk)s/"
    params: tuple[str, ...]
    callback: Any

    def __str__(self) -> str:
        return "/" + self.template


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[Route]:
    for key, entries in resolver.reverse_dict.lists():
        # Each pattern is listed under its view and again under its name.
        if not callable(key):
            continue
        for possibilities, _pattern, _defaults, _converters in entries:
            for template, params in possibilities:
                yield Route(prefix + template, tuple(params), key)
    for ns_prefix, sub in resolver.namespace_dict.values():
        yield from _routes(sub, prefix + _literal(ns_prefix))


def _literal(regex: str) -> str:
    """A namespace's prefix regex (``^api/v2/``) as the literal path."""
    return re.sub(r"\\(.)", r"\1", regex.lstrip("^").rstrip("$"))


def _path(route: Route) -> str | None:
    """A concrete path for ``route`` that resolves to the route's own view."""
    choices = [
        # A format suffix that names no renderer is a 404 before anything.
        ("json", ".json") if param == "format" else CANDIDATES
        for param in route.params
    ]
    for values in itertools.product(*choices):
        path = "/" + route.template % dict(zip(route.params, values, strict=True))
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.func is route.callback:
            return path
    return None


def _api_routes() -> tuple[list[tuple[str, str]], list[str]]:
    """(path, url_name) of every route under /api/, deduplicated, and the
    routes no path could be built for."""
    found, unfilled = {}, []
    for route in _routes(get_resolver()):
        if not route.template.startswith("api/"):
            continue
        path = _path(route)
        if path is None:
            unfilled.append(str(route))
        else:
            found[path] = resolve(path).url_name or ""
    return sorted(found.items()), unfilled


API_ROUTES, UNFILLED = _api_routes()


def test_every_api_route_is_walked():
    # A route whose parameters none of CANDIDATES fits would go unchecked.
    assert not UNFILLED, f"add values to CANDIDATES for: {UNFILLED}"


def test_the_walk_finds_the_api():
    names = {name for _, name in API_ROUTES}
    # A sample of what must be there: the walk itself works.
    assert {"api-root", "resource-list", "roadmap-detail", "auth-token"} <= names
    assert "me-list" in names


def test_the_allowlist_names_only_routes_that_exist():
    # A public name that no longer exists would be a hole waiting for a route.
    names = {name for _, name in API_ROUTES}
    missing = set(PUBLIC) - names
    # Providers and Redoc may not be routed yet; everything else must be.
    assert missing <= {"provider-list", "provider-detail", "api-redoc"}, missing


@pytest.mark.parametrize(("path", "name"), API_ROUTES, ids=[p for p, _ in API_ROUTES])
def test_every_api_route_refuses_anonymous_callers(path, name):
    api = APIClient()
    public = PUBLIC.get(name, set())
    answers = {
        method: getattr(api, method)(path).status_code
        for method in METHODS
        if method not in public
    }
    allowed = {
        method: status
        for method, status in answers.items()
        # 405: the route has no such method at all, so nothing to refuse.
        if status not in {401, 403, 405}
    }
    assert not allowed, f"{path} ({name}) answers anonymous callers: {allowed}"
    if not public:
        # A private route must refuse before it says anything about methods.
        assert set(answers.values()) <= {401, 403}, answers


@pytest.mark.parametrize(
    ("path", "name"),
    [(p, n) for p, n in API_ROUTES if n in PUBLIC],
    ids=[p for p, n in API_ROUTES if n in PUBLIC],
)
def test_public_routes_answer_anonymous_callers_without_server_errors(path, name):
    api = APIClient()
    for method in PUBLIC[name]:
        status = getattr(api, method)(path).status_code
        assert status not in {401, 403}, (method, status)
        assert status < 500, (method, status)
