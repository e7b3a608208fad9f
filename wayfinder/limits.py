"""The REST API's limit on request bodies: past ``API_MAX_BODY_BYTES``
(1 MiB by default) a body to ``/api/`` answers 413 in the error shape, unread.

A middleware, first after the request ID: later ones read the body
(``InvalidCharactersMiddleware`` parses forms and JSON), and Django's own
limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``, kept for the site's forms) would
answer a plain 400 there. The WSGI server hands Django at most
``Content-Length`` bytes and a body without one reads as empty, so the header
is the size.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .errors import ApplicationError


class RequestTooLarge(ApplicationError):
    status = 413
    code = "request_too_large"
    default_message = "The request body is too large."


def body_size_error(request: HttpRequest) -> RequestTooLarge | None:
    """The error for an API request whose body is past the limit, or None."""
    if not request.path_info.startswith("/api/"):
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None  # Django reads such a body as empty
    limit = settings.API_MAX_BODY_BYTES
    if length <= limit:
        return None
    return RequestTooLarge(
        f"The request body is {length} bytes; the API accepts at most {limit}."
    )


class BodySizeLimitMiddleware:
    """Answer 413 to an API request with a body past ``API_MAX_BODY_BYTES``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        error = body_size_error(request)
        if error is None:
            return self.get_response(request)
        response = JsonResponse({"error": error.as_dict()}, status=error.status)
        # The body is left unread: the connection cannot be reused for another
        # request.
        response["Connection"] = "close"
        return response
