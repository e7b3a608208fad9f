"""The project's 404, 500 and 503 answers: JSON under ``/api/``, the site's pages elsewhere.

The router answers only the URLs its patterns match: ``/api/v1/roadmaps/x/``
falls through to Wagtail's catch-all and used to answer an HTML page to an API
client. Under ``/api/`` every 404 and 500 now has the API's one error shape.

A database that cannot be reached is an outage, not a bug: the request answers
503 with ``Retry-After`` (:class:`DatabaseUnavailableMiddleware`), the page
saying so in the site's style, and ``/readyz`` tells the load balancer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

import structlog

from .errors import ApplicationError, NotFound, ServiceUnavailable

logger = structlog.get_logger(__name__)

#: Seconds a client is asked to wait before trying again after an outage.
OUTAGE_RETRY_AFTER = 30

API_PREFIX = "/api/"


class _ServerError(ApplicationError):
    status = 500
    code = "server_error"
    default_message = "Something went wrong on our side. Try again shortly."


def _wants_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _wants_api(request):
        return JsonResponse({"error": NotFound().as_dict()}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_api(request):
        error = _ServerError()
        return JsonResponse({"error": error.as_dict()}, status=error.status)
    return defaults.server_error(request)


def _database_unreachable() -> bool:
    """True when no database connection is open and usable: the error was a
    lost or refused connection, not a query the database turned down (a
    deadlock or a timeout stays a 500, it is a bug to look at)."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and connection.is_usable():
            return False
    return True


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After`` when the database cannot be reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if not _database_unreachable():
            return None
        logger.error(
            "database_unreachable",
            path=request.path,
            error=f"{type(exception).__name__}: {exception}"[:300],
        )
        if _wants_api(request):
            error = ServiceUnavailable()
            response = JsonResponse({"error": error.as_dict()}, status=error.status)
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
        return response
