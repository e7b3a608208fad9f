"""The project's 404 and 500 handlers: JSON under ``/api/``, the site's pages elsewhere.

The router answers only the URLs its patterns match: ``/api/v1/roadmaps/x/``
falls through to Wagtail's catch-all and used to answer an HTML page to an API
client. Under ``/api/`` every 404 and 500 now has the API's one error shape.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from .errors import ApplicationError, NotFound

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
